package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/taxonomy"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/jsonscan"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Effect is what the policy allows for one category.
type Effect int

// Effects, from most to least restrictive.
const (
	Deny Effect = iota
	AllowMasked
	Allow
)

// Decider answers reads. For compiles one subject's state once per read and returns the
// question to ask per purpose and category; state, when not nil, is the consent state to
// decide with (a caller that already read it), else the decider reads the ledger.
type Decider interface {
	For(ctx context.Context, subjectID string, state consent.State) (func(purpose, category string) (Effect, string), error)
}

// Use is a data category serving some purposes: one field of the manifest's allow-list.
type Use struct {
	Category string
	Purposes []string
}

// Rules maps stored fields to categories and the purposes they may serve (the manifest).
type Rules interface {
	EventType(msgType, event string) string
	// EventUses returns the uses of an event type's own fields: a purpose sees an event only
	// if it may read one of them.
	EventUses(eventType string) []Use
	Field(eventType, path string) (category string, purposes []string, ok bool)
	// Identifier reports whether a category names who a person is (contact details, names,
	// government ids): such values are masked unless the viewer's role may see them.
	Identifier(category string) bool
}

// Masker renders a masked value of a category for display.
type Masker func(category string, v any) any

// Opener decrypts sealed bodies (the vault).
type Opener interface {
	Open(ctx context.Context, subjectID string, b vault.Binding, ciphertext []byte) ([]byte, error)
}

// Recorder records the reads of operators as processing acts.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Store is the raw query layer the reader alone calls.
type Store interface {
	RawSubjectEvents(ctx context.Context, subjectID string, after int64, limit int) ([]store.Event, error)
}

// Viewers that are not operator roles.
const (
	// ViewerSubject is the person reading their own data.
	ViewerSubject = "subject"
	// ViewerSystem is Steward itself (the profile engine, legal hold, inventories).
	ViewerSystem = "system"
)

// Request names who reads whose data for what.
type Request struct {
	// Actor is the operator id, "subject" for the person themselves, or "system".
	Actor string
	// Viewer is the operator's role, or ViewerSubject or ViewerSystem: masking by role is the
	// read path's rule (see ClearIdentifiers), not each route's. Empty means ViewerSystem.
	Viewer    string
	Purpose   string
	SubjectID string
	// After and Limit page through the subject's events by Seq.
	After int64
	Limit int
	// Consent, when not nil, is the subject's consent state to decide with (the caller
	// already read it); otherwise the decider reads the ledger once for this read.
	Consent consent.State
	// Raw leaves Event.Fields nil and hands over what the purpose may see as JSON in
	// Event.Raw instead, for a caller that picks a few fields itself (decoding every event
	// into maps is a fifth of a full read's time).
	Raw bool
}

// ClearIdentifiers reports whether a viewer sees direct identifiers in clear: the person
// themselves, Steward's own processing, admins and privacy officers. Everyone else (the
// marketer, the analyst, the auditor) sees them masked whatever the purpose allows (SD-02).
func ClearIdentifiers(viewer string) bool {
	switch viewer {
	case ViewerSubject, ViewerSystem, "", "admin", "privacy_officer":
		return true
	}
	return false
}

// operatorRead reports whether a read is an operator's: those are processing acts the
// reader records itself. The person's own reads and Steward's are recorded by their owners
// (an export by rights, profiling by the profile engine).
func operatorRead(viewer string) bool {
	return viewer != ViewerSubject && viewer != ViewerSystem && viewer != ""
}

// Event is an event as a purpose may see it.
type Event struct {
	Seq        int64          `json:"seq"`
	Type       string         `json:"type"`
	Name       string         `json:"name,omitempty"`
	OccurredAt time.Time      `json:"occurred_at"`
	Fields     map[string]any `json:"fields"`
	// Withheld counts fields left out, by reason.
	Withheld map[string]int `json:"withheld,omitempty"`
	// Raw is what Fields would hold, as JSON, when the request asked for Raw.
	Raw json.RawMessage `json:"-"`
}

// Config is what a Reader needs. Store, Opener, Rules and Decider are required.
type Config struct {
	Store    Store
	Opener   Opener
	Rules    Rules
	Decider  Decider
	Mask     Masker // nil: MaskValue
	Recorder Recorder
	// Basis names a purpose's legal basis for the audit log; nil records none.
	Basis func(purpose string) string
	// Sealer and Keys seal extracts (SealExtract) under existing data keys; nil refuses.
	Sealer Sealer
	Keys   store.KeyAccess
}

