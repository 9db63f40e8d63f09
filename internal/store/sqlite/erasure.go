package sqlite

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// SubjectFamily implements store.Store.
func (s *Store) SubjectFamily(ctx context.Context, subjectID string) ([]string, error) {
	rows, err := s.rc.QueryContext(ctx, `WITH RECURSIVE fam(id) AS (
		SELECT ? UNION SELECT s.id FROM subjects s JOIN fam ON s.merged_into = fam.id)
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
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("erase: %w", mapErr(err))
	}
	defer t.Rollback()
	for _, id := range ids {
		for _, tc := range store.ErasureTables {
			if _, err := t.ExecContext(ctx, "DELETE FROM "+tc.Table+" WHERE "+tc.Column+" = ?", id); err != nil {
				return fmt.Errorf("erase %s: %w", tc.Table, mapErr(err))
			}
		}
		if _, err := t.ExecContext(ctx, "INSERT INTO erasures(subject_id) VALUES (?)", id); err != nil {
			return fmt.Errorf("erase: log: %w", mapErr(err))
		}
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("erase: %w", mapErr(err))
	}
	return nil
}

// SubjectFootprint implements store.Store.
func (s *Store) SubjectFootprint(ctx context.Context, subjectID string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, tc := range store.ErasureTables {
		var n int64
		if err := s.rc.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tc.Table+" WHERE "+tc.Column+" = ?", subjectID).Scan(&n); err != nil {
			return nil, fmt.Errorf("footprint %s: %w", tc.Table, mapErr(err))
		}
		out[tc.Table+"."+tc.Column] = n
	}
	return out, nil
}
