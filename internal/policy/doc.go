// Package policy is Steward's single policy decision point: one pure function deciding
// whether a use of personal data is allowed, on which legal basis, and why (DESIGN.md
// "policy"; NC-02, PM-02).
//
// It does no I/O. [Compile] turns a manifest into a [Decider] once; [Decider.Subject] turns
// a subject's current facts (latest consent records, age, region, restriction, objection,
// GPC, "personalisation off") into a [SubjectState] once per change; [Decider.Decide] then
// answers each request without allocating. Because a SubjectState is rebuilt from the latest
// consent records, a withdrawal applies to the very next decision (NC-04).
//
// Every decision carries a reason from reasons.go: stable, machine-readable strings that
// logs, the audit trail and the privacy center key on.
//
//	d := policy.Compile(manifest.Default(), policy.DefaultConfig())
//	s := d.Subject(policy.Facts{Country: "CN", Consents: map[string]bool{"analytics.reporting": true}})
//	dec := d.Decide(policy.Request{Subject: s, Purpose: "analytics.reporting",
//		Categories: []string{"user.behavior.browsing_history"}, Action: policy.Read})
//	// dec.Effect == policy.Allow, dec.Basis == "consent"
package policy
