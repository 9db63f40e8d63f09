package gate

import (
	"context"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// Rules is the manifest as the gate needs it.
type Rules interface {
	// EventType names the manifest event type of a message, "" when the manifest declares
	// none for it.
	EventType(msgType, event string) string
	// EventUses returns the uses of an event type's own fields (not the fields common to
	// every message): the event is kept only if one of them is allowed, i.e. only if some
	// purpose the subject allows needs the event at all.
	EventUses(eventType string) []Use
	// Field returns the category and purposes of a field path of an event type; ok is
	// false when the manifest has no entry for exactly that path.
	Field(eventType, path string) (category string, purposes []string, ok bool)
	// ConsentPurposes maps a consent category name used by Segment-style consent managers
	// (context.consent.categoryPreferences) onto purposes.
	ConsentPurposes(category string) []string
}

// Use is a data category serving some purposes.
type Use struct {
	Category string
	Purposes []string
}

// Signals is what is known about the subject at this message.
type Signals struct {
	// Consents maps purpose → granted: the stored state, overlaid by the message's own.
	Consents map[string]bool
	// Guardian: the consents were given by a guardian (children, PIPL Art. 31).
	Guardian              bool
	PersonalisationOff    bool
	ObjectDirectMarketing bool
	GPC                   bool
	Country, Region       string
	AgeKnown              bool
	Age                   int
}

// Decider is the policy decision point, asked about collection.
type Decider interface {
	// For compiles a subject's signals once and returns the question to ask per field:
	// may purpose collect category; when not, reason is the policy's stable reason.
	For(s *Signals) func(purpose, category string) (ok bool, reason string)
}

// ConsentReader returns a subject's stored consent state (purpose → granted). A nil
// reader means only message signals count.
type ConsentReader interface {
	Consents(ctx context.Context, subjectID string) (map[string]bool, error)
}

// Gate implements collect.Gate.
type Gate struct {
	rules   Rules
	decide  Decider
	consent ConsentReader
	now     func() time.Time
}

// New returns a Gate.
func New(rules Rules, decide Decider, consent ConsentReader) *Gate {
	return &Gate{rules: rules, decide: decide, consent: consent, now: time.Now}
}

// envelope lists members every stored event keeps: what identifies and orders it. They
// are sealed like everything else.
var envelope = map[string]bool{
	"type": true, "event": true, "name": true, "messageId": true, "timestamp": true,
	"originalTimestamp": true, "sentAt": true, "receivedAt": true, "userId": true,
	"anonymousId": true, "previousId": true, "groupId": true,
	// The consent signals themselves are kept as evidence of what the subject chose.
	"context.consent": true, "context.gpc": true,
}

// Drop reasons (metric labels).
const (
	ReasonNotInManifest = "event_not_in_manifest"
	ReasonInvalidBody   = "invalid_body"
)

// Check implements collect.Gate.
func (g *Gate) Check(ctx context.Context, subjectID string, m *segmentspec.Message, req *segmentspec.Request) (collect.Verdict, error) {
	et := g.rules.EventType(string(m.Type), m.Event)
	if et == "" {
		return collect.Verdict{Keep: false, Reason: ReasonNotInManifest}, nil
	}
	s, err := g.signals(ctx, subjectID, m, req)
	if err != nil {
		return collect.Verdict{}, err
	}
	ask := g.decide.For(s)
	keep, reason := false, "no_purpose"
	for _, u := range g.rules.EventUses(et) {
		ok, r := anyAllowed(ask, u.Purposes, u.Category)
		if ok {
			keep = true
			break
		}
		if reason == "no_purpose" {
			reason = r
		}
	}
	if !keep {
		return collect.Verdict{Keep: false, Reason: reason}, nil
	}
	body, stripped, err := collect.Minimise(m.Raw, func(path string) collect.FieldVerdict {
		if envelope[path] {
			return collect.FieldVerdict{Keep: true}
		}
		c, ps, ok := g.rules.Field(et, path)
		if !ok {
			return collect.FieldVerdict{}
		}
		if ok, reason := anyAllowed(ask, ps, c); !ok {
			return collect.FieldVerdict{Reason: reason}
		}
		return collect.FieldVerdict{Keep: true}
	})
	if err != nil {
		return collect.Verdict{Keep: false, Reason: ReasonInvalidBody}, nil
	}
	return collect.Verdict{Keep: true, Body: body, Stripped: stripped}, nil
}

// anyAllowed reports whether some purpose may collect category; otherwise the first reason.
func anyAllowed(ask func(purpose, category string) (bool, string), purposes []string, category string) (bool, string) {
	reason := "no_purpose"
	for _, p := range purposes {
		ok, r := ask(p, category)
		if ok {
			return true, ""
		}
		if reason == "no_purpose" {
			reason = r
		}
	}
	return false, reason
}

// signals gathers the subject's state: stored consents first, then what the message
// says. A message can grant only through an explicit consent-manager signal; GPC,
// objection and "personalisation off" only ever take away.
func (g *Gate) signals(ctx context.Context, subjectID string, m *segmentspec.Message, req *segmentspec.Request) (*Signals, error) {
	s := &Signals{Consents: map[string]bool{}}
	if g.consent != nil {
		stored, err := g.consent.Consents(ctx, subjectID)
		if err != nil {
			return nil, err
		}
		for p, v := range stored {
			s.Consents[p] = v
		}
	}
	if prefs, ok := m.Context.Consent(); ok {
		for cat, granted := range prefs {
			for _, p := range g.rules.ConsentPurposes(cat) {
				s.Consents[p] = granted
			}
		}
	}
	if c, ok := m.Context["consent"].(map[string]any); ok {
		s.Guardian = c["guardian"] == true
		s.PersonalisationOff = c["personalisationOff"] == true
		s.ObjectDirectMarketing = c["objectDirectMarketing"] == true
	}
	if on, _ := m.Context.GPC(); on || (req != nil && req.GPC) {
		s.GPC = true
	}
	if loc, ok := m.Context["location"].(map[string]any); ok {
		s.Country, _ = loc["country"].(string)
		s.Region, _ = loc["region"].(string)
	}
	if age, ok := ageFrom(m, g.now()); ok {
		s.AgeKnown, s.Age = true, age
	}
	return s, nil
}

// ageFrom reads a birthday (YYYY-MM-DD) from the message's traits or context.traits.
func ageFrom(m *segmentspec.Message, now time.Time) (int, bool) {
	var b string
	if v, ok := m.Traits["birthday"].(string); ok {
		b = v
	} else if v, ok := m.Context.Traits()["birthday"].(string); ok {
		b = v
	}
	t, err := time.Parse("2006-01-02", strings.TrimSpace(b))
	if err != nil {
		return 0, false
	}
	at := m.Timestamp
	if at.IsZero() {
		at = now
	}
	age := at.Year() - t.Year()
	if at.YearDay() < t.YearDay() {
		age--
	}
	return age, age >= 0
}
