// Package sqlite is Steward's embedded store: one SQLite file in the data directory, opened
// through the pure-Go modernc.org/sqlite driver so the binary needs no cgo.
//
// Durability and concurrency choices (see Open):
//   - busy_timeout is set first, so that even the journal_mode change waits for a lock
//     instead of failing when another process holds the file;
//   - WAL journal with synchronous=FULL: a commit is fsynced before it returns, so an
//     acknowledged write survives a crash or power loss;
//   - one writer connection (SQLite serialises writers anyway; queuing them in Go avoids
//     SQLITE_BUSY storms) and a small pool of read-only connections that run beside it.
//
// SQL is written for SQLite here; the PostgreSQL backend has its own.
package sqlite
