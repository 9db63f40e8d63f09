package app

import (
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
)

// rules adapts the manifest to the gate and the reader.
type rules struct{ m *manifest.Manifest }

func (r rules) EventType(msgType, event string) string {
	et := manifest.EventType(msgType, event)
	if _, ok := r.m.Events[et]; ok {
		return et
	}
	return ""
}

func (r rules) EventUses(et string) []gate.Use {
	ev := r.m.Events[et]
	out := make([]gate.Use, 0, len(ev.Fields))
	for _, f := range ev.Fields {
		out = append(out, gate.Use{Category: f.Category, Purposes: f.Purposes})
	}
	return out
}

func (r rules) EventCategories(et string) []string {
	ev := r.m.Events[et]
	out := make([]string, 0, len(ev.Fields))
	for _, f := range ev.Fields {
		out = append(out, f.Category)
	}
	return out
}

func (r rules) Field(et, path string) (string, []string, bool) {
	f, ok := r.m.FieldFor(et, path)
	return f.Category, f.Purposes, ok
}

func (r rules) ConsentPurposes(name string) []string { return r.m.ConsentPurposes(name) }

// decider adapts the policy decision point to the gate.
type decider struct{ d *policy.Decider }

func factsOf(s *gate.Signals) policy.Facts {
	return policy.Facts{Consents: s.Consents, AgeKnown: s.AgeKnown, Age: s.Age, Country: s.Country, Region: s.Region,
		ObjectedDirectMarketing: s.ObjectDirectMarketing, GPC: s.GPC, PersonalisationOff: s.PersonalisationOff,
		GuardianConsent: s.Guardian}
}

func (d decider) For(s *gate.Signals) func(purpose, category string) (bool, string) {
	st := d.d.Subject(factsOf(s))
	cats := make([]string, 1)
	return func(purpose, category string) (bool, string) {
		cats[0] = category
		dec := d.d.Decide(policy.Request{Subject: st, Purpose: purpose, Categories: cats, Action: policy.Collect})
		return dec.Effect != policy.Deny, dec.Reason
	}
}

// newGate returns the consent gate over the manifest in force.
func (a *App) newGate() (collect.Gate, error) {
	return gate.New(rules{a.Manifest}, decider{a.Policy}, &consentReader{l: a.Consent, cache: map[string]cachedStored{}}), nil
}
