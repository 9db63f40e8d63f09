package sqlite

import "database/sql"

// JobDB returns the store's single writer connection pool for the job queue
// (internal/jobs runs River's riversqlite driver on it). River's SQLite driver wants one
// connection so its concurrent maintenance never meets SQLITE_BUSY; sharing the store's
// writer gives it exactly that and lets job writes queue behind store writes instead of
// contending for the file lock. Nothing else may use it: every other read and write goes
// through the Store's methods.
func (s *Store) JobDB() *sql.DB { return s.w }
