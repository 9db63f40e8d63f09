package gate

import (
	"context"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/jsonscan"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/tcf"
)

// Verdict is the consent gate's answer for one message.
type Verdict struct {
	// Keep is false when no purpose of the event type allows storing it.
	Keep bool
	// Reason is a stable machine-readable reason when Keep is false (a metric label).
	Reason string
	// Body is the minimised message to store (fields no allowed purpose needs removed).
	Body []byte
	// Stripped counts removed fields by reason (a metric label).
	Stripped map[string]int
	// Consent holds ledger records for consent signals the message carried (a changed
	// context.consent, a GPC signal); they are appended in the events' transaction,
	// whether or not the message itself is kept.
	Consent []store.ConsentRecord
}

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
	// Purposes lists every purpose of the manifest (for mapping TC strings).
	Purposes() []string
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

// Stored is what the consent ledger holds for a subject.
type Stored struct {
	Consents              map[string]bool // purpose → granted
	PersonalisationOff    bool
	ObjectDirectMarketing bool
	GPC                   bool
	Guardian              bool
}

// ConsentReader returns a subject's stored consent state and records the signals the
// gate saw in messages. A nil reader means only message signals count.
type ConsentReader interface {
	Stored(ctx context.Context, subjectID string) (Stored, error)
	// Records turns signals a message carried that differ from what is stored into ledger
	// records (method sdk or gpc), to be appended with the message's events; it also
	// remembers them so the next message of the batch does not record them again.
	Records(subjectID string, seen Stored, stored Stored, evidence map[string]any) ([]store.ConsentRecord, error)
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

// Check decides what of a message may be stored (the collector's Gate).
func (g *Gate) Check(ctx context.Context, subjectID string, m *segmentspec.Message, req *segmentspec.Request) (Verdict, error) {
	et := g.rules.EventType(string(m.Type), m.Event)
	if et == "" {
		return Verdict{Keep: false, Reason: ReasonNotInManifest}, nil
	}
	s, recs, err := g.signals(ctx, subjectID, m, req)
	if err != nil {
		return Verdict{}, err
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
		return Verdict{Keep: false, Reason: reason, Consent: recs}, nil
	}
	// Minimisation (PM-01): fields not on the event type's allow-list are never stored;
	// fields whose every purpose is denied are stripped before storage.
	body, stripped, err := jsonscan.Filter(m.Raw, func(path string, _ []byte) jsonscan.Verdict {
		if envelope[path] {
			return jsonscan.Verdict{Keep: true}
		}
		c, ps, ok := g.rules.Field(et, path)
		if !ok {
			return jsonscan.Verdict{}
		}
		if ok, reason := anyAllowed(ask, ps, c); !ok {
			return jsonscan.Verdict{Reason: reason}
		}
		return jsonscan.Verdict{Keep: true}
	})
	if err != nil {
		return Verdict{Keep: false, Reason: ReasonInvalidBody, Consent: recs}, nil
	}
	return Verdict{Keep: true, Body: body, Stripped: stripped, Consent: recs}, nil
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
// objection and "personalisation off" only ever take away. Message signals that differ
// from the stored state become ledger records.
func (g *Gate) signals(ctx context.Context, subjectID string, m *segmentspec.Message, req *segmentspec.Request) (*Signals, []store.ConsentRecord, error) {
	s := &Signals{Consents: map[string]bool{}}
	var stored Stored
	if g.consent != nil {
		var err error
		if stored, err = g.consent.Stored(ctx, subjectID); err != nil {
			return nil, nil, err
		}
		for p, v := range stored.Consents {
			s.Consents[p] = v
		}
		s.PersonalisationOff, s.ObjectDirectMarketing = stored.PersonalisationOff, stored.ObjectDirectMarketing
		s.GPC, s.Guardian = stored.GPC, stored.Guardian
	}
	seen := Stored{Consents: map[string]bool{}}
	evidence := map[string]any{"message_id": m.MessageID}
	if prefs, ok := m.Context.Consent(); ok {
		for cat, granted := range prefs {
			for _, p := range g.rules.ConsentPurposes(cat) {
				s.Consents[p] = granted
				seen.Consents[p] = granted
			}
		}
	}
	var tcRecs map[string]bool
	if c, ok := m.Context["consent"].(map[string]any); ok {
		// An IAB TCF v2.2/v2.3 TC string from the site's CMP: decoded, mapped onto the
		// manifest's purposes, kept as evidence. A malformed string grants nothing.
		if s, ok := c["tcString"].(string); ok && s != "" {
			if tc, err := tcf.Decode(s); err == nil {
				tcRecs = tcfGrants(tc, g.rules.Purposes())
			} else {
				evidence["tc_string_error"] = err.Error()
			}
			evidence["tc_string"] = s
		}
		seen.Guardian = c["guardian"] == true
		seen.PersonalisationOff = c["personalisationOff"] == true
		seen.ObjectDirectMarketing = c["objectDirectMarketing"] == true
		s.Guardian = s.Guardian || seen.Guardian
		s.PersonalisationOff = s.PersonalisationOff || seen.PersonalisationOff
		s.ObjectDirectMarketing = s.ObjectDirectMarketing || seen.ObjectDirectMarketing
	}
	if on, _ := m.Context.GPC(); on {
		seen.GPC = true
		evidence["gpc"] = "context.gpc"
	}
	if req != nil && req.GPC {
		seen.GPC = true
		evidence["gpc"] = "Sec-GPC: 1"
	}
	s.GPC = s.GPC || seen.GPC
	for p, v := range tcRecs {
		s.Consents[p] = v
		seen.Consents[p] = v
	}
	if loc, ok := m.Context["location"].(map[string]any); ok {
		s.Country, _ = loc["country"].(string)
		s.Region, _ = loc["region"].(string)
	}
	if age, ok := ageFrom(m, g.now()); ok {
		s.AgeKnown, s.Age = true, age
	}
	var recs []store.ConsentRecord
	if g.consent != nil {
		var err error
		if recs, err = g.consent.Records(subjectID, seen, stored, evidence); err != nil {
			return nil, nil, err
		}
	}
	return s, recs, nil
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

// Prefetch loads the consent state of a request's subjects at once when the consent reader can load many subjects
// at once.
func (g *Gate) Prefetch(ctx context.Context, subjectIDs []string) error {
	if pf, ok := g.consent.(interface {
		Prefetch(context.Context, []string) error
	}); ok {
		return pf.Prefetch(ctx, subjectIDs)
	}
	return nil
}

// Forget drops cached state of subjects whose ingest attempt did not commit, when the consent reader caches state.
func (g *Gate) Forget(subjectIDs []string) {
	if f, ok := g.consent.(interface{ Forget([]string) }); ok {
		f.Forget(subjectIDs)
	}
}
