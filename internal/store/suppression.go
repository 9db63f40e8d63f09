package store

import (
	"context"
	"time"
)

// Suppressions keeps the identifiers of erased people whose events are refused until the
// shop lifts it (Segment's "suppress and delete"): only keyed hashes of userIds, never the
// identifiers themselves (issue 16 item 7).
type Suppressions interface {
	// SuppressSubjectIdentities suppresses every userId linked to the subjects (held or
	// originating) and returns how many; a suppression lifted before is in force again.
	SuppressSubjectIdentities(ctx context.Context, subjectIDs []string, at time.Time) (int, error)
	// SuppressedIdentities returns which of keys are suppressed now.
	SuppressedIdentities(ctx context.Context, keys []IdentityKey) (map[IdentityKey]bool, error)
	// LiftSuppression lifts one; false when it was not in force.
	LiftSuppression(ctx context.Context, key IdentityKey, at time.Time) (bool, error)
}
