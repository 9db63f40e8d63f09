package app

import (
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
)

// rules adapts the manifest in force to the gate and the reader.
type rules struct{ a *App }

func (r rules) EventType(msgType, event string) string {
	et := manifest.EventType(msgType, event)
	if _, ok := r.a.Manifest().Events[et]; ok {
		return et
	}
	return ""
}

func (r rules) EventUses(et string) []gate.Use {
	ev := r.a.Manifest().Events[et]
	out := make([]gate.Use, 0, len(ev.Fields))
	for _, f := range ev.Fields {
		out = append(out, gate.Use{Category: f.Category, Purposes: f.Purposes})
	}
	return out
}

func (r rules) EventCategories(et string) []string {
	ev := r.a.Manifest().Events[et]
	out := make([]string, 0, len(ev.Fields))
	for _, f := range ev.Fields {
		out = append(out, f.Category)
	}
	return out
}

func (r rules) Field(et, path string) (string, []string, bool) {
	f, ok := r.a.Manifest().FieldFor(et, path)
	return f.Category, f.Purposes, ok
}

func (r rules) ConsentPurposes(name string) []string { return r.a.Manifest().ConsentPurposes(name) }

func (r rules) Purposes() []string { return r.a.Manifest().PurposeKeys() }

// decider adapts the policy decision point in force to the gate.
type decider struct{ a *App }

func factsOf(s *gate.Signals) policy.Facts {
	return policy.Facts{Consents: s.Consents, AgeKnown: s.AgeKnown, Age: s.Age, Country: s.Country, Region: s.Region,
		ObjectedDirectMarketing: s.ObjectDirectMarketing, GPC: s.GPC, PersonalisationOff: s.PersonalisationOff,
		GuardianConsent: s.Guardian}
}

func (d decider) For(s *gate.Signals) func(purpose, category string) (bool, string) {
	pd := d.a.Policy()
	st := pd.Subject(factsOf(s))
	cats := make([]string, 1)
	return func(purpose, category string) (bool, string) {
		cats[0] = category
		dec := pd.Decide(policy.Request{Subject: st, Purpose: purpose, Categories: cats, Action: policy.Collect})
		return dec.Effect != policy.Deny, dec.Reason
	}
}

// newGate returns the consent gate over the manifest in force.
func (a *App) newGate() (collect.Gate, error) {
	return gate.New(rules{a}, decider{a}, &consentReader{l: a.Consent, a: a, cache: map[string]cachedStored{}}), nil
}
