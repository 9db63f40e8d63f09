package store

import (
	"context"
	"time"
)

// Definition kinds.
const (
	DefinitionTag     = "tag"
	DefinitionSegment = "segment"
)

// Definition is a tag or segment an operator defined through the API: configuration, not
// personal data. Spec is the definition as JSON.
type Definition struct {
	Kind      string
	Name      string
	Spec      []byte
	Actor     string
	UpdatedAt time.Time
}

// TagSuppression records that a person deleted a tag about themselves: it is never
// computed for them again (CAC algorithmic-recommendation provisions Art. 17).
type TagSuppression struct {
	SubjectID string
	Tag       string
	At        time.Time
}

// Profiles holds what the profile engine needs beyond events: operator definitions, the
// tags people deleted, and cheap ways to find subjects to (re)compute.
type Profiles interface {
	// PutDefinition creates or replaces a definition.
	PutDefinition(ctx context.Context, d Definition) error
	// DeleteDefinition removes one; ErrNotFound if there is none.
	DeleteDefinition(ctx context.Context, kind, name string) error
	// Definitions lists the definitions of a kind, by name.
	Definitions(ctx context.Context, kind string) ([]Definition, error)
	// SuppressTag records a deleted tag; recording it again keeps the first time.
	SuppressTag(ctx context.Context, s TagSuppression) error
	// TagSuppressions lists every recorded deletion.
	TagSuppressions(ctx context.Context) ([]TagSuppression, error)
	// LiveSubjects pages through subjects not merged into another, ordered by id, after
	// the given id.
	LiveSubjects(ctx context.Context, after string, limit int) ([]string, error)
	// ChangedSubjects returns the distinct subjects of up to limit events stored after
	// seq, in seq order, and the last seq it looked at (seq itself when there is none).
	ChangedSubjects(ctx context.Context, seq int64, limit int) ([]string, int64, error)
}
