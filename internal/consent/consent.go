package consent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Reserved ledger keys for signals that are not purposes. Granted=true means the signal is
// set (personalisation is off, the person objects, GPC was received, a guardian consented).
const (
	SignalPersonalisationOff    = "signal.personalisation_off"
	SignalObjectDirectMarketing = "signal.object_direct_marketing"
	SignalGPC                   = "signal.gpc"
	SignalGuardian              = "signal.guardian"
)

// IsSignal reports whether key is a reserved signal rather than a purpose.
func IsSignal(key string) bool { return strings.HasPrefix(key, "signal.") }

// GPCSuppression is how long a visitor who sent GPC is not asked to opt back in (CCPA
// regulations §7026(e): wait at least 12 months before asking again).
const GPCSuppression = 365 * 24 * time.Hour

// Entry is the state of one purpose or signal.
type Entry struct {
	Granted       bool      `json:"granted"`
	At            time.Time `json:"at"`
	Method        string    `json:"method"`
	NoticeVersion string    `json:"notice_version"`
	RecordID      string    `json:"record_id"`
}

// State maps purposes and signals to their entry in force. An absent purpose was never
// chosen: default deny.
type State map[string]Entry

// Granted reports whether key is granted (or, for a signal, set).
func (s State) Granted(key string) bool { return s[key].Granted }

// Purposes returns purpose → granted, without the signals.
func (s State) Purposes() map[string]bool {
	out := make(map[string]bool, len(s))
	for k, e := range s {
		if !IsSignal(k) {
			out[k] = e.Granted
		}
	}
	return out
}

// Fold derives the state at instant at from a history in ledger order: for each key, the
// last record whose time is not after at.
func Fold(history []store.ConsentRecord, at time.Time) State {
	s := State{}
	for _, r := range history {
		if r.At.After(at) {
			continue
		}
		if cur, ok := s[r.Purpose]; ok && cur.At.After(r.At) {
			continue // history is ordered, but be safe with equal keys
		}
		s[r.Purpose] = Entry{Granted: r.Granted, At: r.At, Method: r.Method, NoticeVersion: r.NoticeVersion, RecordID: r.ID}
	}
	return s
}

// Notice names the notice text a choice was made under.
type Notice struct{ Version, Hash string }

// Config configures a Ledger.
type Config struct {
	Now func() time.Time
	// Notice returns the notice in force (the manifest's version and hash).
	Notice func() Notice
	// Targeting lists the purposes "turn off personalisation" withdraws: every
	// personalisation and targeting purpose.
	Targeting []string
	// Jurisdiction is recorded when a caller gives none.
	Jurisdiction string
}

// Ledger records and reads consent.
type Ledger struct {
	st  store.Store
	cfg Config
}

// New returns a Ledger.
func New(st store.Store, cfg Config) *Ledger {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Notice == nil {
		cfg.Notice = func() Notice { return Notice{Version: "0", Hash: "none"} }
	}
	return &Ledger{st: st, cfg: cfg}
}

// ErrInvalid reports a request the ledger refuses.
var ErrInvalid = errors.New("consent: invalid request")

// Choice is one change a person makes.
type Choice struct {
	Key     string // purpose or signal
	Granted bool
}

// Meta says how and where choices were made.
type Meta struct {
	Method       string
	Jurisdiction string
	Actor        string // "subject", an operator id, "system"
	Evidence     any    // marshalled to JSON: banner variant, choices shown, TC string…
}

// Record appends choices for a subject atomically and returns the records.
func (l *Ledger) Record(ctx context.Context, subjectID string, choices []Choice, m Meta) ([]store.ConsentRecord, error) {
	recs, err := l.Records(subjectID, choices, m)
	if err != nil {
		return nil, err
	}
	if err := l.st.AppendConsent(ctx, recs); err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	return recs, nil
}

