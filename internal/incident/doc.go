// Package incident owns the breach register (issue 26 item 4; SD-04; PIPL Art. 57; GDPR
// Arts. 33–34; GB/T 35273 §10).
//
// An incident is opened with its scope in terms of the audit log — a time window and,
// optionally, the actors (a leaked operator token), acts, purposes or recipients involved
// — and the register computes the rest from the log itself: every leaf in the window that
// matches names, by keyed pseudonym, the person it was about (or, for an act about many,
// commits to an audience whose members the log keeps), and carries the categories the
// purpose may use. So the affected people and categories are counted from the same
// tamper-evident record an auditor verifies, never from someone's estimate.
//
// It drafts both notices PIPL Art. 57 requires, in Simplified Chinese and English: to the
// regulator and to the people affected, each with the categories involved, the cause, the
// possible harm, the measures taken, what people can do themselves, and the contact. A
// notice is marked sent only when all of those are filled in (ErrIncomplete names what is
// missing). The awareness clock runs from discovery: PIPL asks for notice "immediately",
// GDPR within 72 hours (RegulatorDue; Overdue once it passes unsent).
//
// Drills (SD-04: the response plan rehearsed yearly) are incidents marked Drill. Each step
// is a processing act the register records. There is no delete.
//
//	v, err := svc.Open(ctx, incident.Report{Title: "…", DiscoveredAt: t, Scope: incident.Scope{From: a, To: b, Actors: []string{"op_9"}}, …}, actor)
//	// v.Affected, v.Categories, v.Notices.Regulator["zh-CN"]
package incident
