// Package taxonomy owns Steward's privacy vocabulary: data categories, purposes (data uses)
// and subject kinds, keyed with fideslang-compatible dotted keys so a Fides user reads the
// same names (fideslang data files are CC BY 4.0 by Ethyca; the keys are reused, the texts
// are ours).
//
// Every category carries a PIPL grade (NC-01, SG-01): the PIPL Art. 28 kinds are graded
// sensitive by default. Every purpose carries its legal basis (NC-02), the longest
// retention it allows, plain zh-CN and en statements of exactly what it does, and the flags
// the policy decision point reads (separate consent, marketing, targeting, sale/share,
// automated decision).
//
// A deployment may declare its own keys beneath a published key; [Taxonomy.Category] walks
// up the parent chain so such keys inherit their ancestor's grade:
//
//	t := taxonomy.Default()
//	c, _ := t.Category("user.health_and_medical.pregnancy") // Grade == Sensitive
//
// The package is pure data: no I/O.
package taxonomy
