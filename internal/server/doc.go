// Package server is Steward's HTTP edge: the one route table (routes.go), the middleware
// every request passes (panic recovery, request ids, metrics, access logs without personal
// data, body limits, authentication and scope checks), and the mapping of errors to the
// JSON envelope {"error":{"code","message"}} with the right status.
//
// Only this package and cli know about HTTP (including ingestion's: Content-Encoding, sizes
// on the wire, Basic auth — see readIngest). Handlers are grouped per resource in structs
// holding the concrete domain services they call (manifestAPI, meAPI, subjectAPI,
// profilesAPI, auditAPI, rightsAPI, consentAPI); they decode a typed request, call the
// service, and encode its typed answer. Domain errors are sentinels mapped to statuses in
// errors.go and nowhere else. Every route declares the scope it needs and its request and
// response types in the table; the OpenAPI document is generated from those types, and a
// test walks the table and proves each role is refused what its scopes do not cover.
package server
