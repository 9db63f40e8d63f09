// Package segmentspec reads the Segment tracking API, so that Segment and
// RudderStack client libraries send to Steward unchanged. It owns the wire
// format and nothing else: it decodes and validates a request into Messages;
// it does not know write keys, consent, storage or routes.
//
// Three families of clients are understood:
//
//   - server SDKs (analytics-go, @segment/analytics-node, RudderStack's) post
//     {"batch": [...]} to /v1/batch with Basic auth, RudderStack gzipped;
//   - the HTTP API's single-message endpoints /v1/track, /v1/identify, ...;
//   - @segment/analytics-next in the browser posts text/plain to /v1/t, /v1/p,
//     /v1/i, /v1/g, /v1/a, /v1/s (or /v1/b when batching) with the write key in
//     the body, after fetching the document BrowserSettings returns.
//
// Invariants of a Request that DecodeRequest returns:
//
//   - every Message passes Message.Validate, has a MessageID (the client's, or
//     a deterministic one, so an identical retry dedupes) and has
//     Timestamp within [1970-01-01, ReceivedAt];
//   - the request is all or nothing: if any message is bad the error names
//     its index and field, and no message is returned;
//   - messageId, userId, anonymousId, previousId, groupId, event and name are
//     valid UTF-8 without NUL characters (they reach store columns and identity
//     indexes; PostgreSQL cannot hold anything else, so neither store gets it);
//   - no error message repeats a value from the request, so errors are safe
//     to log and to return (field names and limits only);
//   - memory is bounded by Limits before decompression finishes.
//
// The server maps an *Error's Code to a status (see the Code constants).
// Segment itself answers 400 for every refusal, including size; answering
// 413 instead makes @segment/analytics-node retry a request that can never
// succeed, a cost the server should weigh.
//
// Example, in an HTTP handler:
//
//	ep, ok := segmentspec.ParseEndpoint(r.PathValue("endpoint"))
//	if !ok { ... 404 ... }
//	req, err := segmentspec.DecodeRequest(r, ep, time.Now(), segmentspec.Limits{})
//	var de *segmentspec.Error
//	if errors.As(err, &de) { ... status from de.Code ... }
//	// req.WriteKey names the source; req.Messages go to the consent gate.
package segmentspec
