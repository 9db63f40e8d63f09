package store

import (
	"context"
	"errors"
	"time"
)

// ErrInsufficientPoints: a redemption asks for more points than the person holds.
var ErrInsufficientPoints = errors.New("not enough points")

// PointsEntry is one line of a person's points ledger (issue 25): points earned for a
// month of sharing in a tier, or spent. Entries are appended, never changed; points earned
// are never taken back (only an erasure deletes the person's ledger with the person).
type PointsEntry struct {
	ID        string
	SubjectID string
	Kind      string // "earn" or "spend"
	// Period is the month an earn entry pays for ("2026-11"); one earn entry per person and
	// month. Empty for spend entries.
	Period string
	Points int64 // positive
	Tier   string
	Reason string
	At     time.Time
}

// Subscription is a privacy subscription: while it runs no advertising purpose applies to
// the person, whatever their consents.
type Subscription struct {
	ID        string
	SubjectID string
	StartsAt  time.Time
	EndsAt    time.Time
	Source    string // "paid" (the shop's backend confirmed a payment) or "points"
	Ref       string // the payment reference or the spend entry
	CreatedAt time.Time
	Closed    bool // its end was recorded in the consent ledger
}

// Equity keeps points and subscriptions.
type Equity interface {
	// EarnPoints appends an earn entry; false when that person's period was already paid.
	EarnPoints(ctx context.Context, e PointsEntry) (bool, error)
	// PointsEntries returns a person's entries, oldest first.
	PointsEntries(ctx context.Context, subjectID string) ([]PointsEntry, error)
	// Redeem atomically checks the balance, appends the spend entry and, when sub is not nil,
	// starts the subscription the points pay for; ErrInsufficientPoints when the balance is
	// short (nothing is written).
	Redeem(ctx context.Context, spend PointsEntry, sub *Subscription) error
	// AddSubscription starts a paid subscription.
	AddSubscription(ctx context.Context, s Subscription) error
	// Subscriptions returns a person's subscriptions, oldest first.
	Subscriptions(ctx context.Context, subjectID string) ([]Subscription, error)
	// EndedSubscriptions returns up to limit subscriptions that ended at or before now and
	// whose end was not recorded yet.
	EndedSubscriptions(ctx context.Context, now time.Time, limit int) ([]Subscription, error)
	// CloseSubscription marks a subscription's end as recorded.
	CloseSubscription(ctx context.Context, id string) error
}
