package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// AssignRightsRequest implements store.RightsWork.
func (s *Store) AssignRightsRequest(ctx context.Context, id, assignee string, at time.Time) error {
	res, err := s.wc.ExecContext(ctx, "UPDATE rights_requests SET assignee = ?, updated_at = ? WHERE id = ?", assignee, toMicros(at), id)
	if err != nil {
		return fmt.Errorf("assign rights request: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("assign rights request: %w", store.ErrNotFound)
	}
	return nil
}

// ExtendRightsRequest implements store.RightsWork.
func (s *Store) ExtendRightsRequest(ctx context.Context, id string, due time.Time, step store.RightsStep) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("extend rights request: %w", mapErr(err))
	}
	defer t.Rollback()
	res, err := t.ExecContext(ctx, `UPDATE rights_requests SET due_at = ?, extended_at = ?, updated_at = ?
		WHERE id = ? AND extended_at IS NULL AND state NOT IN ('done', 'refused')`, toMicros(due), toMicros(step.At), toMicros(step.At), id)
	if err != nil {
		return fmt.Errorf("extend rights request: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		var one int
		if err := t.QueryRowContext(ctx, "SELECT 1 FROM rights_requests WHERE id = ?", id).Scan(&one); err != nil {
			return fmt.Errorf("extend rights request: %w", mapErr(err))
		}
		return fmt.Errorf("extend rights request: %w: already extended or closed", store.ErrConflict)
	}
	if _, err := t.ExecContext(ctx, "INSERT INTO rights_steps(request_id, state, actor, note, at) VALUES (?, ?, ?, ?, ?)",
		id, step.State, step.Actor, step.Note, toMicros(step.At)); err != nil {
		return fmt.Errorf("extend rights request: %w", mapErr(err))
	}
	return mapErr(t.Commit())
}

// LinkRightsRequest implements store.RightsWork.
func (s *Store) LinkRightsRequest(ctx context.Context, id, from, to string, details, requester []byte, notes [][]byte, at time.Time) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("link rights request: %w", mapErr(err))
	}
	defer t.Rollback()
	res, err := t.ExecContext(ctx, "UPDATE rights_requests SET subject_id = ?, details = ?, requester = ?, updated_at = ? WHERE id = ? AND subject_id = ?",
		to, details, requester, toMicros(at), id, from)
	if err != nil {
		return fmt.Errorf("link rights request: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		var one int
		if err := t.QueryRowContext(ctx, "SELECT 1 FROM rights_requests WHERE id = ?", id).Scan(&one); err != nil {
			return fmt.Errorf("link rights request: %w", mapErr(err))
		}
		return fmt.Errorf("link rights request: %w: it is no longer under %s", store.ErrConflict, from)
	}
	rows, err := t.QueryContext(ctx, "SELECT seq FROM rights_notes WHERE request_id = ? ORDER BY seq", id)
	if err != nil {
		return fmt.Errorf("link rights request: %w", mapErr(err))
	}
	var seqs []int64
	for rows.Next() {
		var q int64
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return fmt.Errorf("link rights request: %w", mapErr(err))
		}
		seqs = append(seqs, q)
	}
	rows.Close()
	if len(seqs) != len(notes) {
		return fmt.Errorf("link rights request: %w: %d notes stored, %d given", store.ErrConflict, len(seqs), len(notes))
	}
	for i, q := range seqs {
		if _, err := t.ExecContext(ctx, "UPDATE rights_notes SET body = ? WHERE seq = ?", notes[i], q); err != nil {
			return fmt.Errorf("link rights request: %w", mapErr(err))
		}
	}
	return mapErr(t.Commit())
}

// AddRightsNote implements store.RightsWork.
func (s *Store) AddRightsNote(ctx context.Context, n store.RightsNote) error {
	if _, err := s.wc.ExecContext(ctx, "INSERT INTO rights_notes(request_id, actor, at, body) VALUES (?, ?, ?, ?)",
		n.RequestID, n.Actor, toMicros(n.At), n.Body); err != nil {
		return fmt.Errorf("add rights note: %w", mapErr(err))
	}
	return nil
}

