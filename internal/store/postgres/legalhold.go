package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

// HoldRecords implements store.Store.
func (s *Store) HoldRecords(ctx context.Context, recs []store.HeldRecord) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		for _, r := range recs {
			if _, err := t.Exec(ctx, "INSERT INTO legal_hold(pseudonym, kind, occurred_at, kept_until, basis, record) VALUES ($1, $2, $3, $4, $5, $6)",
				r.Pseudonym, r.Kind, r.OccurredAt, r.KeptUntil, r.Basis, r.Record); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("hold records: %w", mapErr(err))
	}
	return nil
}

// HeldRecords implements store.Store.
func (s *Store) HeldRecords(ctx context.Context, pseudonym string) ([]store.HeldRecord, error) {
	rows, err := s.pool.Query(ctx, "SELECT pseudonym, kind, occurred_at, kept_until, basis, record FROM legal_hold WHERE pseudonym = $1 ORDER BY seq", pseudonym)
	if err != nil {
		return nil, fmt.Errorf("held records: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.HeldRecord
	for rows.Next() {
		var r store.HeldRecord
		if err := rows.Scan(&r.Pseudonym, &r.Kind, &r.OccurredAt, &r.KeptUntil, &r.Basis, &r.Record); err != nil {
			return nil, fmt.Errorf("held records: %w", mapErr(err))
		}
		r.OccurredAt, r.KeptUntil = utc(r.OccurredAt), utc(r.KeptUntil)
		out = append(out, r)
	}
	return out, rows.Err()
}
