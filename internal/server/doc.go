// Package server is Steward's HTTP edge: the one route table (routes.go), the middleware
// every request passes (panic recovery, request ids, metrics, access logs without personal
// data, body limits, authentication and scope checks), and the mapping of errors to the
// JSON envelope {"error":{"code","message"}} with the right status.
//
// Only this package and cli know about HTTP. Handlers are thin: they decode, call a domain
// package, and encode. Every /api/v1 route declares the scope it needs in the table; a test
// walks the table and proves each role is refused what its scopes do not cover.
package server
