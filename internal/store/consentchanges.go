package store

import "context"

// ConsentChanges is an extension of a store: who had consent records appended lately, in
// append order, so a node can drop what it cached about them (the recommender's consent
// check learns of changes recorded through other nodes this way).
type ConsentChanges interface {
	// ConsentChangesSince returns the distinct subjects of up to limit consent records
	// appended after seq, in seq order, and the last seq it looked at (seq itself when
	// there is none).
	ConsentChangesSince(ctx context.Context, seq int64, limit int) ([]string, int64, error)
}
