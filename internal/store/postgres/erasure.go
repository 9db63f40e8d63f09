package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

// SubjectFamily implements store.Store.
func (s *Store) SubjectFamily(ctx context.Context, subjectID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `WITH RECURSIVE fam(id) AS (
		SELECT $1::text UNION SELECT s.id FROM subjects s JOIN fam ON s.merged_into = fam.id)
		SELECT id FROM fam`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("subject family: %w", mapErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("subject family: %w", mapErr(err))
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// EraseSubjects implements store.Store.
func (s *Store) EraseSubjects(ctx context.Context, ids []string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		for _, tc := range store.ErasureTables {
			if _, err := t.Exec(ctx, "DELETE FROM "+tc.Table+" WHERE "+tc.Column+" = ANY($1)", ids); err != nil {
				return fmt.Errorf("erase %s: %w", tc.Table, err)
			}
		}
		if _, err := t.Exec(ctx, "INSERT INTO erasures(subject_id) SELECT unnest($1::text[])", ids); err != nil {
			return fmt.Errorf("erase: log: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("erase: %w", mapErr(err))
	}
	return nil
}

// SubjectFootprint implements store.Store.
func (s *Store) SubjectFootprint(ctx context.Context, subjectID string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, tc := range store.ErasureTables {
		var n int64
		if err := s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM "+tc.Table+" WHERE "+tc.Column+" = $1", subjectID).Scan(&n); err != nil {
			return nil, fmt.Errorf("footprint %s: %w", tc.Table, mapErr(err))
		}
		out[tc.Table+"."+tc.Column] = n
	}
	return out, nil
}
