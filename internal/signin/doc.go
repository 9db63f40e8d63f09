// Package signin owns an operator's sign-in to the console through the shop's identity
// provider (OpenID Connect; issue 18 item 3): which operator an identity the provider
// vouched for is, and the console session that operator then gets. The protocol itself —
// the authorization code flow with PKCE, state and nonce, and checking the ID token's
// signature, issuer, audience and expiry — is the HTTP edge's (internal/server), which hands
// this package only a verified Identity.
//
// Invariants:
//   - an identity becomes an operator only by a login recorded for that operator: the
//     provider's issuer and subject, or an email address the provider says it verified; an
//     unverified email, or one nobody recorded, signs nobody in (ErrUnknownOperator);
//   - the session is an ordinary operator token with every scope of the operator's role,
//     lasting SessionTTL (default 12 hours), so a role change narrows it at once like any
//     token;
//   - each sign-in is recorded in the audit log like POST /api/v1/signin, with the method;
//     a refused one is not (it names no operator, and the identity is not Steward's to keep).
//
// Example:
//
//	svc := signin.New(signin.Config{Logins: st, Tokens: authService, Recorder: rec})
//	secret, op, exp, err := svc.SignIn(ctx, signin.Identity{Issuer: iss, Subject: sub, Email: e, EmailVerified: true})
package signin
