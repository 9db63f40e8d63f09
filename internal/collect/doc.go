// Package collect turns decoded Segment requests into stored events: it resolves who each
// message is about (identity resolution), asks the consent gate what may be kept, seals the
// kept payload for its subject, and commits the batch — identity changes and events — in
// one transaction, so a 2xx always means every kept event is durable and a retry stores
// nothing twice (events are unique per source and messageId).
//
// The wire format lives in the segmentspec subpackage, which takes bytes; the HTTP edge
// (package server) reads headers and bodies. The gate (package gate) owns what may be kept.
//
// Seams, each an interface so the pipeline stays testable and the dependencies run one way:
//   - Indexer: keyed blind indexes of outside identifiers (the vault), so userIds and
//     anonymousIds are never stored in clear;
//   - Gate: the consent gate (policy decision point + consent state), which decides per
//     message which purposes allow keeping it and which fields must be stripped;
//   - Sealer: encryption of the kept payload under the subject's data key (the vault).
//
// A payload is sealed for the subject it was first stored under (its origin), so merging
// an anonymous history into a known customer never re-encrypts anything.
//
// Who may join two people (issue 17 item 1). A browser's write key is public (it ships in
// page source), so a call made with it proves nothing about who sent it. From such a
// client-side origin only anonymous → identified links are automatic: an anonymous
// history joins the customer who signs in. A link that would join two identified people
// (each holding a userId) — an alias or identify naming another customer, or a new userId
// on a device another customer uses — is never made; it is held (store.HeldLink) for an
// operator, who approves (merges) or rejects it through the API, each decision audited
// for both people. Nothing is lost: the message is stored under the subject it resolves
// to without the link (its userId's, or a new subject for a new userId). An alias whose
// previousId nobody has yet links it as an anonymousId, so nobody can claim another
// person's future userId. A server-side source (store.Source.ServerSide: a write key used
// only by the shop's own servers) merges as Segment's spec says; IngestFrom takes the
// origin, Ingest assumes client-side.
package collect
