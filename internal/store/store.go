package store

import (
	"context"
	"crypto/sha256"
	"time"
)

// Store is the persistence contract shared by every backend.
type Store interface {
	// Dialect names the backend ("sqlite" or "postgres").
	Dialect() string
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Migrate applies pending schema migrations and returns how many it applied.
	// It is idempotent and safe to call concurrently from several processes.
	Migrate(ctx context.Context) (int, error)
	// SchemaVersion returns the highest applied migration.
	SchemaVersion(ctx context.Context) (int, error)
	// Close releases the store; in-flight calls finish first.
	Close() error

	Operators
	Tokens
	Sources
	Events
	Settings
	Transactor
	SubjectKeys
	Sessions
	ConsentLedger
	Erasure
	Manifests
	Rights
	LegalHold
	Profiles
	Suppressions
	PrivacyBudgets
	KeyringLeases
	LinkReview
	Equity
	Campaigns
	RightsWork
	Changes
	Retention
	Transfers
	Assessments
	Incidents
	Dictionaries
}

// Operators keeps staff accounts.
type Operators interface {
	CreateOperator(ctx context.Context, op Operator) error
	GetOperator(ctx context.Context, id string) (Operator, error)
	// ListOperators returns every operator ordered by creation time, then id.
	ListOperators(ctx context.Context) ([]Operator, error)
}

// Tokens keeps operator API tokens by digest.
type Tokens interface {
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns the token whose digest is hash, revoked or not; callers check
	// Token.Usable.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// ListTokens returns the tokens of one operator, or of all operators when operatorID is "".
	ListTokens(ctx context.Context, operatorID string) ([]Token, error)
	// RevokeToken marks a token revoked; revoking twice keeps the first time.
	RevokeToken(ctx context.Context, id string, at time.Time) error
}

// Sources keeps event sources and their write-key digests.
type Sources interface {
	CreateSource(ctx context.Context, s Source) error
	SourceByKeyHash(ctx context.Context, hash []byte) (Source, error)
	ListSources(ctx context.Context) ([]Source, error)
}

// Events keeps collected events.
type Events interface {
	// InsertEvents stores a batch in one transaction and returns how many rows were new;
	// rows whose (SourceID, MessageID) already exist are skipped (idempotent retries).
	InsertEvents(ctx context.Context, events []Event) (int, error)
	// CountEvents returns how many events are stored.
	CountEvents(ctx context.Context) (int64, error)
	// RawSubjectEvents returns up to limit of the subject's events with Seq > after, in Seq
	// order, bodies still sealed. It is the raw query layer: only the purpose-scoped
	// reader (package access) may call it, which a test enforces (issue 3 item 4).
	RawSubjectEvents(ctx context.Context, subjectID string, after int64, limit int) ([]Event, error)
}

// Settings keeps small named values (deployment markers such as "demo.seeded").
type Settings interface {
	GetSetting(ctx context.Context, name string) (string, error)
	PutSetting(ctx context.Context, name, value string) error
}

// Operator is a staff account.
type Operator struct {
	ID        string
	Name      string
	Role      string
	CreatedAt time.Time
}

// Token is an operator API token. Only its SHA-256 digest is stored.
type Token struct {
	ID         string
	OperatorID string
	Name       string
	Hash       []byte
	Scopes     []string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// Usable reports whether the token may authenticate at instant now.
func (t Token) Usable(now time.Time) bool {
	if t.RevokedAt != nil && !now.Before(*t.RevokedAt) {
		return false
	}
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return false
	}
	return true
}

// Source is an origin of events (a web shop, an app, a backend) with its own write key.
type Source struct {
	ID        string
	Name      string
	KeyHash   []byte
	CreatedAt time.Time
	// ServerSide marks a source whose write key is used only by the shop's own servers,
	// never shipped to a browser or app: its calls may merge identified people (issue 17
	// item 1). Browser keys are public.
	ServerSide bool
}

// Event is one collected message. Body is opaque to the store.
type Event struct {
	// Seq is the store's insertion order (set on read; ignored on insert).
	Seq int64
	// SourceID and MessageID recognise a retried message on insert; the stores keep only
	// their key (EventKey), so reads return them empty. The body holds the message id.
	SourceID  string
	MessageID string
	SubjectID string
	// OriginSubjectID is the subject the event was first stored under; it differs from
	// SubjectID after a merge. Empty means SubjectID.
	OriginSubjectID string
	Type            string
	Name            string
	OccurredAt      time.Time
	ReceivedAt      time.Time
	Body            []byte
}

// EventKey is how both stores recognise a retried message (issue 27 item 1): the first 16
// bytes of SHA-256 over the source id, a NUL and the message id. One 16-byte column and index
// entry replace the two text columns a row used to repeat in a unique index; a collision
// within 2^64 stored events is a one-in-2^64 chance.
func EventKey(sourceID, messageID string) []byte {
	h := sha256.New()
	h.Write([]byte(sourceID))
	h.Write([]byte{0})
	h.Write([]byte(messageID))
	return h.Sum(nil)[:16]
}
