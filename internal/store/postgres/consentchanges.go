package postgres

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.ConsentChanges = (*Store)(nil)

// ConsentChangesSince implements store.ConsentChanges.
func (s *Store) ConsentChangesSince(ctx context.Context, seq int64, limit int) ([]string, int64, error) {
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
	return out, last, rows.Err()
}