// Records builds the records for choices without storing them (the collector appends
// them in its own transaction).
func (l *Ledger) Records(subjectID string, choices []Choice, m Meta) ([]store.ConsentRecord, error) {
	if subjectID == "" || len(choices) == 0 {
		return nil, fmt.Errorf("%w: a subject and at least one choice", ErrInvalid)
	}
	if !store.ValidMethod(m.Method) {
		return nil, fmt.Errorf("%w: unknown method %q", ErrInvalid, m.Method)
	}
	ev := []byte("{}")
	if m.Evidence != nil {
		b, err := json.Marshal(m.Evidence)
		if err != nil {
			return nil, fmt.Errorf("%w: evidence: %v", ErrInvalid, err)
		}
		ev = b
	}
	if m.Jurisdiction == "" {
		m.Jurisdiction = l.cfg.Jurisdiction
	}
	if m.Actor == "" {
		m.Actor = "subject"
	}
	n := l.cfg.Notice()
	now := l.cfg.Now().UTC().Truncate(time.Microsecond)
	out := make([]store.ConsentRecord, 0, len(choices))
	for _, c := range choices {
		if c.Key == "" {
			return nil, fmt.Errorf("%w: empty purpose", ErrInvalid)
		}
		out = append(out, store.ConsentRecord{ID: newID(), SubjectID: subjectID, Purpose: c.Key, Granted: c.Granted,
			NoticeVersion: n.Version, NoticeHash: n.Hash, Method: m.Method, Jurisdiction: m.Jurisdiction, At: now, Evidence: ev, Actor: m.Actor})
	}
	return out, nil
}

// Grant records consent to one purpose.
func (l *Ledger) Grant(ctx context.Context, subjectID, purpose string, m Meta) error {
	_, err := l.Record(ctx, subjectID, []Choice{{purpose, true}}, m)
	return err
}

// Withdraw records a withdrawal: exactly as easy as granting, one call.
func (l *Ledger) Withdraw(ctx context.Context, subjectID, purpose string, m Meta) error {
	_, err := l.Record(ctx, subjectID, []Choice{{purpose, false}}, m)
	return err
}

// SetAll grants (accept all) or withdraws (reject all) every purpose given, at once.
func (l *Ledger) SetAll(ctx context.Context, subjectID string, purposes []string, granted bool, m Meta) error {
	choices := make([]Choice, len(purposes))
	for i, p := range purposes {
		choices[i] = Choice{p, granted}
	}
	_, err := l.Record(ctx, subjectID, choices, m)
	return err
}

// SetPersonalisation turns personalisation off (withdrawing every targeting purpose and
// setting the signal, in one append) or back on (clearing the signal only: consents
// withdrawn on the way off stay withdrawn until the person grants them again).
func (l *Ledger) SetPersonalisation(ctx context.Context, subjectID string, on bool, m Meta) error {
	choices := []Choice{{SignalPersonalisationOff, !on}}
	if !on {
		for _, p := range l.cfg.Targeting {
			choices = append(choices, Choice{p, false})
		}
	}
	_, err := l.Record(ctx, subjectID, choices, m)
	return err
}

// State returns the state in force now.
func (l *Ledger) State(ctx context.Context, subjectID string) (State, error) {
	return l.StateAt(ctx, subjectID, l.cfg.Now())
}

// StateAt returns the state that was in force at instant at.
func (l *Ledger) StateAt(ctx context.Context, subjectID string, at time.Time) (State, error) {
	h, err := l.st.ConsentHistory(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	return Fold(h, at), nil
}

// Histories returns the records of several subjects (one query).
func (l *Ledger) Histories(ctx context.Context, subjectIDs []string) (map[string][]store.ConsentRecord, error) {
	return l.st.ConsentHistories(ctx, subjectIDs)
}

// History returns the subject's records.
func (l *Ledger) History(ctx context.Context, subjectID string) ([]store.ConsentRecord, error) {
	return l.st.ConsentHistory(ctx, subjectID)
}

// SuppressOptInPrompt reports whether the SDK must not ask this visitor to opt back in:
// a GPC signal less than 12 months old.
func SuppressOptInPrompt(s State, now time.Time) bool {
	e, ok := s[SignalGPC]
	return ok && e.Granted && now.Sub(e.At) < GPCSuppression
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "cr_" + hex.EncodeToString(b)
}
