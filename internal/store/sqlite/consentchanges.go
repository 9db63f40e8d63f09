package sqlite

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.ConsentChanges = (*Store)(nil)

// ConsentChangesSince implements store.ConsentChanges.
func (s *Store) ConsentChangesSince(ctx context.Context, seq int64, limit int) ([]string, int64, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT seq, subject_id FROM consent_records WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit)
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
