package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// CreateSession implements store.Store.
func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	_, err := s.wc.ExecContext(ctx, "INSERT INTO subject_sessions(id, digest, subject_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		ss.ID, ss.Digest, ss.SubjectID, toMicros(ss.CreatedAt), toMicros(ss.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", mapErr(err))
	}
	return nil
}

// SessionByDigest implements store.Store.
func (s *Store) SessionByDigest(ctx context.Context, digest []byte) (store.Session, error) {
	var ss store.Session
	var created, expires int64
	var revoked sql.NullInt64
	err := s.rc.QueryRowContext(ctx, "SELECT id, digest, subject_id, created_at, expires_at, revoked_at FROM subject_sessions WHERE digest = ?", digest).
		Scan(&ss.ID, &ss.Digest, &ss.SubjectID, &created, &expires, &revoked)
	if err != nil {
		return ss, fmt.Errorf("session: %w", mapErr(err))
	}
	ss.CreatedAt, ss.ExpiresAt = fromMicros(created), fromMicros(expires)
	if revoked.Valid {
		t := fromMicros(revoked.Int64)
		ss.RevokedAt = &t
	}
	return ss, nil
}

// RevokeSessions implements store.Store.
func (s *Store) RevokeSessions(ctx context.Context, subjectID string, at time.Time) error {
	_, err := s.wc.ExecContext(ctx, "UPDATE subject_sessions SET revoked_at = ? WHERE subject_id = ? AND revoked_at IS NULL", toMicros(at), subjectID)
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", mapErr(err))
	}
	return nil
}
