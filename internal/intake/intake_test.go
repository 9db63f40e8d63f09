package intake_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/intake"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

func open(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func total(cs []store.IngestCount, day, outcome, reason string) int64 {
	for _, c := range cs {
		if c.Day == day && c.Outcome == outcome && c.Reason == reason {
			return c.N
		}
	}
	return 0
}

// Counts are seen before and after a flush exactly once, per day of arrival, and two
// counters (two nodes) add to the same totals.
func TestCountsPerDayAcrossFlushesAndNodes(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	now := time.Date(2026, 5, 1, 23, 59, 0, 0, time.UTC)
	a := intake.New(intake.Config{Store: st, Now: func() time.Time { return now }})
	b := intake.New(intake.Config{Store: st, Now: func() time.Time { return now }})
	a.Add(10, 7, 1, map[string]int{"no_legal_basis": 2})
	b.Add(5, 5, 0, nil)
	days, err := a.Days(ctx, "2026-05-01", "2026-05-01")
	if err != nil || total(days, "2026-05-01", store.OutcomeReceived, "") != 10 {
		t.Fatalf("before flush (a sees only its own pending) = %+v, %v", days, err)
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute) // the next day
	a.Add(3, 0, 0, map[string]int{"no_legal_basis": 3})
	days, err = a.Days(ctx, "2026-05-01", "2026-05-02")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		day, outcome, reason string
		n                    int64
	}{
		{"2026-05-01", store.OutcomeReceived, "", 15}, {"2026-05-01", store.OutcomeStored, "", 12},
		{"2026-05-01", store.OutcomeDuplicate, "", 1}, {"2026-05-01", store.OutcomeDropped, "no_legal_basis", 2},
		{"2026-05-02", store.OutcomeReceived, "", 3}, {"2026-05-02", store.OutcomeDropped, "no_legal_basis", 3},
	} {
		if got := total(days, c.day, c.outcome, c.reason); got != c.n {
			t.Errorf("%s %s %s = %d, want %d", c.day, c.outcome, c.reason, got, c.n)
		}
	}
	if len(days) != 6 {
		t.Fatalf("days = %+v", days)
	}
}

type failing struct{ intake.Store }

func (failing) AddIngestCounts(context.Context, []store.IngestCount) error {
	return errors.New("disk full")
}

// A failed flush keeps the counts: nothing is lost, and a later flush stores them.
func TestFailedFlushKeepsCounts(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	c := intake.New(intake.Config{Store: failing{st}})
	c.Add(4, 4, 0, nil)
	if err := c.Flush(ctx); err == nil {
		t.Fatal("flush to a failing store succeeded")
	}
	day := time.Now().UTC().Format(time.DateOnly)
	days, err := c.Days(ctx, day, day)
	if err != nil || total(days, day, store.OutcomeReceived, "") != 4 {
		t.Fatalf("after a failed flush = %+v, %v", days, err)
	}
}
