package store

import (
	"context"
	"time"
)

// KeyringLease says that a process uses the keyring against this store. Servers hold a
// shared lease while they serve; a key rotation holds an exclusive one. Rotation retires
// old key-encryption keys, which is only safe when no other process can still be wrapping
// new data keys under them: a lease taken through the store coordinates every node and
// every data directory that shares the database (issue 17 item 4).
type KeyringLease struct {
	Holder    string // a random id of the holding process
	Exclusive bool
	// Info names the holder for people (host and process id, what it does); no secrets.
	Info  string
	Until time.Time // the lease lapses then unless renewed
}

// KeyringLeases coordinates keyring users.
type KeyringLeases interface {
	// AcquireKeyringLease records l, or renews it when l.Holder already holds a lease of
	// the same kind. It fails with ErrConflict, returning the leases in the way, when a
	// conflicting lease is live at now (Until after now): an exclusive lease conflicts with
	// every other holder's lease, a shared one with every other holder's exclusive one. The
	// check and the write are one atomic step across processes.
	AcquireKeyringLease(ctx context.Context, l KeyringLease, now time.Time) ([]KeyringLease, error)
	// ReleaseKeyringLease drops holder's lease; releasing none is not an error.
	ReleaseKeyringLease(ctx context.Context, holder string) error
}