// Reader is the purpose-scoped read path.
type Reader struct {
	cfg Config
}

// New returns a Reader.
func New(cfg Config) *Reader {
	if cfg.Mask == nil {
		cfg.Mask = MaskValue
	}
	return &Reader{cfg: cfg}
}

// ErrDenied means the purpose may not read this subject's events at all.
var ErrDenied = errors.New("access: the purpose may not read this data")

// Events returns the subject's events as req.Purpose may see them: events whose own
// category is denied are left out, fields denied are absent, fields allowed masked are
// masked, identifiers masked unless the viewer may see them. A subject whose data key was
// shredded has nothing to read. An operator's read is recorded in the audit log.
func (r *Reader) Events(ctx context.Context, req Request) ([]Event, error) {
	evs, _, err := r.EventsPage(ctx, req)
	if err != nil {
		return nil, err
	}
	if operatorRead(req.Viewer) && r.cfg.Recorder != nil {
		basis := ""
		if r.cfg.Basis != nil {
			basis = r.cfg.Basis(req.Purpose)
		}
		if err := r.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActRead, SubjectID: req.SubjectID, Actor: req.Actor, Purpose: req.Purpose,
			LegalBasis: basis, Detail: map[string]string{"events": strconv.Itoa(len(evs)), "identifiers_in_clear": strconv.FormatBool(ClearIdentifiers(req.Viewer))}}); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// Page tells a caller paging with EventsPage where the store's page ended.
type Page struct {
	// Last is the seq of the last stored event looked at (req.After if none), visible or
	// not: the next page starts after it.
	Last int64
	// More is true when the store had a full page, so there may be more.
	More bool
}

// EventsPage is Events with where the page ended, so a caller can page through a person's
// events without re-reading the ones its purpose may not see. It records nothing: callers
// paging through a whole history (profiles, inventories) record their own acts.
func (r *Reader) EventsPage(ctx context.Context, req Request) ([]Event, Page, error) {
	pg := Page{Last: req.After}
	if req.Purpose == "" {
		return nil, pg, fmt.Errorf("%w: a read names its purpose", ErrDenied)
	}
	if req.Limit <= 0 || req.Limit > 1000 {
		req.Limit = 1000
	}
	raw, err := r.cfg.Store.RawSubjectEvents(ctx, req.SubjectID, req.After, req.Limit)
	if err != nil {
		return nil, pg, err
	}
	if len(raw) > 0 {
		pg.Last, pg.More = raw[len(raw)-1].Seq, len(raw) == req.Limit
	}
	if len(raw) == 0 {
		return nil, pg, nil
	}
	effect, err := r.effects(ctx, req)
	if err != nil {
		return nil, pg, err
	}
	out := make([]Event, 0, len(raw))
	for _, ev := range raw {
		et := r.cfg.Rules.EventType(ev.Type, ev.Name)
		visible := false
		for _, u := range r.cfg.Rules.EventUses(et) {
			if effect(u.Category, u.Purposes) != Deny {
				visible = true
				break
			}
		}
		if !visible {
			continue
		}
		origin := ev.OriginSubjectID
		if origin == "" {
			origin = ev.SubjectID
		}
		pt, err := r.cfg.Opener.Open(ctx, origin, vault.Binding{Table: "events", Field: "body"}, ev.Body)
		if errors.Is(err, vault.ErrShredded) {
			continue
		}
		if err != nil {
			return nil, pg, err
		}
		e := Event{Seq: ev.Seq, Type: ev.Type, Name: ev.Name, OccurredAt: ev.OccurredAt}
		kept, withheld, err := r.filter(et, pt, effect)
		if err != nil {
			return nil, pg, fmt.Errorf("access: stored event %d: %w", ev.Seq, err)
		}
		if req.Raw {
			e.Raw = kept
		} else if err := json.Unmarshal(kept, &e.Fields); err != nil {
			return nil, pg, fmt.Errorf("access: stored event %d is not JSON: %w", ev.Seq, err)
		}
		if len(withheld) > 0 {
			e.Withheld = withheld
		}
		out = append(out, e)
	}
	return out, pg, nil
}

