package store

import (
	"context"
	"time"
)

// Identity kinds of contact details (issue 18 item 1): keyed blind indexes of a person's
// email address and phone number, normalised as the vault normalises them, written by
// ingestion when it keeps the trait. They live beside userIds and anonymousIds in the
// identities table, so merges move them, an un-merge hands them back and an erasure deletes
// them; nothing resolves a message through them, and one address points at one person (the
// first to give it).
const (
	IdentityEmail = "email"
	IdentityPhone = "phone"
)

// ContactIndexer is an optional extension of a Tx: IndexContacts links contact-detail
// identities (IdentityEmail, IdentityPhone) in the ingest transaction. A key already
// linked, to this subject or another, is left as it is: unlike LinkIdentities it never
// fails with ErrConflict.
type ContactIndexer interface {
	IndexContacts(ctx context.Context, links []IdentityLink) error
}

// Ingestion outcomes counted per day.
const (
	OutcomeReceived  = "received"
	OutcomeStored    = "stored"
	OutcomeDuplicate = "duplicate"
	OutcomeDropped   = "dropped"
)

// IngestCount is one day's count of one ingestion outcome: counts only, nobody named.
type IngestCount struct {
	Day     string // YYYY-MM-DD in UTC, by arrival
	Outcome string // OutcomeReceived, OutcomeStored, OutcomeDuplicate or OutcomeDropped
	Reason  string // the drop reason for OutcomeDropped, else ""
	N       int64
}

// OperatorLogin says how an operator signs in through the configured OpenID Connect
// provider: by the provider's issuer and subject, or by an email address the provider has
// verified. Either may be empty, not both.
type OperatorLogin struct {
	OperatorID string
	Issuer     string
	Subject    string
	Email      string // lower-case
}

// Console is what the operators' console reads and keeps beyond the domain services.
type Console interface {
	// AddIngestCounts adds counts to the day's totals (several nodes add to one day).
	AddIngestCounts(ctx context.Context, counts []IngestCount) error
	// IngestCounts returns the totals of the days from fromDay to toDay, both included.
	IngestCounts(ctx context.Context, fromDay, toDay string) ([]IngestCount, error)
	// ConsentChoiceCounts is ConsentCounts by the day each choice was made rather than the
	// day its record arrived: the message time ingestion put in a record's evidence
	// ("message_time") when earlier than its arrival, else the arrival. Records are
	// counted when the choice falls in [from, to).
	ConsentChoiceCounts(ctx context.Context, from, to time.Time) ([]ConsentCount, error)
	// IdentityKinds counts the identifiers pointing at a subject, by kind.
	IdentityKinds(ctx context.Context, subjectID string) (map[string]int64, error)
	// SetOperatorLogin records (or replaces) how an operator signs in.
	SetOperatorLogin(ctx context.Context, l OperatorLogin) error
	// OperatorLogins lists every operator's sign-in.
	OperatorLogins(ctx context.Context) ([]OperatorLogin, error)
	// OperatorByLogin finds the operator whose login has this issuer and subject, else
	// the one whose login has this email (when email is not empty); ErrNotFound if none.
	OperatorByLogin(ctx context.Context, issuer, subject, email string) (Operator, error)
}
