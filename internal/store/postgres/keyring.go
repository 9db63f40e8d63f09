package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
)

// keyringLock is the advisory-lock key that makes a lease's check and write one step
// across nodes ("keyring" in ASCII).
const keyringLock int64 = 0x6b657972696e67

// AcquireKeyringLease implements store.KeyringLeases.
func (s *Store) AcquireKeyringLease(ctx context.Context, l store.KeyringLease, now time.Time) ([]store.KeyringLease, error) {
	var in []store.KeyringLease
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", keyringLock); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT holder, exclusive, info, until FROM keyring_leases
			WHERE holder <> $1 AND until > $2 AND (exclusive OR $3) ORDER BY holder`, l.Holder, now, l.Exclusive)
		if err != nil {
			return err
		}
		for rows.Next() {
			var o store.KeyringLease
			if err := rows.Scan(&o.Holder, &o.Exclusive, &o.Info, &o.Until); err != nil {
				rows.Close()
				return err
			}
			o.Until = utc(o.Until)
			in = append(in, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(in) > 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO keyring_leases(holder, exclusive, info, until) VALUES ($1, $2, $3, $4)
			ON CONFLICT (holder) DO UPDATE SET exclusive = EXCLUDED.exclusive, info = EXCLUDED.info, until = EXCLUDED.until`,
			l.Holder, l.Exclusive, l.Info, l.Until); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM keyring_leases WHERE until <= $1", now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("acquire keyring lease: %w", mapErr(err))
	}
	if len(in) > 0 {
		return in, fmt.Errorf("acquire keyring lease: %w: the keyring is in use", store.ErrConflict)
	}
	return nil, nil
}

// ReleaseKeyringLease implements store.KeyringLeases.
func (s *Store) ReleaseKeyringLease(ctx context.Context, holder string) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM keyring_leases WHERE holder = $1", holder); err != nil {
		return fmt.Errorf("release keyring lease: %w", mapErr(err))
	}
	return nil
}
