// Package auth owns who may call Steward: operator roles and the scopes each role grants,
// API tokens (random secrets of which only a SHA-256 digest is stored), source write keys,
// and the first-start bootstrap that writes DIR/admin-token and DIR/write-key.
//
// Invariants:
//   - a token's scopes are always a subset of its operator's role scopes, checked at issue
//     time and again at every authentication (a role change narrows old tokens at once);
//   - a token minted or revoked through the API is bounded by the token asking: it grants
//     only scopes the caller holds (omitted scopes mean the caller's, never the role's), lives
//     at most MaxTokenTTL and no longer than the caller, and revokes only tokens no stronger
//     than itself (IssueTokenAs, RevokeTokenAs; issue 17 item 2);
//   - secrets are shown exactly once (returned at creation, or written to a 0600 file) and
//     never logged;
//   - the auditor role has no write scope (REQUIREMENTS SD-01: auditor cannot write).
//
// Example:
//
//	svc := auth.New(st, time.Now)
//	op, _ := svc.CreateOperator(ctx, "li.na", auth.RoleMarketer)
//	secret, _, _ := svc.IssueToken(ctx, op.ID, "laptop", nil, 0) // nil scopes: all of the role's
//	p, err := svc.Authenticate(ctx, secret)                      // p.Has(auth.ScopeSegmentsWrite)
package auth
