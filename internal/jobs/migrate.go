package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrationLock is the PostgreSQL advisory-lock key that serialises River's migrations
// across nodes starting together ("riverjob" in ASCII). rivermigrate takes no lock of its
// own, and Steward's store migration lock is held only inside its own transaction.
const migrationLock int64 = 0x7269766572_6a6f62

// Migrate applies River's pending migrations to the store's database and returns how many
// it applied. Steward's start runs it right after the store's own Migrate (and `steward
// migrate` with it), so a queue never opens on missing tables. It is idempotent; on
// PostgreSQL concurrent callers wait for each other on an advisory lock.
func Migrate(ctx context.Context, st any) (int, error) {
	switch b := st.(type) {
	case PostgresBackend:
		pool := b.JobPool()
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return 0, fmt.Errorf("migrate jobs: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
			return 0, fmt.Errorf("migrate jobs: lock: %w", err)
		}
		defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
		m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return 0, fmt.Errorf("migrate jobs: %w", err)
		}
		res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return 0, fmt.Errorf("migrate jobs: %w", err)
		}
		return len(res.Versions), nil
	case SQLiteBackend:
		// The store's writer is a single connection, so two processes migrating the same
		// file serialise on SQLite's write lock (busy_timeout) migration by migration.
		m, err := rivermigrate.New(riversqlite.New(b.JobDB()), nil)
		if err != nil {
			return 0, fmt.Errorf("migrate jobs: %w", err)
		}
		res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return 0, fmt.Errorf("migrate jobs: %w", err)
		}
		return len(res.Versions), nil
	}
	return 0, ErrNoBackend
}
