package store

import "context"

// DataVersion is where the personal data stands: numbers that move whenever events are
// stored or erased, consent is recorded, people are merged or erased, or a data key is
// shredded. A keeper of something derived from personal data (the DP report cache,
// internal/dp/stored) compares two of them to know whether it is out of date.
type DataVersion struct {
	// EventSeq is the highest event seq (0: none); Events counts the events. Events are
	// removed only by erasure, so a new event moves EventSeq and an erasure moves Events.
	EventSeq, Events int64
	// ConsentSeq is the highest consent record seq; Consents counts the records (the
	// ledger is append-only: every change of mind moves both).
	ConsentSeq, Consents int64
	// Subjects counts live subjects (a merge or an erasure moves it); Keys counts data keys
	// (a shredded key moves it).
	Subjects, Keys int64
}

// Changes tells whoever keeps data derived from personal data what changed since it last
// looked. Events changed are found with Profiles.ChangedSubjects.
type Changes interface {
	// DataVersion returns where the personal data stands now, read in one statement.
	DataVersion(ctx context.Context) (DataVersion, error)
	// ConsentChanges returns the distinct subjects of up to limit consent records stored
	// after seq, in seq order, and the last seq it looked at (seq itself when there is
	// none).
	ConsentChanges(ctx context.Context, seq int64, limit int) ([]string, int64, error)
}
