package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// HeldLink is a link between two identified subjects (each holds a userId) that a
// client-side call asked for and ingestion did not make: the write key is public, so
// only an operator may join two known customers (issue 17 item 1). Approving it merges
// From into Into; rejecting keeps them apart. Ids are internal subject ids only.
type HeldLink struct {
	ID        string
	From      string // the subject that would be merged away
	Into      string // the subject that would survive (the message's userId)
	Reason    string // the message type that asked: identify, alias, track, …
	SourceID  string
	CreatedAt time.Time
	Status    string // LinkPending, LinkApproved or LinkRejected
	DecidedAt *time.Time
	DecidedBy string // operator id
}

// Held link statuses.
const (
	LinkPending  = "pending"
	LinkApproved = "approved"
	LinkRejected = "rejected"
)

// HeldLinkID names the held link between two subjects, so asking again for the same link
// holds it once (and a decided one stays decided).
func HeldLinkID(from, into string) string {
	h := sha256.Sum256([]byte("steward/held-link\x00" + from + "\x00" + into))
	return "hl_" + hex.EncodeToString(h[:10])
}

// LinkReview reads held links for operators.
type LinkReview interface {
	// HeldLinks returns up to limit held links with status (all when ""), newest first.
	HeldLinks(ctx context.Context, status string, limit int) ([]HeldLink, error)
	// HeldLink returns one held link or ErrNotFound.
	HeldLink(ctx context.Context, id string) (HeldLink, error)
}
