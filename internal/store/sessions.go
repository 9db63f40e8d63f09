package store

import (
	"context"
	"time"
)

// Session is a privacy-center session: a bearer secret (kept as a digest) that lets one
// subject reach /api/v1/me and nothing else.
type Session struct {
	ID        string
	Digest    []byte
	SubjectID string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// Usable reports whether the session may be used at now.
func (s Session) Usable(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// Sessions keeps privacy-center sessions.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	// SessionByDigest returns the session with that digest, usable or not.
	SessionByDigest(ctx context.Context, digest []byte) (Session, error)
	// RevokeSessions revokes every session of a subject (sign-out everywhere, erasure).
	RevokeSessions(ctx context.Context, subjectID string, at time.Time) error
}
