package store

import (
	"context"
	"time"
)

// Working a rights request (issue 18 item 4): who works it, what operators noted, whether
// its deadline was extended, the one-time codes a visitor without an account confirms their
// email address with, and the notifications owed to the shop's backend. Nothing here is
// plaintext personal data: notes, the visitor's address and notification payloads are
// sealed by their owner before they reach the store; codes and addresses of challenges are
// kept as keyed hashes only.

// Request origins.
const (
	// OriginSession: filed in a privacy-center session the shop's login opened.
	OriginSession = "session"
	// OriginVisitor: filed through the public form by someone who confirmed an email
	// address with a one-time code; their identity is verified by an operator.
	OriginVisitor = "visitor"
)

// RightsNote is an operator's note on a request, sealed under the person's data key (a
// note may name the person or repeat what they said).
type RightsNote struct {
	RequestID string
	Actor     string
	At        time.Time
	Body      []byte // sealed
}

// RightsChallenge is a one-time code sent to an email address before a request without an
// account is filed. It holds keyed hashes of the address and the code, never either.
type RightsChallenge struct {
	ID           string
	EmailMAC     []byte
	CodeMAC      []byte
	Type         string
	Jurisdiction string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	Attempts     int
	UsedAt       *time.Time
}

// RightsNotice is one notification of a request's change owed to the shop's backend: a
// row of the webhook outbox. Its payload is sealed until delivered, then dropped.
type RightsNotice struct {
	ID          string
	RequestID   string
	Kind        string
	CreatedAt   time.Time
	Payload     []byte // sealed; nil once delivered or given up
	Attempts    int
	NextAt      time.Time
	DeliveredAt *time.Time
	FailedAt    *time.Time // given up after the last attempt
	LastError   string
}

// RightsWork keeps the working state of rights requests.
type RightsWork interface {
	// AssignRightsRequest sets the operator who works a request ("" unassigns).
	AssignRightsRequest(ctx context.Context, id, assignee string, at time.Time) error
	// ExtendRightsRequest moves an open request's deadline to due once, with the step that
	// says why (its State is the request's current state). A second extension, or one of
	// a closed request, is ErrConflict.
	ExtendRightsRequest(ctx context.Context, id string, due time.Time, step RightsStep) error
	// LinkRightsRequest moves a request from subject from to subject to, with its details,
	// requester and notes sealed anew under to's key (notes in their stored order), only if
	// it is still under from (ErrConflict otherwise).
	LinkRightsRequest(ctx context.Context, id, from, to string, details, requester []byte, notes [][]byte, at time.Time) error
	// AddRightsNote stores a note.
	AddRightsNote(ctx context.Context, n RightsNote) error
	// RightsNotes returns a request's notes, oldest first.
	RightsNotes(ctx context.Context, requestID string) ([]RightsNote, error)

	// PutRightsChallenge stores a new challenge.
	PutRightsChallenge(ctx context.Context, c RightsChallenge) error
	// AttemptRightsChallenge counts one attempt at a challenge's code and returns it with
	// the attempt counted: ErrNotFound if there is none, ErrConflict if it is used, expired
	// at now, or already had max attempts.
	AttemptRightsChallenge(ctx context.Context, id string, now time.Time, max int) (RightsChallenge, error)
	// UseRightsChallenge marks a challenge used, once (ErrConflict the second time).
	UseRightsChallenge(ctx context.Context, id string, at time.Time) error
	// CountRightsChallenges counts the challenges for an address made since an instant.
	CountRightsChallenges(ctx context.Context, emailMAC []byte, since time.Time) (int, error)
	// PurgeRightsChallenges deletes challenges that expired before an instant.
	PurgeRightsChallenges(ctx context.Context, before time.Time) (int64, error)

	// EnqueueRightsNotice stores a notice to deliver.
	EnqueueRightsNotice(ctx context.Context, n RightsNotice) error
	// ClaimRightsNotices returns up to limit undelivered notices due at now, oldest first,
	// and moves their NextAt to now+lease so that no other node claims them meanwhile.
	ClaimRightsNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]RightsNotice, error)
	// FinishRightsNotice writes an attempt's outcome: Attempts, NextAt, DeliveredAt,
	// FailedAt, LastError and Payload (nil once delivered or given up).
	FinishRightsNotice(ctx context.Context, n RightsNotice) error
	// RightsNotices returns a request's notices, oldest first.
	RightsNotices(ctx context.Context, requestID string) ([]RightsNotice, error)
}
