package store

import (
	"context"
	"time"
)

// Subject is a person Steward holds data about, known only by an internal id. Identifiers
// from the outside (userId, anonymousId) point at subjects through Identities, as keyed
// hashes, never in clear.
type Subject struct {
	ID        string
	SourceID  string
	CreatedAt time.Time
	// MergedInto is set when this subject was merged into another (anonymous history
	// joining a known customer); empty for live subjects.
	MergedInto string
}

// Identity kinds.
const (
	IdentityUserID      = "user_id"
	IdentityAnonymousID = "anonymous_id"
)

// IdentityKey names an outside identifier by kind and keyed hash (blind index).
type IdentityKey struct {
	Kind string
	Hash string // the raw digest bytes, as a string so keys can index maps
}

// IdentityLink binds an identifier to a subject.
type IdentityLink struct {
	Key       IdentityKey
	SubjectID string
	CreatedAt time.Time
}

// Identities resolves and links outside identifiers.
type Identities interface {
	// LookupIdentities returns the subject of each known key; unknown keys are absent.
	LookupIdentities(ctx context.Context, keys []IdentityKey) (map[IdentityKey]string, error)
	// CreateSubjects stores new subjects.
	CreateSubjects(ctx context.Context, subjects []Subject) error
	// LinkIdentities stores new links; a key already linked fails with ErrConflict.
	LinkIdentities(ctx context.Context, links []IdentityLink) error
	// MergeSubjects moves every identity and event of from onto into and records the
	// merge; each row keeps its origin so UnmergeSubject can undo it.
	MergeSubjects(ctx context.Context, from, into, reason string, at time.Time) error
	// InsertEvents is Events.InsertEvents inside the transaction.
	InsertEvents(ctx context.Context, events []Event) (int, error)
	// IdentifiedSubjects reports which of the subjects hold a userId identity (directly or
	// through a subject merged into them); unknown ids are absent.
	IdentifiedSubjects(ctx context.Context, ids []string) (map[string]bool, error)
	// HoldLink records a link ingestion did not make (l.ID is HeldLinkID(l.From, l.Into)).
	// A link held before, pending or decided, is left as it is.
	HoldLink(ctx context.Context, l HeldLink) error
	// DecideLink moves a pending held link to status (LinkApproved or LinkRejected) and
	// returns it as it was: ErrNotFound when there is none, ErrConflict when it was decided
	// already. The caller merges in the same transaction when it approves.
	DecideLink(ctx context.Context, id, status, by string, at time.Time) (HeldLink, error)
}

// IdentityEpochs is an optional extension of a Store and of its Tx: a number that moves
// whenever a change to identities commits (a link, a merge, an un-merge, an erasure).
// Read outside a transaction before LookupIdentities, and again inside a write
// transaction, an unchanged epoch proves the lookup still holds. Stores that cannot keep
// such a number cheaply and exactly (PostgreSQL, where concurrent writers would all wait
// on one counter row) do not implement it, and ingestion looks up twice.
type IdentityEpochs interface {
	IdentityEpoch(ctx context.Context) (int64, error)
}

// Tx is the set of operations that may run together in one transaction.
type Tx interface {
	Identities
	KeyAccess
	// AppendConsent records consent signals carried by the events being ingested, in
	// the same transaction as the events.
	AppendConsent(ctx context.Context, records []ConsentRecord) error
}

// Transactor runs fn in one transaction: every write fn makes commits together or not at
// all. fn may be retried by the caller on ErrConflict (a concurrent writer linked the same
// identifier first).
type Transactor interface {
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// LookupIdentities is Tx.LookupIdentities outside a transaction: what was committed
	// when it ran. Ingestion resolves identities with it before taking the writer, then
	// checks the answer again inside the transaction (or, where the store implements
	// IdentityEpochs, checks that the epoch has not moved).
	LookupIdentities(ctx context.Context, keys []IdentityKey) (map[IdentityKey]string, error)
	// Subject reads a subject record (no personal data: ids and times only).
	Subject(ctx context.Context, id string) (Subject, error)
	// UnmergeSubject reverses every merge of from: its identities and events return to it.
	// Erasure uses it to separate a wrongly linked history before deleting.
	UnmergeSubject(ctx context.Context, from string) error
	// CountSubjects returns how many live (not merged-away) subjects exist.
	CountSubjects(ctx context.Context) (int64, error)
	// IdentifiedSubjects is Tx.IdentifiedSubjects outside a transaction.
	IdentifiedSubjects(ctx context.Context, ids []string) (map[string]bool, error)
}
