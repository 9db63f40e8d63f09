package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

// AssignRightsRequest implements store.RightsWork.
func (s *Store) AssignRightsRequest(ctx context.Context, id, assignee string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, "UPDATE rights_requests SET assignee = $1, updated_at = $2 WHERE id = $3", assignee, at, id)
	if err != nil {
		return fmt.Errorf("assign rights request: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("assign rights request: %w", store.ErrNotFound)
	}
	return nil
}

// ExtendRightsRequest implements store.RightsWork.
func (s *Store) ExtendRightsRequest(ctx context.Context, id string, due time.Time, step store.RightsStep) error {
	var conflict bool
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		tag, err := t.Exec(ctx, `UPDATE rights_requests SET due_at = $1, extended_at = $2, updated_at = $2
			WHERE id = $3 AND extended_at IS NULL AND state NOT IN ('done', 'refused')`, due, step.At, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			var one int
			if err := t.QueryRow(ctx, "SELECT 1 FROM rights_requests WHERE id = $1", id).Scan(&one); err != nil {
				return err
			}
			conflict = true
			return nil
		}
		_, err = t.Exec(ctx, "INSERT INTO rights_steps(request_id, state, actor, note, at) VALUES ($1, $2, $3, $4, $5)", id, step.State, step.Actor, step.Note, step.At)
		return err
	})
	if err != nil {
		return fmt.Errorf("extend rights request: %w", mapErr(err))
	}
	if conflict {
		return fmt.Errorf("extend rights request: %w: already extended or closed", store.ErrConflict)
	}
	return nil
}

// LinkRightsRequest implements store.RightsWork.
func (s *Store) LinkRightsRequest(ctx context.Context, id, from, to string, details, requester []byte, notes [][]byte, at time.Time) error {
	var conflict string
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		tag, err := t.Exec(ctx, "UPDATE rights_requests SET subject_id = $1, details = $2, requester = $3, updated_at = $4 WHERE id = $5 AND subject_id = $6",
			to, details, requester, at, id, from)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			var one int
			if err := t.QueryRow(ctx, "SELECT 1 FROM rights_requests WHERE id = $1", id).Scan(&one); err != nil {
				return err
			}
			conflict = "it is no longer under " + from
			return nil
		}
		rows, err := t.Query(ctx, "SELECT seq FROM rights_notes WHERE request_id = $1 ORDER BY seq FOR UPDATE", id)
		if err != nil {
			return err
		}
		seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if len(seqs) != len(notes) {
			conflict = fmt.Sprintf("%d notes stored, %d given", len(seqs), len(notes))
			return errRollback
		}
		for i, q := range seqs {
			if _, err := t.Exec(ctx, "UPDATE rights_notes SET body = $1 WHERE seq = $2", notes[i], q); err != nil {
				return err
			}
		}
		return nil
	})
	if conflict != "" {
		return fmt.Errorf("link rights request: %w: %s", store.ErrConflict, conflict)
	}
	if err != nil {
		return fmt.Errorf("link rights request: %w", mapErr(err))
	}
	return nil
}

// errRollback ends a transaction function without committing; the caller reports why.
var errRollback = errors.New("rolled back")

// AddRightsNote implements store.RightsWork.
func (s *Store) AddRightsNote(ctx context.Context, n store.RightsNote) error {
	if _, err := s.pool.Exec(ctx, "INSERT INTO rights_notes(request_id, actor, at, body) VALUES ($1, $2, $3, $4)", n.RequestID, n.Actor, n.At, n.Body); err != nil {
		return fmt.Errorf("add rights note: %w", mapErr(err))
	}
	return nil
}

