package store

import (
	"context"
	"time"
)

// PriceQuote is one price Steward quoted (issue 24 item 3), kept for the fairness audit. It
// holds no identifier of the person: only the bands the audit compares (how long they have
// been a customer, the class of their device, how much they spend), so the record says
// "a mobile customer of over a year was quoted 95.00 for item X at 14:00", never who.
type PriceQuote struct {
	ID           string
	At           time.Time
	Item         string
	Channel      string
	Currency     string
	BasePrice    int64 // minor units
	Price        int64 // minor units
	Personalised bool
	TenureBand   string
	DeviceClass  string
	SpendBand    string
	Jurisdiction string
	// Rules are the names of the price rules applied, in order.
	Rules []string
}

// PriceQuotes keeps issued quotes (append-only).
type PriceQuotes interface {
	// AddPriceQuote appends a quote; ErrConflict if its id exists.
	AddPriceQuote(ctx context.Context, q PriceQuote) error
	// PriceQuote returns one quote; ErrNotFound if there is none.
	PriceQuote(ctx context.Context, id string) (PriceQuote, error)
	// PriceQuotes returns the quotes issued in [from, to), oldest first, at most limit.
	PriceQuotes(ctx context.Context, from, to time.Time, limit int) ([]PriceQuote, error)
}
