package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/stewardhq/steward/internal/store"
)

var _ store.ChangeLog = (*Store)(nil)

// LogSince implements store.ChangeLog.
func (s *Store) LogSince(ctx context.Context, log store.Log, after, before int64, limit int) ([]store.Change, error) {
	var table string
	switch log {
	case store.LogEvents:
		table = "events"
	case store.LogConsents:
		table = "consent_records"
	case store.LogErasures:
		table = "erasures"
	default:
		return nil, fmt.Errorf("log since: unknown log %q", log)
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.pool.Query(ctx, "SELECT seq, subject_id FROM "+table+" WHERE seq > $1 AND seq < $2 ORDER BY seq LIMIT $3", after, before, limit)
	if err != nil {
		return nil, fmt.Errorf("log since: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var c store.Change
		if err := rows.Scan(&c.Seq, &c.SubjectID); err != nil {
			return nil, fmt.Errorf("log since: %w", mapErr(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
