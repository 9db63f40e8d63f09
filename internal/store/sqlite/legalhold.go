package sqlite

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// HoldRecords implements store.Store.
func (s *Store) HoldRecords(ctx context.Context, recs []store.HeldRecord) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("hold records: %w", mapErr(err))
	}
	defer t.Rollback()
	for _, r := range recs {
		if _, err := t.ExecContext(ctx, "INSERT INTO legal_hold(pseudonym, kind, occurred_at, kept_until, basis, record) VALUES (?, ?, ?, ?, ?, ?)",
			r.Pseudonym, r.Kind, toMicros(r.OccurredAt), toMicros(r.KeptUntil), r.Basis, r.Record); err != nil {
			return fmt.Errorf("hold records: %w", mapErr(err))
		}
	}
	return mapErr(t.Commit())
}

// HeldRecords implements store.Store.
func (s *Store) HeldRecords(ctx context.Context, pseudonym string) ([]store.HeldRecord, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT pseudonym, kind, occurred_at, kept_until, basis, record FROM legal_hold WHERE pseudonym = ? ORDER BY seq", pseudonym)
	if err != nil {
		return nil, fmt.Errorf("held records: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.HeldRecord
	for rows.Next() {
		var r store.HeldRecord
		var occ, kept int64
		if err := rows.Scan(&r.Pseudonym, &r.Kind, &occ, &kept, &r.Basis, &r.Record); err != nil {
			return nil, fmt.Errorf("held records: %w", mapErr(err))
		}
		r.OccurredAt, r.KeptUntil = fromMicros(occ), fromMicros(kept)
		out = append(out, r)
	}
	return out, rows.Err()
}
