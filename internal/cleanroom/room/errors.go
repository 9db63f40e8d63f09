package room

import "errors"

// Sentinels the clean-room service returns; the server maps them to statuses
// (internal/server/errors.go), with the core's (cleanroom, partner) and the store's.
var (
	// ErrInvalid: a proposal, approval or partner call the service refuses as given (the
	// message names the field).
	ErrInvalid = errors.New("clean room: invalid request")
	// ErrUnknownPartner: no partner with this id.
	ErrUnknownPartner = errors.New("clean room: no such partner")
	// ErrUnknownJob: no job with this id (or not one with the calling partner).
	ErrUnknownJob = errors.New("clean room: no such job")
	// ErrPartnerInactive: the partner is suspended or revoked; no call is made to it and
	// no job with it runs.
	ErrPartnerInactive = errors.New("clean room: the partner is not active")
	// ErrUnreachable: the partner did not take a call (unreachable, or it refused).
	ErrUnreachable = errors.New("clean room: the partner did not accept the call")
	// ErrNotApproved: a protocol message for a job this side has not approved (or whose
	// other side has not): refused before anything is read.
	ErrNotApproved = errors.New("clean room: the job is not approved on both sides")
	// ErrNotRunning: a protocol message for a job that is not running here.
	ErrNotRunning = errors.New("clean room: the job is not running here")
	// ErrUnauthenticated: a partner call whose signature does not verify (unknown key,
	// stale, tampered, bad signature, replayed).
	ErrUnauthenticated = errors.New("clean room: partner call not authenticated")
	// ErrForbidden: a partner call from a suspended or revoked partner.
	ErrForbidden = errors.New("clean room: partner call from a suspended or revoked partner")
)
