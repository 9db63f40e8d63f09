package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// CreateSession implements store.Store.
func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO subject_sessions(id, digest, subject_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
		ss.ID, ss.Digest, ss.SubjectID, ss.CreatedAt, ss.ExpiresAt)
	if err != nil {
		return fmt.Errorf("create session: %w", mapErr(err))
	}
	return nil
}

// SessionByDigest implements store.Store.
func (s *Store) SessionByDigest(ctx context.Context, digest []byte) (store.Session, error) {
	var ss store.Session
	err := s.pool.QueryRow(ctx, "SELECT id, digest, subject_id, created_at, expires_at, revoked_at FROM subject_sessions WHERE digest = $1", digest).
		Scan(&ss.ID, &ss.Digest, &ss.SubjectID, &ss.CreatedAt, &ss.ExpiresAt, &ss.RevokedAt)
	if err != nil {
		return ss, fmt.Errorf("session: %w", mapErr(err))
	}
	ss.CreatedAt, ss.ExpiresAt = utc(ss.CreatedAt), utc(ss.ExpiresAt)
	if ss.RevokedAt != nil {
		t := utc(*ss.RevokedAt)
		ss.RevokedAt = &t
	}
	return ss, nil
}

// RevokeSessions implements store.Store.
func (s *Store) RevokeSessions(ctx context.Context, subjectID string, at time.Time) error {
	_, err := s.pool.Exec(ctx, "UPDATE subject_sessions SET revoked_at = $1 WHERE subject_id = $2 AND revoked_at IS NULL", at, subjectID)
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", mapErr(err))
	}
	return nil
}
