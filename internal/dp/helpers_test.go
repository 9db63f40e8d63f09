package dp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// day0 is the first day of the synthetic shop.
var day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

var cities = []string{"上海", "北京", "广州", "深圳"}

// population returns n deterministic people over 28 days: Product Viewed (price 1..500),
// Order Completed (total 10..2000), a city trait, a vip tag on every fifth person.
func population(n int, seed uint64) []dp.Person {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]dp.Person, n)
	for i := range out {
		p := dp.Person{ID: fmt.Sprintf("sub_%06d", i), Traits: map[string]string{"city": cities[r.IntN(len(cities))]}}
		if i%5 == 0 {
			p.Tags = []string{"vip"}
		}
		for k := 1 + r.IntN(12); k > 0; k-- {
			at := day0.Add(time.Duration(r.IntN(28*24*60)) * time.Minute)
			p.Events = append(p.Events, dp.Event{Name: "Product Viewed", At: at, Props: map[string]float64{"price": float64(1 + r.IntN(500))}})
			if r.IntN(4) == 0 {
				p.Events = append(p.Events, dp.Event{Name: "Order Completed", At: at.Add(time.Minute), Campaign: "spring",
					Props: map[string]float64{"total": float64(10 + r.IntN(1991))}})
			}
		}
		out[i] = p
	}
	return out
}

// testStore is what both backends are: a store, a privacy-budget store and an audit log.
type testStore interface {
	store.Store
	store.PrivacyBudgets
	audit.Store
}

// recorder wraps a real audit recorder over the test's store.
func recorder(st testStore) *audit.Recorder {
	return audit.NewRecorder(audit.RecorderConfig{Appender: audit.NewAppender(st), Pseudonymizer: audit.NewPseudonymizer([]byte("test-secret"))})
}

// leaves returns every audit leaf of the store.
func leaves(t *testing.T, st testStore) []audit.Leaf {
	t.Helper()
	ctx := context.Background()
	n, err := st.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := st.ReadLeaves(ctx, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]audit.Leaf, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func openSQLite(t *testing.T) testStore {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func openPostgres(t *testing.T) testStore {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.Schema(t, pgtest.URL(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// eachStore runs fn as a subtest on SQLite and on PostgreSQL (skipped locally when none
// is reachable, mandatory in CI).
func eachStore(t *testing.T, fn func(t *testing.T, st testStore)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, openPostgres(t)) })
}

// newLedger returns a ledger over st and src.
func newLedger(t *testing.T, st testStore, src dp.Source) *dp.Ledger {
	t.Helper()
	l, err := dp.New(dp.Config{Store: st, Source: src, Recorder: recorder(st)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustBudget(t *testing.T, l *dp.Ledger, s dp.BudgetSpec) dp.Budget {
	t.Helper()
	b, err := l.CreateBudget(context.Background(), "op_test", s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
