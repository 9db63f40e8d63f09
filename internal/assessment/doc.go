// Package assessment owns records of processing activities (GDPR Art. 30, AA-02) and
// personal-information protection impact assessments (PIPL Arts. 55–56, AA-01, AD-04):
// generated, never typed, from the manifest, the registers (transfers, retention) and
// measured facts (consent given and withdrawn, people transferred this year, the last
// retention pass), and carried through a review workflow:
//
//	draft ──review──► reviewed ──approve (another person)──► approved ──a year on──► re-check draft
//
// An impact assessment covers one purpose as a set of facts — its basis, whether it makes
// automated decisions, the sensitive categories it reads, the recipients abroad it feeds and
// their mechanisms — digested into a fingerprint. A purpose needs one (PIPL Art. 55) when it
// processes sensitive data, makes automated decisions or transfers data abroad.
//
// The gate (Gate, installed on the regime's Publish): a manifest that adds such a purpose,
// or changes one's facts, is refused until an approved assessment of exactly those facts
// (same fingerprint, approved less than a year ago) exists. Purposes whose facts did not
// change go on; their assessments are re-checked yearly (Recheck, a periodic job, drafts
// the re-check of every approval that falls due within 30 days).
//
// Assessments are records: there is no delete, and each step is a processing act the
// service records. The reviewer and the approver are two different people.
//
//	v, _ := svc.Draft(ctx, assessment.DraftRequest{Kind: assessment.KindPIPIA, Purpose: "risk.scoring", Manifest: yaml, Actor: op})
//	svc.Review(ctx, v.ID, officer, "checked")
//	svc.Approve(ctx, v.ID, dpo, "approved")  // now the manifest publishes
package assessment
