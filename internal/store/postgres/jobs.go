package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// JobPool returns the store's connection pool for the job queue (internal/jobs runs River's
// riverpgxv5 driver on it, so jobs and the store share one database, one search_path and
// one set of connections). Nothing else may use it: every other read and write goes
// through the Store's methods.
func (s *Store) JobPool() *pgxpool.Pool { return s.pool }