// RightsNotes implements store.RightsWork.
func (s *Store) RightsNotes(ctx context.Context, requestID string) ([]store.RightsNote, error) {
	rows, err := s.pool.Query(ctx, "SELECT request_id, actor, at, body FROM rights_notes WHERE request_id = $1 ORDER BY seq", requestID)
	if err != nil {
		return nil, fmt.Errorf("rights notes: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.RightsNote
	for rows.Next() {
		var n store.RightsNote
		if err := rows.Scan(&n.RequestID, &n.Actor, &n.At, &n.Body); err != nil {
			return nil, fmt.Errorf("rights notes: %w", mapErr(err))
		}
		n.At = utc(n.At)
		out = append(out, n)
	}
	return out, rows.Err()
}

// PutRightsChallenge implements store.RightsWork.
func (s *Store) PutRightsChallenge(ctx context.Context, c store.RightsChallenge) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO rights_challenges(id, email_mac, code_mac, type, jurisdiction, created_at, expires_at, attempts, used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.ID, c.EmailMAC, c.CodeMAC, c.Type, c.Jurisdiction, c.CreatedAt, c.ExpiresAt, c.Attempts, c.UsedAt); err != nil {
		return fmt.Errorf("put rights challenge: %w", mapErr(err))
	}
	return nil
}

const challengeCols = "id, email_mac, code_mac, type, jurisdiction, created_at, expires_at, attempts, used_at"

func scanChallenge(sc interface{ Scan(...any) error }) (store.RightsChallenge, error) {
	var c store.RightsChallenge
	err := sc.Scan(&c.ID, &c.EmailMAC, &c.CodeMAC, &c.Type, &c.Jurisdiction, &c.CreatedAt, &c.ExpiresAt, &c.Attempts, &c.UsedAt)
	c.CreatedAt, c.ExpiresAt, c.UsedAt = utc(c.CreatedAt), utc(c.ExpiresAt), utcPtr(c.UsedAt)
	return c, err
}

// AttemptRightsChallenge implements store.RightsWork. The conditional update takes the
// row lock, so concurrent attempts are counted one after the other.
func (s *Store) AttemptRightsChallenge(ctx context.Context, id string, now time.Time, max int) (store.RightsChallenge, error) {
	c, err := scanChallenge(s.pool.QueryRow(ctx, "UPDATE rights_challenges SET attempts = attempts + 1 WHERE id = $1 AND used_at IS NULL AND expires_at > $2 AND attempts < $3 RETURNING "+challengeCols,
		id, now, max))
	if err == nil {
		return c, nil
	}
	if !errors.Is(mapErr(err), store.ErrNotFound) {
		return store.RightsChallenge{}, fmt.Errorf("attempt rights challenge: %w", mapErr(err))
	}
	if c, err = scanChallenge(s.pool.QueryRow(ctx, "SELECT "+challengeCols+" FROM rights_challenges WHERE id = $1", id)); err != nil {
		return store.RightsChallenge{}, fmt.Errorf("attempt rights challenge: %w", mapErr(err))
	}
	return c, fmt.Errorf("attempt rights challenge: %w: used, expired or out of attempts", store.ErrConflict)
}

// UseRightsChallenge implements store.RightsWork.
func (s *Store) UseRightsChallenge(ctx context.Context, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, "UPDATE rights_challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL", at, id)
	if err != nil {
		return fmt.Errorf("use rights challenge: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("use rights challenge: %w: already used or unknown", store.ErrConflict)
	}
	return nil
}

// CountRightsChallenges implements store.RightsWork.
func (s *Store) CountRightsChallenges(ctx context.Context, emailMAC []byte, since time.Time) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM rights_challenges WHERE email_mac = $1 AND created_at >= $2", emailMAC, since).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rights challenges: %w", mapErr(err))
	}
	return n, nil
}

// PurgeRightsChallenges implements store.RightsWork.
func (s *Store) PurgeRightsChallenges(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM rights_challenges WHERE expires_at < $1", before)
	if err != nil {
		return 0, fmt.Errorf("purge rights challenges: %w", mapErr(err))
	}
	return tag.RowsAffected(), nil
}

// EnqueueRightsNotice implements store.RightsWork.
func (s *Store) EnqueueRightsNotice(ctx context.Context, n store.RightsNotice) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO rights_notices(id, request_id, kind, created_at, payload, attempts, next_at, delivered_at, failed_at, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, n.ID, n.RequestID, n.Kind, n.CreatedAt, n.Payload, n.Attempts, n.NextAt, n.DeliveredAt, n.FailedAt, n.LastError); err != nil {
		return fmt.Errorf("enqueue rights notice: %w", mapErr(err))
	}
	return nil
}

const noticeCols = "id, request_id, kind, created_at, payload, attempts, next_at, delivered_at, failed_at, last_error"

func scanNotice(sc interface{ Scan(...any) error }) (store.RightsNotice, error) {
	var n store.RightsNotice
	err := sc.Scan(&n.ID, &n.RequestID, &n.Kind, &n.CreatedAt, &n.Payload, &n.Attempts, &n.NextAt, &n.DeliveredAt, &n.FailedAt, &n.LastError)
	n.CreatedAt, n.NextAt, n.DeliveredAt, n.FailedAt = utc(n.CreatedAt), utc(n.NextAt), utcPtr(n.DeliveredAt), utcPtr(n.FailedAt)
	return n, err
}

// ClaimRightsNotices implements store.RightsWork: rows another node is claiming are
// skipped, not waited for.
func (s *Store) ClaimRightsNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.RightsNotice, error) {
	rows, err := s.pool.Query(ctx, `UPDATE rights_notices SET next_at = $1 WHERE id IN (
		SELECT id FROM rights_notices WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= $2
		ORDER BY next_at, created_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING `+noticeCols, now.Add(lease), now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim rights notices: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.RightsNotice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("claim rights notices: %w", mapErr(err))
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// FinishRightsNotice implements store.RightsWork.
func (s *Store) FinishRightsNotice(ctx context.Context, n store.RightsNotice) error {
	tag, err := s.pool.Exec(ctx, "UPDATE rights_notices SET payload = $1, attempts = $2, next_at = $3, delivered_at = $4, failed_at = $5, last_error = $6 WHERE id = $7",
		n.Payload, n.Attempts, n.NextAt, n.DeliveredAt, n.FailedAt, n.LastError, n.ID)
	if err != nil {
		return fmt.Errorf("finish rights notice: %w", mapErr(err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("finish rights notice: %w", store.ErrNotFound)
	}
	return nil
}

// RightsNotices implements store.RightsWork.
func (s *Store) RightsNotices(ctx context.Context, requestID string) ([]store.RightsNotice, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+noticeCols+" FROM rights_notices WHERE request_id = $1 ORDER BY created_at, id", requestID)
	if err != nil {
		return nil, fmt.Errorf("rights notices: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.RightsNotice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("rights notices: %w", mapErr(err))
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
