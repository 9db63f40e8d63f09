package gate

import (
	"context"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/jsonscan"
	"github.com/stewardhq/steward/internal/regime"
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
	// Separate reports whether a purpose needs consent of its own (PIPL Arts. 23, 29, 39):
	// a bundled "accept all" or category flag never grants it.
	Separate(purpose string) bool
	// Serves reports whether a declared recipient serves a purpose: a separate consent names
	// one.
	Serves(recipient, purpose string) bool
}

// SeparateChoice is a separate consent a message carried: one purpose, one recipient, asked
// on its own (context.consent.separate).
type SeparateChoice struct {
	Purpose   string
	Recipient string
	Granted   bool
}

// Origin says where a message's consent signals came from, for the records: the method (a
// server-side integration, the SDK's banner, a TCF CMP), the notice the person was shown (nil:
// none was), the language and jurisdiction, and evidence.
type Origin struct {
	Method       string
	Notice       *regime.Notice
	Lang         string
	Jurisdiction string
	Evidence     map[string]any
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
	// AdFree: a privacy subscription runs (from the ledger only; no message can say so).
	AdFree bool
	// Restricted: the person restricted processing (from the ledger only, like AdFree).
	Restricted      bool
	Country, Region string
	AgeKnown        bool
	Age             int
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
	AdFree                bool
	Restricted            bool
	// Verified lists the purposes whose state in force was set by a verified choice (the
	// privacy center, an operator with evidence): an unauthenticated client signal may
	// withdraw them but never grant them back (the write key is public).
	Verified map[string]bool
	// Separate holds the separate consents a message carried (seen only).
	Separate []SeparateChoice
}

// ConsentReader returns a subject's stored consent state and records the signals the
// gate saw in messages. A nil reader means only message signals count.
type ConsentReader interface {
	Stored(ctx context.Context, subjectID string) (Stored, error)
	// Records turns signals a message carried that differ from what is stored into ledger
	// records (method sdk or gpc), to be appended with the message's events; it also
	// remembers them so the next message of the batch does not record them again.
	Records(subjectID string, seen Stored, stored Stored, o Origin) ([]store.ConsentRecord, error)
}

// Gate implements collect.Gate.
type Gate struct {
	rules   Rules
	decide  Decider
	consent ConsentReader
	now     func() time.Time
	// notices reports whether a notice a message says was shown was published here.
	notices func(version, hash string) bool
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
		s.GPC, s.Guardian, s.AdFree, s.Restricted = stored.GPC, stored.Guardian, stored.AdFree, stored.Restricted
	}
	seen := Stored{Consents: map[string]bool{}}
	// The message's time is when the person chose (the record's own time is its arrival):
	// the console counts choices by it (issue 18 item 2).
	o := Origin{Method: store.MethodAPI, Evidence: map[string]any{"message_id": m.MessageID, "message_time": m.Timestamp.UTC().Format(time.RFC3339)}}
	// clientSays applies one consent signal from the message. Withdrawals always count (as
	// easy as granting, NC-04); a grant does not when it came bundled (a consent manager's
	// category flag, "accept all") and the purpose needs a consent of its own (PIPL Art. 23;
	// an IAB TC string records consent per purpose and vendor, and counts), or when the
	// person's own verified choice withdrew it (an unauthenticated client cannot undo it).
	clientSays := func(p string, granted, bundled bool) {
		if granted && (stored.Verified[p] && !stored.Consents[p] || g.rules.Separate(p) && bundled) {
			o.Evidence["ignored_grants"] = appendString(o.Evidence["ignored_grants"], p)
			return
		}
		s.Consents[p] = granted
		seen.Consents[p] = granted
	}
	if prefs, ok := m.Context.Consent(); ok {
		for cat, granted := range prefs {
			for _, p := range g.rules.ConsentPurposes(cat) {
				clientSays(p, granted, true)
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
				o.Evidence["tc_string_error"] = err.Error()
			}
			o.Evidence["tc_string"] = s
			o.Method = store.MethodTCF
		}
		// Steward's own banner says so, with the notice it showed and its language.
		if c["source"] == "banner" {
			o.Method = store.MethodBanner
		}
		if n, ok := c["notice"].(map[string]any); ok {
			v, _ := n["version"].(string)
			h, _ := n["hash"].(string)
			if g.notices != nil && g.notices(v, h) {
				o.Notice = &regime.Notice{Version: v, Hash: h}
			} else {
				o.Evidence["notice_claimed"] = v // not a version this deployment published
			}
		}
		if l, ok := c["lang"].(string); ok && l != "" {
			o.Lang = regime.Lang(l)
		}
		for _, x := range separateChoices(c["separate"]) {
			if !g.rules.Separate(x.Purpose) || !g.rules.Serves(x.Recipient, x.Purpose) {
				o.Evidence["ignored_separate"] = appendString(o.Evidence["ignored_separate"], x.Purpose+"@"+x.Recipient)
				continue
			}
			if x.Granted && stored.Verified[x.Purpose] && !stored.Consents[x.Purpose] {
				o.Evidence["ignored_grants"] = appendString(o.Evidence["ignored_grants"], x.Purpose)
				continue
			}
			seen.Separate = append(seen.Separate, x)
			s.Consents[x.Purpose] = x.Granted
		}
		seen.Guardian = c["guardian"] == true
		seen.PersonalisationOff = c["personalisationOff"] == true
		seen.ObjectDirectMarketing = c["objectDirectMarketing"] == true
		s.Guardian = s.Guardian || seen.Guardian
		s.PersonalisationOff = s.PersonalisationOff || seen.PersonalisationOff
		s.ObjectDirectMarketing = s.ObjectDirectMarketing || seen.ObjectDirectMarketing
	}
	if o.Lang == "" {
		if l, ok := m.Context["locale"].(string); ok && l != "" {
			o.Lang = regime.Lang(l)
		}
	}
	if on, _ := m.Context.GPC(); on {
		seen.GPC = true
		o.Evidence["gpc"] = "context.gpc"
	}
	if req != nil && req.GPC {
		seen.GPC = true
		o.Evidence["gpc"] = "Sec-GPC: 1"
	}
	s.GPC = s.GPC || seen.GPC
	for p, v := range tcRecs {
		clientSays(p, v, false)
	}
	if loc, ok := m.Context["location"].(map[string]any); ok {
		s.Country, _ = loc["country"].(string)
		s.Region, _ = loc["region"].(string)
		o.Jurisdiction = regime.JurisdictionOf(s.Country, s.Region)
	}
	if age, ok := ageFrom(m, g.now()); ok {
		s.AgeKnown, s.Age = true, age
	}
	var recs []store.ConsentRecord
	if g.consent != nil {
		var err error
		if recs, err = g.consent.Records(subjectID, seen, stored, o); err != nil {
			return nil, nil, err
		}
	}
	return s, recs, nil
}

// separateChoices reads context.consent.separate: [{"purpose","recipient","granted"}].
func separateChoices(v any) []SeparateChoice {
	list, _ := v.([]any)
	var out []SeparateChoice
	for _, x := range list {
		o, _ := x.(map[string]any)
		p, _ := o["purpose"].(string)
		r, _ := o["recipient"].(string)
		g, ok := o["granted"].(bool)
		if p != "" && r != "" && ok {
			out = append(out, SeparateChoice{Purpose: p, Recipient: r, Granted: g})
		}
	}
	return out
}

func appendString(v any, s string) []string {
	l, _ := v.([]string)
	return append(l, s)
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
