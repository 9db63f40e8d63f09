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
package collect
