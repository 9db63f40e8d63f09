package postgres

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// DataVersion implements store.Changes. One statement reads every number from the same
// snapshot. COUNT(*) over events is a scan of its primary key: linear in the events, as
// is the report that asks for the version.
func (s *Store) DataVersion(ctx context.Context) (store.DataVersion, error) {
	var v store.DataVersion
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT COALESCE(MAX(seq), 0) FROM events), (SELECT COUNT(*) FROM events),
		(SELECT COALESCE(MAX(seq), 0) FROM consent_records), (SELECT COUNT(*) FROM consent_records),
		(SELECT COUNT(*) FROM subjects WHERE merged_into IS NULL), (SELECT COUNT(*) FROM subject_keys)`).
		Scan(&v.EventSeq, &v.Events, &v.ConsentSeq, &v.Consents, &v.Subjects, &v.Keys)
	if err != nil {
		return store.DataVersion{}, fmt.Errorf("data version: %w", mapErr(err))
	}
	return v, nil
}

// ConsentChanges implements store.Changes.
func (s *Store) ConsentChanges(ctx context.Context, seq int64, limit int) ([]string, int64, error) {
	rows, err := s.pool.Query(ctx, "SELECT seq, subject_id FROM consent_records WHERE seq > $1 ORDER BY seq LIMIT $2", seq, limit)
	if err != nil {
		return nil, seq, fmt.Errorf("consent changes: %w", mapErr(err))
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []string
	last := seq
	for rows.Next() {
		var id string
		if err := rows.Scan(&last, &id); err != nil {
			return nil, seq, fmt.Errorf("consent changes: %w", mapErr(err))
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, seq, fmt.Errorf("consent changes: %w", mapErr(err))
	}
	return out, last, nil
}
