package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

// Decider answers for one subject, purpose and category. The app backs it with the
// policy decision point and the subject's consent state.
type Decider interface {
	Read(ctx context.Context, subjectID, purpose, category string) (Effect, string, error)
}

// Rules maps stored fields to categories (the manifest).
type Rules interface {
	EventType(msgType, event string) string
	// EventCategories returns the categories of an event type's own fields: a purpose sees
	// an event only if it may read one of them.
	EventCategories(eventType string) []string
	Field(eventType, path string) (category string, purposes []string, ok bool)
}

// Masker renders a masked value of a category for display.
type Masker func(category string, v any) any

// Opener decrypts sealed bodies (the vault).
type Opener interface {
	Open(ctx context.Context, subjectID string, b vault.Binding, ciphertext []byte) ([]byte, error)
}

// Request names who reads whose data for what.
type Request struct {
	Actor     string // operator id, or "subject" for the person themselves, or "system"
	Purpose   string
	SubjectID string
	// After and Limit page through the subject's events by Seq.
	After int64
	Limit int
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
}

// Reader is the purpose-scoped read path.
type Reader struct {
	st     store.Store
	open   Opener
	rules  Rules
	decide Decider
	mask   Masker
}

// NewReader returns a Reader.
func NewReader(st store.Store, open Opener, rules Rules, decide Decider, mask Masker) *Reader {
	return &Reader{st: st, open: open, rules: rules, decide: decide, mask: mask}
}

// ErrDenied means the purpose may not read this subject's events at all.
var ErrDenied = errors.New("access: the purpose may not read this data")

// Events returns the subject's events as req.Purpose may see them: events whose own
// category is denied are left out, fields denied are absent, fields allowed masked are
// masked. A subject whose data key was shredded has nothing to read.
func (r *Reader) Events(ctx context.Context, req Request) ([]Event, error) {
	evs, _, err := r.EventsPage(ctx, req)
	return evs, err
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
// events without re-reading the ones its purpose may not see.
func (r *Reader) EventsPage(ctx context.Context, req Request) ([]Event, Page, error) {
	pg := Page{Last: req.After}
	if req.Purpose == "" {
		return nil, pg, fmt.Errorf("%w: a read names its purpose", ErrDenied)
	}
	if req.Limit <= 0 || req.Limit > 1000 {
		req.Limit = 1000
	}
	raw, err := r.st.RawSubjectEvents(ctx, req.SubjectID, req.After, req.Limit)
	if err != nil {
		return nil, pg, err
	}
	if len(raw) > 0 {
		pg.Last, pg.More = raw[len(raw)-1].Seq, len(raw) == req.Limit
	}
	memo := map[string]Effect{}
	effect := func(cat string) (Effect, error) {
		if e, ok := memo[cat]; ok {
			return e, nil
		}
		e, _, err := r.decide.Read(ctx, req.SubjectID, req.Purpose, cat)
		if err != nil {
			return Deny, err
		}
		memo[cat] = e
		return e, nil
	}
	out := make([]Event, 0, len(raw))
	for _, ev := range raw {
		et := r.rules.EventType(ev.Type, ev.Name)
		visible := false
		for _, cat := range r.rules.EventCategories(et) {
			e, err := effect(cat)
			if err != nil {
				return nil, pg, err
			}
			if e != Deny {
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
		pt, err := r.open.Open(ctx, origin, vault.Binding{Table: "events", Field: "body"}, ev.Body)
		if errors.Is(err, vault.ErrShredded) {
			continue
		}
		if err != nil {
			return nil, pg, err
		}
		var body map[string]any
		if err := json.Unmarshal(pt, &body); err != nil {
			return nil, pg, fmt.Errorf("access: stored event %d is not JSON: %w", ev.Seq, err)
		}
		e := Event{Seq: ev.Seq, Type: ev.Type, Name: ev.Name, OccurredAt: ev.OccurredAt, Fields: map[string]any{}, Withheld: map[string]int{}}
		if err := r.filter(et, "", body, e.Fields, e.Withheld, effect); err != nil {
			return nil, pg, err
		}
		if len(e.Withheld) == 0 {
			e.Withheld = nil
		}
		out = append(out, e)
	}
	return out, pg, nil
}

// filter copies what the purpose may see of obj into out, walking like collect.Minimise:
// a rule on a path covers its subtree; objects without a rule are entered.
func (r *Reader) filter(et, prefix string, obj, out map[string]any, withheld map[string]int, effect func(string) (Effect, error)) error {
	for k, v := range obj {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		if readEnvelope[path] {
			out[k] = v
			continue
		}
		if cat, _, ok := r.rules.Field(et, path); ok {
			e, err := effect(cat)
			if err != nil {
				return err
			}
			switch e {
			case Allow:
				out[k] = v
			case AllowMasked:
				out[k] = r.mask(cat, v)
				withheld["masked"]++
			default:
				withheld["denied"]++
			}
			continue
		}
		if child, ok := v.(map[string]any); ok {
			sub := map[string]any{}
			if err := r.filter(et, path, child, sub, withheld, effect); err != nil {
				return err
			}
			if len(sub) > 0 {
				out[k] = sub
			}
			continue
		}
		withheld["not_in_schema"]++
	}
	return nil
}

// readEnvelope are members any purpose that may see the event sees: what the event is and
// when. Identifiers (userId, anonymousId) are not among them: they are fields of the
// user.unique_id category like any other.
var readEnvelope = map[string]bool{
	"type": true, "event": true, "name": true, "messageId": true, "timestamp": true,
	"originalTimestamp": true, "sentAt": true, "receivedAt": true,
}
