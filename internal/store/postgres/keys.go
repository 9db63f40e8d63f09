package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

// PutSubjectKey implements store.Store.
func (s *Store) PutSubjectKey(ctx context.Context, k store.SubjectKey) error {
	return putKey(ctx, s.pool, k)
}

// GetSubjectKey implements store.Store.
func (s *Store) GetSubjectKey(ctx context.Context, subjectID string) (store.SubjectKey, error) {
	return getKey(ctx, s.pool, subjectID)
}

func (t tx) PutSubjectKey(ctx context.Context, k store.SubjectKey) error { return putKey(ctx, t.q, k) }

func (t tx) GetSubjectKey(ctx context.Context, subjectID string) (store.SubjectKey, error) {
	return getKey(ctx, t.q, subjectID)
}

func putKey(ctx context.Context, q querier, k store.SubjectKey) error {
	_, err := q.Exec(ctx, "INSERT INTO subject_keys(subject_id, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4)",
		k.SubjectID, k.KEKID, k.Wrapped, k.CreatedAt)
	if err != nil {
		return fmt.Errorf("put subject key: %w", mapErr(err))
	}
	return nil
}

func scanKey(r pgx.Row) (store.SubjectKey, error) {
	var k store.SubjectKey
	err := r.Scan(&k.SubjectID, &k.KEKID, &k.Wrapped, &k.CreatedAt)
	k.CreatedAt = utc(k.CreatedAt)
	return k, err
}

func getKey(ctx context.Context, q querier, subjectID string) (store.SubjectKey, error) {
	k, err := scanKey(q.QueryRow(ctx, "SELECT subject_id, kek_id, wrapped, created_at FROM subject_keys WHERE subject_id = $1", subjectID))
	if err != nil {
		return k, fmt.Errorf("get subject key: %w", mapErr(err))
	}
	return k, nil
}

// DeleteSubjectKey implements store.Store.
func (s *Store) DeleteSubjectKey(ctx context.Context, subjectID string) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM subject_keys WHERE subject_id = $1", subjectID); err != nil {
		return fmt.Errorf("delete subject key: %w", mapErr(err))
	}
	return nil
}

// ListSubjectKeys implements store.Store.
func (s *Store) ListSubjectKeys(ctx context.Context, exceptKEK, after string, limit int) ([]store.SubjectKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT subject_id, kek_id, wrapped, created_at FROM subject_keys
		WHERE kek_id <> $1 AND subject_id > $2 ORDER BY subject_id LIMIT $3`, exceptKEK, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list subject keys: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.SubjectKey, error) { return scanKey(r) })
	if err != nil {
		return nil, fmt.Errorf("list subject keys: %w", mapErr(err))
	}
	return out, nil
}

// RewrapSubjectKey implements store.Store.
func (s *Store) RewrapSubjectKey(ctx context.Context, k store.SubjectKey, fromKEK string) (bool, error) {
	tag, err := s.pool.Exec(ctx, "UPDATE subject_keys SET kek_id = $1, wrapped = $2 WHERE subject_id = $3 AND kek_id = $4",
		k.KEKID, k.Wrapped, k.SubjectID, fromKEK)
	if err != nil {
		return false, fmt.Errorf("rewrap subject key: %w", mapErr(err))
	}
	return tag.RowsAffected() == 1, nil
}
