package intake

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Store is where the daily totals are kept.
type Store interface {
	AddIngestCounts(ctx context.Context, counts []store.IngestCount) error
	IngestCounts(ctx context.Context, fromDay, toDay string) ([]store.IngestCount, error)
}

// Config is what a Counter needs. Store is required.
type Config struct {
	Store Store
	Now   func() time.Time // nil: time.Now
}

type key struct{ day, outcome, reason string }

// Counter counts ingestion outcomes per day.
type Counter struct {
	cfg     Config
	mu      sync.Mutex
	pending map[key]int64
	// flushing serialises flushes, so counts taken out of pending are in the store before
	// the next flush reads it back (Days never counts a message twice or not at all).
	flushing sync.Mutex
}

// New returns a Counter.
func New(cfg Config) *Counter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Counter{cfg: cfg, pending: map[key]int64{}}
}

// Add counts one request's messages.
func (c *Counter) Add(received, stored, duplicates int, droppedBy map[string]int) {
	day := c.cfg.Now().UTC().Format(time.DateOnly)
	c.mu.Lock()
	defer c.mu.Unlock()
	add := func(outcome, reason string, n int) {
		if n > 0 {
			c.pending[key{day, outcome, reason}] += int64(n)
		}
	}
	add(store.OutcomeReceived, "", received)
	add(store.OutcomeStored, "", stored)
	add(store.OutcomeDuplicate, "", duplicates)
	for reason, n := range droppedBy {
		add(store.OutcomeDropped, reason, n)
	}
}

// Flush adds the pending counts to the store. On failure they stay pending for the next.
func (c *Counter) Flush(ctx context.Context) error {
	c.flushing.Lock()
	defer c.flushing.Unlock()
	c.mu.Lock()
	batch := c.pending
	c.pending = map[key]int64{}
	c.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	counts := make([]store.IngestCount, 0, len(batch))
	for k, n := range batch {
		counts = append(counts, store.IngestCount{Day: k.day, Outcome: k.outcome, Reason: k.reason, N: n})
	}
	err := c.cfg.Store.AddIngestCounts(ctx, counts)
	if err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		for k, n := range batch {
			c.pending[k] += n
		}
		return fmt.Errorf("intake: flush: %w", err)
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more.
func (c *Counter) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			c.Flush(fctx)
			cancel()
			return
		case <-t.C:
			c.Flush(ctx) // a failure keeps the counts pending for the next tick
		}
	}
}

// Days returns the totals of the days from fromDay to toDay (YYYY-MM-DD, both included),
// what this process has not flushed yet added in, sorted by day, outcome and reason.
func (c *Counter) Days(ctx context.Context, fromDay, toDay string) ([]store.IngestCount, error) {
	// Holding flushing keeps a batch from being both in the store and in flight.
	c.flushing.Lock()
	defer c.flushing.Unlock()
	stored, err := c.cfg.Store.IngestCounts(ctx, fromDay, toDay)
	if err != nil {
		return nil, fmt.Errorf("intake: days: %w", err)
	}
	sum := map[key]int64{}
	for _, s := range stored {
		sum[key{s.Day, s.Outcome, s.Reason}] += s.N
	}
	c.mu.Lock()
	for k, n := range c.pending {
		if k.day >= fromDay && k.day <= toDay {
			sum[k] += n
		}
	}
	c.mu.Unlock()
	out := make([]store.IngestCount, 0, len(sum))
	for k, n := range sum {
		out = append(out, store.IngestCount{Day: k.day, Outcome: k.outcome, Reason: k.reason, N: n})
	}
	slices.SortFunc(out, func(a, b store.IngestCount) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Outcome, b.Outcome), cmp.Compare(a.Reason, b.Reason))
	})
	return out, nil
}
