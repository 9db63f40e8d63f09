package pricing

import (
	"context"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/store"
)

// Customer is what a quote may know of a person: whether they are a customer, since when
// and how often they bought (for loyalty rewards), what they spent (for the audit's band
// only — never a factor) and where they are (for the jurisdiction).
type Customer struct {
	SubjectID  string
	Known      bool
	Orders     int
	FirstOrder time.Time
	// Spend is what they paid in the last 365 days, in major units of whatever currency.
	Spend float64
	// Address and Seen are (country, region) from their address and their latest event.
	Address, Seen [2]string
}

// Customers finds a visitor's customer facts.
type Customers interface {
	Customer(ctx context.Context, userID, anonymousID string) (Customer, error)
}

// Identities resolves the shop's identifiers to subjects.
type Identities interface {
	LookupIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error)
}

// Indexer computes the keyed blind index of an identifier (the vault's).
type Indexer interface {
	Index(kind, value string) ([]byte, error)
}

// PurposeQuote is the purpose a quote reads a person's orders under: giving them the
// price of the contract they are about to make, loyalty terms included.
const PurposeQuote = "essential.service"

// ReaderCustomers reads customer facts through the purpose-scoped reader under
// PurposeQuote: the orders (count, first, totals) and the country, nothing else.
type ReaderCustomers struct {
	Index      Indexer
	Identities Identities
	Reader     *access.Reader
	Now        func() time.Time
}

var _ Customers = (*ReaderCustomers)(nil)

// Customer implements Customers. An identifier nobody has is a new customer.
func (c *ReaderCustomers) Customer(ctx context.Context, userID, anonymousID string) (Customer, error) {
	kind, v := store.IdentityUserID, userID
	if v == "" {
		kind, v = store.IdentityAnonymousID, anonymousID
	}
	if v == "" {
		return Customer{}, nil
	}
	h, err := c.Index.Index(kind, v)
	if err != nil {
		return Customer{}, nil
	}
	key := store.IdentityKey{Kind: kind, Hash: string(h)}
	found, err := c.Identities.LookupIdentities(ctx, []store.IdentityKey{key})
	if err != nil {
		return Customer{}, err
	}
	id := found[key]
	if id == "" {
		return Customer{}, nil
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	out := Customer{SubjectID: id, Known: true}
	var after int64
	for {
		evs, pg, err := c.Reader.EventsPage(ctx, access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem,
			Purpose: PurposeQuote, SubjectID: id, After: after, Limit: 1000})
		if err != nil {
			return Customer{}, err
		}
		for _, ev := range evs {
			fold(&out, ev, now)
		}
		after = pg.Last
		if !pg.More {
			return out, nil
		}
	}
}

// fold adds one readable event to the facts.
func fold(c *Customer, ev access.Event, now time.Time) {
	if ctx, ok := ev.Fields["context"].(map[string]any); ok {
		if l, ok := ctx["location"].(map[string]any); ok {
			country, _ := l["country"].(string)
			region, _ := l["region"].(string)
			if country != "" {
				c.Seen = [2]string{country, region}
			}
		}
	}
	if t, ok := ev.Fields["traits"].(map[string]any); ok {
		if a, ok := t["address"].(map[string]any); ok {
			country, _ := a["country"].(string)
			state, _ := a["state"].(string)
			if country != "" {
				c.Address = [2]string{country, state}
			}
		}
	}
	if ev.Type != "track" || !strings.EqualFold(ev.Name, "Order Completed") {
		return
	}
	c.Orders++
	if c.FirstOrder.IsZero() || ev.OccurredAt.Before(c.FirstOrder) {
		c.FirstOrder = ev.OccurredAt
	}
	if now.Sub(ev.OccurredAt) <= 365*24*time.Hour {
		if p, ok := ev.Fields["properties"].(map[string]any); ok {
			for _, k := range []string{"total", "revenue"} {
				if v, ok := p[k].(float64); ok && v > 0 {
					c.Spend += v
					break
				}
			}
		}
	}
}
