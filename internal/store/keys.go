package store

import (
	"context"
	"time"
)

// SubjectKey is a subject's data key, wrapped (encrypted) by a key-encryption key. The
// store never sees a data key in clear. Deleting the row is crypto-shredding: every
// ciphertext sealed under it, including copies in backups, becomes unreadable.
type SubjectKey struct {
	SubjectID string
	KEKID     string
	Wrapped   []byte
	CreatedAt time.Time
}

// KeyAccess reads and creates data keys. Both a Store and a Tx offer it: a key created
// inside a transaction commits (or rolls back) together with the data sealed under it,
// so a ciphertext can never outlive a key that was never stored.
type KeyAccess interface {
	// PutSubjectKey stores a new key; if the subject already has one it fails with
	// ErrConflict (two writers raced: the caller re-reads and uses the stored key).
	PutSubjectKey(ctx context.Context, k SubjectKey) error
	// GetSubjectKey returns the subject's key or ErrNotFound.
	GetSubjectKey(ctx context.Context, subjectID string) (SubjectKey, error)
}

// SubjectKeys keeps wrapped data keys.
type SubjectKeys interface {
	KeyAccess
	// DeleteSubjectKey destroys the key; deleting a missing key is not an error.
	DeleteSubjectKey(ctx context.Context, subjectID string) error
	// ListSubjectKeys returns up to limit keys not wrapped by exceptKEK, ordered by subject
	// id, starting after the cursor subject id (rotation walks the table this way and can
	// resume where it stopped).
	ListSubjectKeys(ctx context.Context, exceptKEK, after string, limit int) ([]SubjectKey, error)
	// RewrapSubjectKey replaces a key's wrapping only if it is still wrapped by fromKEK, so a
	// concurrent erasure or rotation is never overwritten. It reports whether it replaced.
	RewrapSubjectKey(ctx context.Context, k SubjectKey, fromKEK string) (bool, error)
}
