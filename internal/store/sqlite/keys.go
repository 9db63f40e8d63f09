package sqlite

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// PutSubjectKey implements store.Store.
func (s *Store) PutSubjectKey(ctx context.Context, k store.SubjectKey) error {
	return putKey(ctx, s.w, k)
}

// GetSubjectKey implements store.Store.
func (s *Store) GetSubjectKey(ctx context.Context, subjectID string) (store.SubjectKey, error) {
	return getKey(ctx, s.r, subjectID)
}

func (t tx) PutSubjectKey(ctx context.Context, k store.SubjectKey) error { return putKey(ctx, t.q, k) }

func (t tx) GetSubjectKey(ctx context.Context, subjectID string) (store.SubjectKey, error) {
	return getKey(ctx, t.q, subjectID)
}

func putKey(ctx context.Context, q querier, k store.SubjectKey) error {
	_, err := q.ExecContext(ctx, "INSERT INTO subject_keys(subject_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
		k.SubjectID, k.KEKID, k.Wrapped, toMicros(k.CreatedAt))
	if err != nil {
		return fmt.Errorf("put subject key: %w", mapErr(err))
	}
	return nil
}

func getKey(ctx context.Context, q querier, subjectID string) (store.SubjectKey, error) {
	var k store.SubjectKey
	var created int64
	err := q.QueryRowContext(ctx, "SELECT subject_id, kek_id, wrapped, created_at FROM subject_keys WHERE subject_id = ?", subjectID).
		Scan(&k.SubjectID, &k.KEKID, &k.Wrapped, &created)
	if err != nil {
		return k, fmt.Errorf("get subject key: %w", mapErr(err))
	}
	k.CreatedAt = fromMicros(created)
	return k, nil
}

// DeleteSubjectKey implements store.Store.
func (s *Store) DeleteSubjectKey(ctx context.Context, subjectID string) error {
	if _, err := s.wc.ExecContext(ctx, "DELETE FROM subject_keys WHERE subject_id = ?", subjectID); err != nil {
		return fmt.Errorf("delete subject key: %w", mapErr(err))
	}
	return nil
}

// ListSubjectKeys implements store.Store.
func (s *Store) ListSubjectKeys(ctx context.Context, exceptKEK, after string, limit int) ([]store.SubjectKey, error) {
	rows, err := s.rc.QueryContext(ctx, `SELECT subject_id, kek_id, wrapped, created_at FROM subject_keys
		WHERE kek_id <> ? AND subject_id > ? ORDER BY subject_id LIMIT ?`, exceptKEK, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list subject keys: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.SubjectKey
	for rows.Next() {
		var k store.SubjectKey
		var created int64
		if err := rows.Scan(&k.SubjectID, &k.KEKID, &k.Wrapped, &created); err != nil {
			return nil, fmt.Errorf("list subject keys: %w", err)
		}
		k.CreatedAt = fromMicros(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RewrapSubjectKey implements store.Store.
func (s *Store) RewrapSubjectKey(ctx context.Context, k store.SubjectKey, fromKEK string) (bool, error) {
	res, err := s.wc.ExecContext(ctx, "UPDATE subject_keys SET kek_id = ?, wrapped = ? WHERE subject_id = ? AND kek_id = ?",
		k.KEKID, k.Wrapped, k.SubjectID, fromKEK)
	if err != nil {
		return false, fmt.Errorf("rewrap subject key: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
