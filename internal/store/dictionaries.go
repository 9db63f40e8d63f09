package store

import (
	"context"
	"time"
)

// Dictionary is a compression dictionary the vault compresses sealed payloads of one kind
// with (issue 27 item 1). Every sealed payload names the dictionary it was compressed with
// by ID, so dictionaries are never changed or deleted: a new one gets a new id and old rows
// keep opening with theirs. Content holds no personal data: the vault builds it only from
// JSON structure and from values it saw in the payloads of at least People distinct subjects
// (package vault, "Compression").
type Dictionary struct {
	// ID is assigned by the store (1, 2, ...); it fits a zstd dictionary id (32 bits).
	ID int64
	// Binding is the table and field the dictionary serves, as "table.field".
	Binding string
	// Content is a raw zstd content dictionary.
	Content []byte
	// Samples and People say what it was trained on: how many payloads, of how many
	// distinct subjects; MinPeople is how many subjects a value had to appear for to be kept.
	Samples, People, MinPeople int
	CreatedAt                  time.Time
}

// Dictionaries keeps compression dictionaries.
type Dictionaries interface {
	// PutDictionary stores a new dictionary and returns its id.
	PutDictionary(ctx context.Context, d Dictionary) (int64, error)
	// GetDictionary returns the dictionary with this id, or ErrNotFound.
	GetDictionary(ctx context.Context, id int64) (Dictionary, error)
	// LatestDictionary returns the newest dictionary for binding, or ErrNotFound.
	LatestDictionary(ctx context.Context, binding string) (Dictionary, error)
}
