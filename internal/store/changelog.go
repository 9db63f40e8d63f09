package store

import "context"

// Log names an append-only log a node follows to learn what other nodes changed.
type Log string

// The logs a node follows.
const (
	// LogEvents is the events table: a new event means the person's profile moves.
	LogEvents Log = "events"
	// LogConsents is the consent ledger: a new record means the person's consent moved.
	LogConsents Log = "consents"
	// LogErasures is the erasure log: the person is gone and must be dropped from memory.
	LogErasures Log = "erasures"
)

// Change is one row of a followed log: its seq and whose it is.
type Change struct {
	Seq       int64
	SubjectID string
}

// ChangeLog is an extension of a store: the rows of an append-only log by seq, so a node
// can follow what every node appends (Follower). On PostgreSQL a seq is taken when a row
// is inserted but seen when its transaction commits, so rows appear out of seq order and
// a seq may never appear (a rolled-back insert, a duplicate skipped by ON CONFLICT); the
// Follower copes with both.
type ChangeLog interface {
	// LogSince returns up to limit rows of log with after < seq < before (before 0: no
	// upper bound), in seq order.
	LogSince(ctx context.Context, log Log, after, before int64, limit int) ([]Change, error)
}
