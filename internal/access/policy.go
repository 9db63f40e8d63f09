package access

import (
	"context"
	"strings"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/taxonomy"
	"github.com/stewardhq/steward/internal/vault"
)

// Purposes the reader knows besides the manifest's.
const (
	// PurposeRightsAccess is a person reading their own data (PIPL Art. 45, GDPR Art. 15):
	// it needs no consent and sees everything held about them.
	PurposeRightsAccess = "rights.access"
	// PurposeProfiling is the read the profile engine makes: a category is visible when at
	// least one profiling purpose may read it for the person (so a profile holds no more
	// than the purposes it serves could see), plus the date of birth under
	// essential.service, which is read only to tell minors apart (PIPL Art. 31: minors are
	// never targeted by advertising) and kept as an age, never as a trait.
	PurposeProfiling = "system.profiling"
)

// ProfilingPurposes are the purposes a profile is built for, where the manifest has them.
var ProfilingPurposes = []string{"analytics.reporting", "personalize.content", "marketing.advertising.profiling",
	"marketing.advertising.first_party"}

// CategoryBirthday is the category of a date of birth.
const CategoryBirthday = "user.demographic.date_of_birth"

// RegimeRules is the manifest in force as the reader's Rules.
func RegimeRules(cur func() *regime.Regime) Rules { return regimeRules{cur} }

type regimeRules struct{ cur func() *regime.Regime }

func (r regimeRules) EventType(t, e string) string { return r.cur().EventType(t, e) }

func (r regimeRules) EventUses(et string) []Use {
	fs := r.cur().EventFields(et)
	out := make([]Use, len(fs))
	for i, f := range fs {
		out[i] = Use{Category: f.Category, Purposes: f.Purposes}
	}
	return out
}

func (r regimeRules) Field(et, path string) (string, []string, bool) { return r.cur().Field(et, path) }

func (r regimeRules) Identifier(category string) bool {
	return Identifier(r.cur().Manifest().Taxonomy, category)
}

// Identifier reports whether a category names who a person is: the taxonomy marks it as an
// identifier (contact details, government ids) or it is a name.
func Identifier(t *taxonomy.Taxonomy, category string) bool {
	c, ok := t.Category(category)
	return ok && c.Identifier || strings.HasPrefix(category, "user.name")
}

// PolicyDecider answers reads with the policy decision point in force and the subject's
// consent state: the person's own access sees everything; every other purpose goes through
// the policy. The subject's state is read and compiled once per read, not once per category.
type PolicyDecider struct {
	cur    func() *regime.Regime
	ledger *consent.Ledger
}

// NewPolicyDecider returns the real Decider.
func NewPolicyDecider(cur func() *regime.Regime, ledger *consent.Ledger) *PolicyDecider {
	return &PolicyDecider{cur: cur, ledger: ledger}
}

// SubjectState compiles a consent state (and, when known, the age) into the policy's view
// of the subject.
func SubjectState(pd *policy.Decider, st consent.State, ageKnown bool, age int) policy.SubjectState {
	return pd.Subject(policy.Facts{Consents: st.Purposes(), PersonalisationOff: st.Granted(consent.SignalPersonalisationOff),
		ObjectedDirectMarketing: st.Granted(consent.SignalObjectDirectMarketing), GPC: st.Granted(consent.SignalGPC),
		GuardianConsent: st.Granted(consent.SignalGuardian), AdFree: st.Granted(consent.SignalAdFree),
		Restricted: st.Granted(consent.SignalRestricted), AgeKnown: ageKnown, Age: age})
}

// For implements Decider.
func (d *PolicyDecider) For(ctx context.Context, subjectID string, st consent.State) (func(purpose, category string) (Effect, string), error) {
	pd := d.cur().Policy()
	if st == nil {
		var err error
		if st, err = d.ledger.Current(ctx, subjectID); err != nil {
			return nil, err
		}
	}
	subj := SubjectState(pd, st, false, 0)
	cats := make([]string, 1)
	return func(purpose, category string) (Effect, string) {
		cats[0] = category
		dec := pd.Decide(policy.Request{Subject: subj, Purpose: purpose, Categories: cats, Action: policy.Read})
		switch dec.Effect {
		case policy.Allow:
			return Allow, dec.Reason
		case policy.AllowMasked:
			return AllowMasked, dec.Reason
		}
		return Deny, dec.Reason
	}, nil
}

// readingPurposes are the purposes a read for purpose reads a category under: the purpose
// itself, or, for the profiling read, every profiling purpose — and, for a date of birth,
// essential.service, which reads it only to tell minors apart (PIPL Art. 31: minors are
// never targeted by advertising); the engine keeps it as an age, never as a trait.
func readingPurposes(purpose, category string) []string {
	if purpose != PurposeProfiling {
		return []string{purpose}
	}
	if category == CategoryBirthday {
		return birthdayPurposes
	}
	return ProfilingPurposes
}

var birthdayPurposes = []string{"essential.service"}

// MaskValue masks a value of a category for display (vault.Mask by kind).
func MaskValue(category string, v any) any {
	str, ok := v.(string)
	if !ok {
		return "***"
	}
	switch {
	case strings.HasPrefix(category, "user.contact.email"):
		return vault.Mask(vault.KindEmail, str)
	case strings.HasPrefix(category, "user.contact.phone_number"):
		return vault.Mask(vault.KindPhone, str)
	case strings.HasPrefix(category, "user.name"):
		return vault.Mask(vault.KindName, str)
	case strings.HasPrefix(category, "user.government_id"):
		return vault.Mask(vault.KindIDNumber, str)
	}
	return "***"
}
