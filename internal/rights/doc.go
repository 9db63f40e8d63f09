// Package rights owns the requests people make about their data (issue 9; PIPL Arts.
// 44–50, GDPR Arts. 12–22, CCPA §1798.100–.125): the kinds of request, the state machine
// every request runs (received → verified → in_progress → done, or refused with a stated
// reason), and the deadline each jurisdiction sets, computed on a working-day calendar that
// a deployment can replace.
//
// Service carries requests out: what a verified session may do at once (access, export,
// withdrawal, objection, erasure, account deletion) is done and closed; a restriction takes
// effect at once (the ledger signal SignalRestricted) and waits for an operator; the rest
// waits for an operator. Erasure cascades over every subject merged into the person, keeps
// order records under legal hold (pseudonymised), shreds the data keys and checks that
// nothing is left; DELETE /api/v1/me takes the same path and leaves a request record.
//
// Requests are worked (issue 18 item 4, work.go): operators see who asked, masked by their
// role, and what; assign them; keep notes sealed under the person's key; verify the
// identity of someone who asked through the public form (visitor.go: an email address
// confirmed by a one-time code sent over SMTP, the same answer for any address, nothing
// kept in clear) and link the request to the customer; extend a deadline once, before it
// passes, where the law allows (GDPR, CCPA; never PIPL). Every change of state reaches the
// shop's backend as a signed webhook from a durable outbox (notify.go), retried until it
// answers.
//
// The service also assembles what a person sees of their own data: the privacy center's
// overview (their name and their actual data, labelled), the inventory and the portable
// export, their transparency report in plain words (words.go) and where their data went
// (flows.go), each line resting on an audit-log entry the page can check. Invariants: no
// personal data reaches a log line, an audit leaf (notes are recorded as "added", never
// their text) or a table in clear; every step is recorded by this package itself.
//
//	svc := rights.New(rights.Config{Store: st, Ledger: ledger, Reader: reader, Shredder: v,
//		Regime: cur, Recorder: rec, HoldKey: key, Reports: auditLog,
//		Webhook: rights.Webhook{URL: url, Secret: secret, Poster: poster}})
//	go svc.RunNotices(ctx, 5*time.Second)
//	v, err := svc.Extend(ctx, requestID, "complexity", operatorID) // ErrNoExtension under PIPL
package rights
