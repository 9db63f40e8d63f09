package consent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Errors of a person's own choice.
var (
	// ErrUnknownPurpose: the purpose is not in the manifest in force (or is a signal).
	ErrUnknownPurpose = errors.New("consent: unknown purpose")
	// ErrNotConsentBased: the purpose rests on another legal basis; there is nothing to
	// grant or withdraw.
	ErrNotConsentBased = errors.New("consent: purpose does not rest on consent")
)

// Choose records one person's own grant or withdrawal of a purpose (privacy center, the
// subject API): the purpose must be in force and rest on consent.
func (l *Ledger) Choose(ctx context.Context, subjectID, purpose string, granted bool, m Meta) error {
	if l.cfg.Regime == nil || IsSignal(purpose) {
		return fmt.Errorf("%w %q", ErrUnknownPurpose, purpose)
	}
	p, ok := l.cfg.Regime().Purpose(purpose)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownPurpose, purpose)
	}
	if !p.NeedsConsent() {
		return fmt.Errorf("%w: %q rests on %s: there is nothing to grant or withdraw", ErrNotConsentBased, purpose, p.Basis)
	}
	if p.SeparateConsent && granted {
		return fmt.Errorf("%w: %s is granted only on its own, naming its recipient", ErrSeparateConsent, purpose)
	}
	_, err := l.Record(ctx, subjectID, []Choice{{Key: purpose, Granted: granted}}, m)
	return err
}

// DayCount is one day's grants and withdrawals of a purpose.
type DayCount struct {
	Day       string `json:"day"`
	Granted   int64  `json:"granted"`
	Withdrawn int64  `json:"withdrawn"`
}

// Rates is grants and withdrawals per purpose per day: the console's consent-rate charts.
type Rates struct {
	From     time.Time             `json:"from"`
	To       time.Time             `json:"to"`
	Purposes map[string][]DayCount `json:"purposes"`
}

// RatesOver returns the rates over the last days (signals left out).
func (l *Ledger) RatesOver(ctx context.Context, days int) (Rates, error) {
	to := l.cfg.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	counts, err := l.st.ConsentCounts(ctx, from, to)
	if err != nil {
		return Rates{}, err
	}
	r := Rates{From: from, To: to, Purposes: map[string][]DayCount{}}
	for _, c := range counts {
		if IsSignal(c.Purpose) {
			continue
		}
		r.Purposes[c.Purpose] = append(r.Purposes[c.Purpose], DayCount{c.Day, c.Granted, c.Withdrawn})
	}
	return r, nil
}

// Snapshot answers "what had this person allowed at that instant", with the records it
// rests on.
type Snapshot struct {
	Subject     string            `json:"subject"`
	At          time.Time         `json:"at"`
	State       State             `json:"state"`
	ConsentMode map[string]string `json:"consent_mode"`
	Records     []RecordView      `json:"records"`
}

// RecordView is a ledger record as operators see it.
type RecordView struct {
	ID      string `json:"id"`
	Purpose string `json:"purpose"`
	Granted bool   `json:"granted"`
	// Kind says what happened: given, refused (a first "no") or withdrawn.
	Kind          string    `json:"kind"`
	Method        string    `json:"method"`
	At            time.Time `json:"at"`
	NoticeVersion string    `json:"notice_version"`
	NoticeHash    string    `json:"notice_hash"`
}

// SnapshotAt returns the subject's state at an instant with its records.
func (l *Ledger) SnapshotAt(ctx context.Context, subjectID string, at time.Time) (Snapshot, error) {
	hist, err := l.st.ConsentHistory(ctx, subjectID)
	if err != nil {
		return Snapshot{}, err
	}
	st := Fold(hist, at)
	s := Snapshot{Subject: subjectID, At: at.UTC(), State: st, ConsentMode: ConsentMode(st)}
	kinds := Kinds(hist)
	for _, r := range hist {
		if !r.At.After(at) {
			v := viewOf(r)
			v.Kind = kinds[r.ID]
			s.Records = append(s.Records, v)
		}
	}
	return s, nil
}

func viewOf(r store.ConsentRecord) RecordView {
	return RecordView{ID: r.ID, Purpose: r.Purpose, Granted: r.Granted, Method: r.Method, At: r.At,
		NoticeVersion: r.NoticeVersion, NoticeHash: r.NoticeHash}
}
