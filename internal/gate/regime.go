package gate

import (
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/regime"
)

// regimeRules is the manifest in force as the gate's Rules.
type regimeRules struct{ cur func() *regime.Regime }

func (r regimeRules) EventType(msgType, event string) string {
	return r.cur().EventType(msgType, event)
}

func (r regimeRules) EventUses(et string) []Use {
	fs := r.cur().EventFields(et)
	out := make([]Use, len(fs))
	for i, f := range fs {
		out[i] = Use{Category: f.Category, Purposes: f.Purposes}
	}
	return out
}

func (r regimeRules) Field(et, path string) (string, []string, bool) { return r.cur().Field(et, path) }

func (r regimeRules) ConsentPurposes(name string) []string { return r.cur().ConsentPurposes(name) }

func (r regimeRules) Purposes() []string { return r.cur().Purposes() }

func (r regimeRules) Separate(purpose string) bool {
	p, ok := r.cur().Purpose(purpose)
	return ok && p.SeparateConsent
}

func (r regimeRules) Serves(recipient, purpose string) bool {
	rc, ok := r.cur().Manifest().Recipient(recipient)
	return ok && rc.Serves(purpose)
}

// FactsOf turns what the gate knows about a subject into the policy's facts.
func FactsOf(s *Signals) policy.Facts {
	return policy.Facts{Consents: s.Consents, AgeKnown: s.AgeKnown, Age: s.Age, Country: s.Country, Region: s.Region,
		ObjectedDirectMarketing: s.ObjectDirectMarketing, GPC: s.GPC, PersonalisationOff: s.PersonalisationOff,
		GuardianConsent: s.Guardian, AdFree: s.AdFree, Restricted: s.Restricted}
}

// policyDecider asks the policy decision point in force about collection.
type policyDecider struct{ cur func() *regime.Regime }

func (d policyDecider) For(s *Signals) func(purpose, category string) (bool, string) {
	pd := d.cur().Policy()
	st := pd.Subject(FactsOf(s))
	cats := make([]string, 1)
	return func(purpose, category string) (bool, string) {
		cats[0] = category
		dec := pd.Decide(policy.Request{Subject: st, Purpose: purpose, Categories: cats, Action: policy.Collect})
		return dec.Effect != policy.Deny, dec.Reason
	}
}
