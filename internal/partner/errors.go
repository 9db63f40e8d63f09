package partner

import (
	"errors"
	"fmt"
)

// Sentinels; callers match them with errors.Is. The edge maps the authentication ones to
// 401 (malformed, unknown, stale, tampered, bad signature, replay) and 403 (suspended,
// revoked).
var (
	// ErrKey: a seed or key id of the wrong shape.
	ErrKey = errors.New("invalid partner key")
	// ErrMalformed matches every *FormatError (an invite, acceptance or signature header
	// that does not parse).
	ErrMalformed = errors.New("malformed partner token")
	// ErrURL: an instance URL that is not https (or http on loopback), or has user
	// information, a query or a fragment.
	ErrURL = errors.New("invalid instance url")
	// ErrExpired: the invite is past its expiry.
	ErrExpired = errors.New("invite expired")
	// ErrSelfPairing: an instance cannot pair with itself.
	ErrSelfPairing = errors.New("an instance cannot pair with itself")
	// ErrBadAcceptance: the acceptance does not name this invite, its MAC (knowledge of the
	// invite's one-time secret) or its signature (possession of the key it announces)
	// fails.
	ErrBadAcceptance = errors.New("acceptance not valid for this invite")
	// ErrRequest: a request that cannot be signed or verified as given (method or path of
	// the wrong shape).
	ErrRequest = errors.New("invalid partner request")
	// ErrUnknownPeer: no partner pins this key.
	ErrUnknownPeer = errors.New("unknown partner key")
	// ErrSuspended: the partner is suspended; no call is accepted until it is resumed.
	ErrSuspended = errors.New("partner suspended")
	// ErrRevoked: the partnership was ended.
	ErrRevoked = errors.New("partner revoked")
	// ErrStale: the request's timestamp is outside the accepted window.
	ErrStale = errors.New("request timestamp outside the window")
	// ErrTamperedBody: the body does not match the digest the sender signed.
	ErrTamperedBody = errors.New("request body does not match its signed digest")
	// ErrBadSignature: the signature does not verify against the pinned key for this
	// method, path, body, time, nonce and recipient.
	ErrBadSignature = errors.New("bad request signature")
	// ErrReplay: the nonce was already used within the window.
	ErrReplay = errors.New("replayed request")
	// ErrNonceCacheFull: the nonce cache is full; requests are refused rather than let a
	// nonce be forgotten early.
	ErrNonceCacheFull = errors.New("nonce cache full")
	// ErrStatus matches every *StatusError (a partner status change that does not apply).
	ErrStatus = errors.New("partner status change not allowed")
)

// Reasons a token or header does not parse; stable strings for counters and logs.
const (
	ReasonPrefix   = "prefix"   // not an invite / acceptance / signature of this version
	ReasonBase64   = "base64"   // not unpadded base64url
	ReasonLength   = "length"   // too short, too long, or fields that do not add up
	ReasonChecksum = "checksum" // the invite's checksum does not match (a copy error)
	ReasonField    = "field"    // a field holds a value the format forbids
)

// FormatError says why a token or header did not parse. It never quotes the input: an
// invite holds a one-time secret.
type FormatError struct {
	What   string // "invite", "acceptance", "signature"
	Reason string
	Detail string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("parse %s: %s: %s", e.What, e.Reason, e.Detail)
}

func (e *FormatError) Unwrap() error { return ErrMalformed }
