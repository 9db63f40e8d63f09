package store

import "context"

// Erasure removes a person from the store (issue 6 item 4, issue 9 item 3).
type Erasure interface {
	// SubjectFamily returns the subject and every subject merged into it, directly or
	// through others: their events were sealed under each one's own key, so erasing the
	// person means shredding all of those keys.
	SubjectFamily(ctx context.Context, subjectID string) ([]string, error)
	// EraseSubjects deletes, in one transaction, every row keyed by the subjects: events
	// (held or originating), identities (the blind indexes), merge history, sessions, data
	// keys and the subject rows. The consent ledger is kept: it is the proof of consent the
	// law requires, keyed only by the internal id, which nothing links to a person any
	// more once identities are gone. The same transaction appends each id to the erasure
	// log (LogErasures), which other nodes follow to drop the person from memory.
	EraseSubjects(ctx context.Context, subjectIDs []string) error
	// SubjectFootprint counts the rows each table still holds for a subject: the
	// completeness check after an erasure.
	SubjectFootprint(ctx context.Context, subjectID string) (map[string]int64, error)
}

// ErasureTables are the tables EraseSubjects clears and SubjectFootprint counts, with the
// columns that name a subject.
var ErasureTables = []struct{ Table, Column string }{
	{"events", "subject_id"},
	{"events", "origin_subject_id"},
	{"identities", "subject_id"},
	{"identities", "origin_subject_id"},
	{"subject_merges", "from_subject"},
	{"subject_merges", "into_subject"},
	{"subject_sessions", "subject_id"},
	{"subject_keys", "subject_id"},
	{"tag_suppressions", "subject_id"},
	{"held_links", "from_subject"},
	{"held_links", "into_subject"},
	{"points_entries", "subject_id"},
	{"subscriptions", "subject_id"},
	// Campaign messages and journey states name a person. (A synced ad audience holds
	// hashes keyed by no subject: the next sync drops an erased person's hash.)
	{"campaign_messages", "subject_id"},
	{"journey_states", "subject_id"},
	{"subjects", "id"},
}
