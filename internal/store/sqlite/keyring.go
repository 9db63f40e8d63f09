package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// AcquireKeyringLease implements store.KeyringLeases. The writer's transactions are
// IMMEDIATE, so the check and the write are serialised against every other process.
func (s *Store) AcquireKeyringLease(ctx context.Context, l store.KeyringLease, now time.Time) ([]store.KeyringLease, error) {
	if err := store.CheckText("acquire keyring lease", l.Holder, l.Info); err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("acquire keyring lease: %w", mapErr(err))
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT holder, exclusive, info, until FROM keyring_leases
		WHERE holder <> ? AND until > ? AND (exclusive = 1 OR ? = 1) ORDER BY holder`, l.Holder, toMicros(now), boolInt(l.Exclusive))
	if err != nil {
		return nil, fmt.Errorf("acquire keyring lease: %w", mapErr(err))
	}
	var in []store.KeyringLease
	for rows.Next() {
		var o store.KeyringLease
		var excl int
		var until int64
		if err := rows.Scan(&o.Holder, &excl, &o.Info, &until); err != nil {
			rows.Close()
			return nil, fmt.Errorf("acquire keyring lease: %w", mapErr(err))
		}
		o.Exclusive, o.Until = excl == 1, fromMicros(until)
		in = append(in, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("acquire keyring lease: %w", mapErr(err))
	}
	if len(in) > 0 {
		return in, fmt.Errorf("acquire keyring lease: %w: the keyring is in use", store.ErrConflict)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO keyring_leases(holder, exclusive, info, until) VALUES (?, ?, ?, ?)
		ON CONFLICT(holder) DO UPDATE SET exclusive = excluded.exclusive, info = excluded.info, until = excluded.until`,
		l.Holder, boolInt(l.Exclusive), l.Info, toMicros(l.Until)); err != nil {
		return nil, fmt.Errorf("acquire keyring lease: %w", mapErr(err))
	}
	// Lapsed leases of crashed processes are cleared on the way.
	if _, err := tx.ExecContext(ctx, "DELETE FROM keyring_leases WHERE until <= ?", toMicros(now)); err != nil {
		return nil, fmt.Errorf("acquire keyring lease: %w", mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("acquire keyring lease: %w", mapErr(err))
	}
	return nil, nil
}

// ReleaseKeyringLease implements store.KeyringLeases.
func (s *Store) ReleaseKeyringLease(ctx context.Context, holder string) error {
	if _, err := s.wc.ExecContext(ctx, "DELETE FROM keyring_leases WHERE holder = ?", holder); err != nil {
		return fmt.Errorf("release keyring lease: %w", mapErr(err))
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