// RightsNotes implements store.RightsWork.
func (s *Store) RightsNotes(ctx context.Context, requestID string) ([]store.RightsNote, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT request_id, actor, at, body FROM rights_notes WHERE request_id = ? ORDER BY seq", requestID)
	if err != nil {
		return nil, fmt.Errorf("rights notes: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.RightsNote
	for rows.Next() {
		var n store.RightsNote
		var at int64
		if err := rows.Scan(&n.RequestID, &n.Actor, &at, &n.Body); err != nil {
			return nil, fmt.Errorf("rights notes: %w", mapErr(err))
		}
		n.At = fromMicros(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// PutRightsChallenge implements store.RightsWork.
func (s *Store) PutRightsChallenge(ctx context.Context, c store.RightsChallenge) error {
	if _, err := s.wc.ExecContext(ctx, `INSERT INTO rights_challenges(id, email_mac, code_mac, type, jurisdiction, created_at, expires_at, attempts, used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.EmailMAC, c.CodeMAC, c.Type, c.Jurisdiction, toMicros(c.CreatedAt), toMicros(c.ExpiresAt),
		c.Attempts, nullMicros(c.UsedAt)); err != nil {
		return fmt.Errorf("put rights challenge: %w", mapErr(err))
	}
	return nil
}

const challengeCols = "id, email_mac, code_mac, type, jurisdiction, created_at, expires_at, attempts, used_at"

func scanChallenge(sc interface{ Scan(...any) error }) (store.RightsChallenge, error) {
	var c store.RightsChallenge
	var created, expires int64
	var used sql.NullInt64
	err := sc.Scan(&c.ID, &c.EmailMAC, &c.CodeMAC, &c.Type, &c.Jurisdiction, &created, &expires, &c.Attempts, &used)
	c.CreatedAt, c.ExpiresAt, c.UsedAt = fromMicros(created), fromMicros(expires), ptrMicros(used)
	return c, err
}

// AttemptRightsChallenge implements store.RightsWork.
func (s *Store) AttemptRightsChallenge(ctx context.Context, id string, now time.Time, max int) (store.RightsChallenge, error) {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.RightsChallenge{}, fmt.Errorf("attempt rights challenge: %w", mapErr(err))
	}
	defer t.Rollback()
	res, err := t.ExecContext(ctx, "UPDATE rights_challenges SET attempts = attempts + 1 WHERE id = ? AND used_at IS NULL AND expires_at > ? AND attempts < ?",
		id, toMicros(now), max)
	if err != nil {
		return store.RightsChallenge{}, fmt.Errorf("attempt rights challenge: %w", mapErr(err))
	}
	c, err := scanChallenge(t.QueryRowContext(ctx, "SELECT "+challengeCols+" FROM rights_challenges WHERE id = ?", id))
	if err != nil {
		return store.RightsChallenge{}, fmt.Errorf("attempt rights challenge: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return c, fmt.Errorf("attempt rights challenge: %w: used, expired or out of attempts", store.ErrConflict)
	}
	return c, mapErr(t.Commit())
}

// UseRightsChallenge implements store.RightsWork.
func (s *Store) UseRightsChallenge(ctx context.Context, id string, at time.Time) error {
	res, err := s.wc.ExecContext(ctx, "UPDATE rights_challenges SET used_at = ? WHERE id = ? AND used_at IS NULL", toMicros(at), id)
	if err != nil {
		return fmt.Errorf("use rights challenge: %w", mapErr(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("use rights challenge: %w: already used or unknown", store.ErrConflict)
	}
	return nil
}

// CountRightsChallenges implements store.RightsWork.
func (s *Store) CountRightsChallenges(ctx context.Context, emailMAC []byte, since time.Time) (int, error) {
	var n int
	if err := s.rc.QueryRowContext(ctx, "SELECT COUNT(*) FROM rights_challenges WHERE email_mac = ? AND created_at >= ?", emailMAC, toMicros(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rights challenges: %w", mapErr(err))
	}
	return n, nil
}

// PurgeRightsChallenges implements store.RightsWork.
func (s *Store) PurgeRightsChallenges(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.wc.ExecContext(ctx, "DELETE FROM rights_challenges WHERE expires_at < ?", toMicros(before))
	if err != nil {
		return 0, fmt.Errorf("purge rights challenges: %w", mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// EnqueueRightsNotice implements store.RightsWork.
func (s *Store) EnqueueRightsNotice(ctx context.Context, n store.RightsNotice) error {
	if _, err := s.wc.ExecContext(ctx, `INSERT INTO rights_notices(id, request_id, kind, created_at, payload, attempts, next_at, delivered_at, failed_at, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.ID, n.RequestID, n.Kind, toMicros(n.CreatedAt), n.Payload, n.Attempts, toMicros(n.NextAt),
		nullMicros(n.DeliveredAt), nullMicros(n.FailedAt), n.LastError); err != nil {
		return fmt.Errorf("enqueue rights notice: %w", mapErr(err))
	}
	return nil
}

const noticeCols = "id, request_id, kind, created_at, payload, attempts, next_at, delivered_at, failed_at, last_error"

func scanNotice(sc interface{ Scan(...any) error }) (store.RightsNotice, error) {
	var n store.RightsNotice
	var created, next int64
	var delivered, failed sql.NullInt64
	err := sc.Scan(&n.ID, &n.RequestID, &n.Kind, &created, &n.Payload, &n.Attempts, &next, &delivered, &failed, &n.LastError)
	n.CreatedAt, n.NextAt, n.DeliveredAt, n.FailedAt = fromMicros(created), fromMicros(next), ptrMicros(delivered), ptrMicros(failed)
	return n, err
}

// ClaimRightsNotices implements store.RightsWork. The single writer serialises claims.
func (s *Store) ClaimRightsNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.RightsNotice, error) {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim rights notices: %w", mapErr(err))
	}
	defer t.Rollback()
	rows, err := t.QueryContext(ctx, "SELECT "+noticeCols+` FROM rights_notices
		WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= ? ORDER BY next_at, created_at LIMIT ?`, toMicros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim rights notices: %w", mapErr(err))
	}
	var out []store.RightsNotice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim rights notices: %w", mapErr(err))
		}
		out = append(out, n)
	}
	rows.Close()
	until := now.Add(lease)
	for i := range out {
		if _, err := t.ExecContext(ctx, "UPDATE rights_notices SET next_at = ? WHERE id = ?", toMicros(until), out[i].ID); err != nil {
			return nil, fmt.Errorf("claim rights notices: %w", mapErr(err))
		}
		out[i].NextAt = fromMicros(toMicros(until))
	}
	return out, mapErr(t.Commit())
}

// FinishRightsNotice implements store.RightsWork.
func (s *Store) FinishRightsNotice(ctx context.Context, n store.RightsNotice) error {
	res, err := s.wc.ExecContext(ctx, "UPDATE rights_notices SET payload = ?, attempts = ?, next_at = ?, delivered_at = ?, failed_at = ?, last_error = ? WHERE id = ?",
		n.Payload, n.Attempts, toMicros(n.NextAt), nullMicros(n.DeliveredAt), nullMicros(n.FailedAt), n.LastError, n.ID)
	if err != nil {
		return fmt.Errorf("finish rights notice: %w", mapErr(err))
	}
	if c, _ := res.RowsAffected(); c != 1 {
		return fmt.Errorf("finish rights notice: %w", store.ErrNotFound)
	}
	return nil
}

// RightsNotices implements store.RightsWork.
func (s *Store) RightsNotices(ctx context.Context, requestID string) ([]store.RightsNotice, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT "+noticeCols+" FROM rights_notices WHERE request_id = ? ORDER BY created_at, id", requestID)
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
