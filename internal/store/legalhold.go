package store

import (
	"context"
	"time"
)

// HeldRecord is a record kept after an erasure because the law requires it, pseudonymised.
type HeldRecord struct {
	Pseudonym  string
	Kind       string // e.g. "order"
	OccurredAt time.Time
	KeptUntil  time.Time
	Basis      string // the law that requires keeping it
	Record     []byte // JSON without identifiers
}

// LegalHold keeps held records. There is deliberately no read by subject: only by
// pseudonym, for an auditor or a tax inspection.
type LegalHold interface {
	HoldRecords(ctx context.Context, records []HeldRecord) error
	HeldRecords(ctx context.Context, pseudonym string) ([]HeldRecord, error)
}