// effects returns the read's answer for one field, by its category and the purposes the
// manifest lets it serve, memoised for the read. A field is visible to a purpose only if the
// manifest lists that purpose (or one it falls under) for the field — the purpose limitation
// of PIPL Art. 6 and PM-02 — and the policy allows the purpose to read its category for this
// person. The person's own access sees everything; the profiling read sees what at least one
// profiling purpose may; direct identifiers are masked unless the viewer's role may see them.
func (r *Reader) effects(ctx context.Context, req Request) (func(category string, purposes []string) Effect, error) {
	if req.Purpose == PurposeRightsAccess {
		return func(string, []string) Effect { return Allow }, nil
	}
	ask, err := r.cfg.Decider.For(ctx, req.SubjectID, req.Consent)
	if err != nil {
		return nil, err
	}
	clear := ClearIdentifiers(req.Viewer)
	type key struct {
		cat string
		ps  *string // the manifest's purposes slice of the field: stable within a regime
		n   int
	}
	memo := map[key]Effect{}
	return func(cat string, purposes []string) Effect {
		k := key{cat: cat, n: len(purposes)}
		if len(purposes) > 0 {
			k.ps = &purposes[0]
		}
		if e, ok := memo[k]; ok {
			return e
		}
		e := Deny
		for _, p := range readingPurposes(req.Purpose, cat) {
			if !serves(purposes, p) {
				continue
			}
			if pe, _ := ask(p, cat); pe > e {
				e = pe
			}
			if e == Allow {
				break
			}
		}
		if e == Allow && !clear && r.cfg.Rules.Identifier(cat) {
			e = AllowMasked
		}
		memo[k] = e
		return e
	}, nil
}

// serves reports whether a field listed for purposes may be read for purpose: the purpose
// is listed, or falls under one that is (marketing.advertising.profiling under
// marketing.advertising).
func serves(purposes []string, purpose string) bool {
	for _, p := range purposes {
		if taxonomy.Beneath(purpose, p) {
			return true
		}
	}
	return false
}

// filter keeps what the purpose may see of a stored body, walking it as the gate's
// minimisation does (jsonscan.Filter): a rule on a path covers its subtree; objects without
// a rule are entered; leaves without one are withheld as not in the schema.
func (r *Reader) filter(et string, body []byte, effect func(string, []string) Effect) ([]byte, map[string]int, error) {
	var failed error
	kept, withheld, err := jsonscan.Filter(body, func(path string, v []byte) jsonscan.Verdict {
		if readEnvelope[path] {
			return jsonscan.Verdict{Keep: true}
		}
		cat, purposes, ok := r.cfg.Rules.Field(et, path)
		if !ok {
			return jsonscan.Verdict{}
		}
		switch effect(cat, purposes) {
		case Allow:
			return jsonscan.Verdict{Keep: true}
		case AllowMasked:
			var val any
			if err := json.Unmarshal(v, &val); err != nil {
				failed = err
			}
			b, err := json.Marshal(r.cfg.Mask(cat, val))
			if err != nil {
				failed = err
			}
			return jsonscan.Verdict{Replace: b, Reason: "masked"}
		}
		return jsonscan.Verdict{Reason: "denied"}
	})
	if err == nil {
		err = failed
	}
	return kept, withheld, err
}

// readEnvelope are members any purpose that may see the event sees: what the event is and
// when. Identifiers (userId, anonymousId) are not among them: they are fields of the
// user.unique_id category like any other.
var readEnvelope = map[string]bool{
	"type": true, "event": true, "name": true, "messageId": true, "timestamp": true,
	"originalTimestamp": true, "sentAt": true, "receivedAt": true,
}

// PurposeRightsHandling is an operator working a person's rights request: the law obliges
// the shop to read what the person asked (PIPL Art. 50); nothing else is read under it.
const PurposeRightsHandling = "rights.handling"

// OpenSealed reads one sealed field that is not an event — what a person wrote in a rights
// request — for the person themselves (PurposeRightsAccess) or an operator handling their
// request (PurposeRightsHandling, recorded like any operator read). A shredded key reads as
// nothing.
func (r *Reader) OpenSealed(ctx context.Context, req Request, b vault.Binding, ciphertext []byte) ([]byte, error) {
	if req.Purpose != PurposeRightsAccess && req.Purpose != PurposeRightsHandling {
		return nil, fmt.Errorf("%w: %s does not read %s.%s", ErrDenied, req.Purpose, b.Table, b.Field)
	}
	pt, err := r.cfg.Opener.Open(ctx, req.SubjectID, b, ciphertext)
	if errors.Is(err, vault.ErrShredded) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if operatorRead(req.Viewer) && r.cfg.Recorder != nil {
		if err := r.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActRead, SubjectID: req.SubjectID, Actor: req.Actor, Purpose: req.Purpose,
			LegalBasis: "legal_obligation", Detail: map[string]string{"what": b.Table + "." + b.Field}}); err != nil {
			return nil, err
		}
	}
	return pt, nil
}
