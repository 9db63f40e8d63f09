// Package partner owns how two Steward instances come to trust each other and how every
// call between them is authenticated (issue 22, item 1). It is pure: no HTTP, no store;
// the server carries the tokens and headers, the store keeps partners, invites and (with
// several nodes) nonces.
//
// # Pairing
//
// Each instance has an ed25519 Identity (its seed in the keyring). A privacy officer of
// instance A creates an Invite — A's URL, A's public key, a one-time 32-byte secret and
// an expiry — and hands its token to B's officer out of band:
//
//	steward-invite-v1.<base64url(version, expiry, key, secret, url, checksum)>
//
// B accepts with the token (Accept) and sends the resulting Acceptance to A's URL. It
// names the invite by ID (a hash of the secret, never the secret), announces B's URL and
// key, and carries an HMAC keyed with the secret (B holds the invite) and B's signature
// (B holds the key it announces), both over the inviter's key, the time and B's URL and
// key. A checks it with Invite.Verify, pins B's key and marks the invite used in one
// transaction; B pins A's key from the invite. Both derive the same PairingID, which
// names the clean room's hash-to-group domain.
//
// The invite's confidentiality and integrity rest on the out-of-band channel: whoever
// holds it can pair once before it expires, and a changed URL or key in it pairs with
// someone else. Keep expiries short (hours) and the channel trusted.
//
// # Calls between instances
//
// Every call carries a Steward-Signature header (Signer.Sign):
//
//	v1;key=<sender key id>;ts=<unix>;nonce=<16 bytes>;digest=<SHA-256(body)>;sig=<ed25519>
//
// over the sender, the recipient, method, path and query, body digest, time and nonce.
// Verifier.Verify refuses, in this order: a malformed header (ErrMalformed), a key no
// partner pins (ErrUnknownPeer), a suspended or revoked partner (ErrSuspended,
// ErrRevoked), a time more than five minutes off (ErrStale), a body that is not the
// signed one (ErrTamperedBody), a signature that does not verify for this recipient,
// method and path (ErrBadSignature), and a nonce already seen in the window (ErrReplay).
// The nonce is recorded only after the signature verifies. Mutual authentication: both
// directions are requests, each signed by its sender and verified against the key the
// receiver pinned; no call relies on a response's authenticity.
//
// Partners are active, suspended or revoked (Status.Next); only an active partner's calls
// verify.
//
//	a, _ := partner.GenerateIdentity(nil)
//	inv, _ := partner.NewInvite(a, "https://a.example", time.Now().Add(24*time.Hour), nil)
//	token := inv.String()                       // to B, out of band
//	// on B:
//	got, _ := partner.ParseInvite(token)
//	acc, _ := partner.Accept(got, b, "https://b.example", time.Now())
//	// on A, with inv from its store:
//	err := inv.Verify(acc, time.Now(), 0)       // then pin acc.Key for acc.URL
package partner
