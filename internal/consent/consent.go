package consent

import (
	"slices"
	"strconv"
	"sync"

	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/regime"

	"github.com/stewardhq/steward/internal/store"
)

// Reserved ledger keys for signals that are not purposes. Granted=true means the signal is
// set (personalisation is off, the person objects, GPC was received, a guardian consented).
const (
	SignalPersonalisationOff    = "signal.personalisation_off"
	SignalObjectDirectMarketing = "signal.object_direct_marketing"
	SignalGPC                   = "signal.gpc"
	SignalGuardian              = "signal.guardian"
	// SignalAdFree: a privacy subscription runs (issue 25). Only the equity service sets it,
	// when a subscription starts, and withdraws it when it ends; no client can.
	SignalAdFree = "signal.ad_free"
	// SignalRestricted: the person restricted processing (GDPR Art. 18, PIPL Art. 44,
	// RR-05). Only the rights service sets and lifts it; the policy then permits storage
	// alone, so every reader, the gate, tags and audiences leave the person out.
	SignalRestricted = "signal.restricted"
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

// Recorder records the ledger's processing acts in the audit log.
type Recorder interface {
	RecordAll(ctx context.Context, es []audit.Event) ([]uint64, error)
}

// Store is the part of the store the ledger uses.
type Store interface {
	store.ConsentLedger
}

// Config configures a Ledger. Store is required.
type Config struct {
	Store Store
	Now   func() time.Time
	// Regime returns the manifest in force: the notice choices are recorded against, the
	// purposes "turn off personalisation" withdraws, the version each purpose last changed
	// (re-consent), the deployment's home jurisdiction. Nil records against no notice.
	Regime func() *regime.Regime
	// Recorder receives every recorded choice as a processing act; nil records none.
	Recorder Recorder
}

// Ledger records and reads consent. It is the owner of consent changes: every record it
// appends is also a processing act in the audit log.
type Ledger struct {
	st  Store
	cfg Config

	mu        sync.Mutex
	listeners []func(ctx context.Context, subjectID string)
}

// OnChange registers fn to run after a subject's choices were recorded through the ledger
// (the profile engine recomputes the person at once, so a withdrawal takes their tags and
// memberships away now, not at the next poll).
func (l *Ledger) OnChange(fn func(ctx context.Context, subjectID string)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listeners = append(l.listeners, fn)
}

// New returns a Ledger.
func New(cfg Config) *Ledger {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Ledger{st: cfg.Store, cfg: cfg}
}

// SetRecorder sets the audit recorder (the recorder reads the regime, which the composition
// root builds after the ledger).
func (l *Ledger) SetRecorder(r Recorder) { l.cfg.Recorder = r }

func (l *Ledger) notice() (version, hash string) {
	if l.cfg.Regime == nil {
		return "0", "none"
	}
	n := l.cfg.Regime().Notice()
	return n.Version, n.Hash
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
	// Notice is the notice the person was shown: nil means the notice in force (the privacy
	// center shows it); NoNotice that none was shown (a server-side call).
	Notice *regime.Notice
}

// NoNotice marks a choice made without any notice shown: version 0, hash "none".
var NoNotice = &regime.Notice{Version: "0", Hash: "none"}

// Verified reports whether a method is a verified choice: the person signed in to the
// privacy center, or an operator recorded it with evidence. An unauthenticated client signal
// never undoes one (the write key is public).
func Verified(method string) bool {
	return method == store.MethodPrivacyCenter || method == store.MethodOperator
}

// Record appends choices for a subject atomically, records them as processing acts, and
// returns the records.
func (l *Ledger) Record(ctx context.Context, subjectID string, choices []Choice, m Meta) ([]store.ConsentRecord, error) {
	recs, err := l.Records(subjectID, choices, m)
	if err != nil {
		return nil, err
	}
	return l.append(ctx, subjectID, recs)
}

// append stores records built by Records, records them as one choice and tells listeners.
func (l *Ledger) append(ctx context.Context, subjectID string, recs []store.ConsentRecord) ([]store.ConsentRecord, error) {
	if err := l.st.AppendConsent(ctx, recs); err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	if err := l.recordChoice(ctx, recs); err != nil {
		return nil, err
	}
	l.mu.Lock()
	ls := slices.Clone(l.listeners)
	l.mu.Unlock()
	for _, fn := range ls {
		fn(ctx, subjectID)
	}
	return recs, nil
}

// recordChoice records one person's choice — one call of Record, however many ledger
// records it took — as one processing act: a single purpose is named; a switch (turning
// personalisation off, objecting) is named by its signal and lists what it changed; "accept
// all" and "reject all" list every purpose.
func (l *Ledger) recordChoice(ctx context.Context, recs []store.ConsentRecord) error {
	if len(recs) == 1 {
		return l.Recorded(ctx, recs)
	}
	if l.cfg.Recorder == nil || len(recs) == 0 {
		return nil
	}
	r := recs[0]
	purpose := ""
	if IsSignal(r.Purpose) {
		purpose = r.Purpose
	}
	var changes []string
	for _, c := range recs {
		changes = append(changes, c.Purpose+"="+strconv.FormatBool(c.Granted))
	}
	detail := map[string]string{"changes": strings.Join(changes, ","), "method": r.Method, "records": strconv.Itoa(len(recs))}
	if r.Purpose == SignalPersonalisationOff {
		detail["personalisation"] = map[bool]string{true: "off", false: "on"}[r.Granted]
	}
	_, err := l.cfg.Recorder.RecordAll(ctx, []audit.Event{{Act: audit.ActConsentChange, SubjectID: r.SubjectID, Actor: r.Actor, Purpose: purpose,
		LegalBasis: "consent", Detail: detail}})
	return err
}

// Recorded records ledger records appended elsewhere (the collector appends the consent
// signals events carry in its own transaction) as processing acts, in one batch.
func (l *Ledger) Recorded(ctx context.Context, recs []store.ConsentRecord) error {
	if l.cfg.Recorder == nil || len(recs) == 0 {
		return nil
	}
	es := make([]audit.Event, len(recs))
	for i, r := range recs {
		es[i] = audit.Event{Act: audit.ActConsentChange, SubjectID: r.SubjectID, Actor: r.Actor, Purpose: r.Purpose, LegalBasis: "consent",
			Detail: map[string]string{"granted": strconv.FormatBool(r.Granted), "method": r.Method, "record": r.ID}}
	}
	_, err := l.cfg.Recorder.RecordAll(ctx, es)
	return err
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
	if m.Jurisdiction == "" && l.cfg.Regime != nil {
		m.Jurisdiction = l.cfg.Regime().Home()
	}
	if m.Actor == "" {
		m.Actor = "subject"
	}
	version, hash := l.notice()
	if m.Notice != nil {
		version, hash = m.Notice.Version, m.Notice.Hash
	}
	now := l.cfg.Now().UTC().Truncate(time.Microsecond)
	out := make([]store.ConsentRecord, 0, len(choices))
	for _, c := range choices {
		if c.Key == "" {
			return nil, fmt.Errorf("%w: empty purpose", ErrInvalid)
		}
		out = append(out, store.ConsentRecord{ID: newID(), SubjectID: subjectID, Purpose: c.Key, Granted: c.Granted,
			NoticeVersion: version, NoticeHash: hash, Method: m.Method, Jurisdiction: m.Jurisdiction, At: now, Evidence: ev, Actor: m.Actor})
	}
	return out, nil
}

// Grant records consent to one purpose.
func (l *Ledger) Grant(ctx context.Context, subjectID, purpose string, m Meta) error {
	_, err := l.Record(ctx, subjectID, []Choice{{Key: purpose, Granted: true}}, m)
	return err
}

// Withdraw records a withdrawal: exactly as easy as granting, one call.
func (l *Ledger) Withdraw(ctx context.Context, subjectID, purpose string, m Meta) error {
	_, err := l.Record(ctx, subjectID, []Choice{{Key: purpose, Granted: false}}, m)
	return err
}

// SetAll grants (accept all) or withdraws (reject all) every purpose given, at once.
func (l *Ledger) SetAll(ctx context.Context, subjectID string, purposes []string, granted bool, m Meta) error {
	choices := make([]Choice, len(purposes))
	for i, p := range purposes {
		choices[i] = Choice{Key: p, Granted: granted}
	}
	_, err := l.Record(ctx, subjectID, choices, m)
	return err
}

// SetPersonalisation turns personalisation off — withdrawing every targeting purpose and
// setting the signal, in one append — or back on. "On" restores the choices held before the
// last "off" (PIPL Art. 24, PT-03: the switch is one truth, not a one-way door): each
// targeting purpose the person had granted then, and has not changed since, is granted
// again — unless its notice changed in between, when it needs a fresh consent instead.
func (l *Ledger) SetPersonalisation(ctx context.Context, subjectID string, on bool, m Meta) error {
	choices := []Choice{{Key: SignalPersonalisationOff, Granted: !on}}
	if !on && l.cfg.Regime != nil {
		for _, p := range l.cfg.Regime().Targeting() {
			choices = append(choices, Choice{Key: p, Granted: false})
		}
	}
	if on {
		restore, err := l.beforeOff(ctx, subjectID)
		if err != nil {
			return err
		}
		choices = append(choices, restore...)
	}
	_, err := l.Record(ctx, subjectID, choices, m)
	return err
}

// beforeOff returns the grants to restore when personalisation is switched back on: the
// targeting purposes granted just before the last "off" whose latest record is still that
// switch's withdrawal, and whose grant is not stale.
func (l *Ledger) beforeOff(ctx context.Context, subjectID string) ([]Choice, error) {
	h, err := l.st.ConsentHistory(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	off := -1
	for i, r := range h {
		if r.Purpose == SignalPersonalisationOff && r.Granted {
			off = i
		}
	}
	if off < 0 {
		return nil, nil
	}
	// The switch's records share its time; what held before is the fold of what came earlier.
	at := h[off].At
	var earlier []store.ConsentRecord
	for _, r := range h {
		if r.At.Before(at) {
			earlier = append(earlier, r)
		}
	}
	before, _ := l.Effective(Fold(earlier, at))
	now := Fold(h, l.cfg.Now())
	var out []Choice
	for _, p := range l.cfg.Regime().Targeting() {
		cur, ok := now[p]
		if before.Granted(p) && ok && !cur.Granted && cur.At.Equal(at) {
			out = append(out, Choice{Key: p, Granted: true})
		}
	}
	return out, nil
}

// Effective drops grants given under a notice older than the purpose's last change: the
// person agreed to a text that no longer describes what the purpose does (NC-03). It
// returns the state to decide with and the purposes needing re-consent.
func (l *Ledger) Effective(st State) (State, map[string]bool) {
	stale := map[string]bool{}
	if l.cfg.Regime == nil {
		return st, stale
	}
	r := l.cfg.Regime()
	out := make(State, len(st))
	for k, e := range st {
		if at, ok := r.ChangedAt(k); ok && e.Granted {
			if v, err := strconv.ParseInt(e.NoticeVersion, 10, 64); err != nil || v < at {
				stale[k] = true
				e.Granted = false
			}
		}
		out[k] = e
	}
	return out, stale
}

// Current returns the state to decide with now: the ledger's state with stale grants
// dropped (Effective).
func (l *Ledger) Current(ctx context.Context, subjectID string) (State, error) {
	st, err := l.State(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	st, _ = l.Effective(st)
	return st, nil
}

// State returns the state in force now, as recorded (see Current for the state to decide with).
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
