package dp_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/dp"
)

const purpose = "analytics.reporting"

// Issue 20's demo acceptance, on both stores: a budget, three reports, the third refused
// with the amounts; the refused one charges nothing, computes nothing, records nothing.
func TestThirdReportExhaustsBudget(t *testing.T) {
	eachStore(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		l := newLedger(t, st, dp.NewMemorySource(population(300, 1)))
		mustBudget(t, l, dp.BudgetSpec{Name: "growth", Consumer: "growth team", Epsilon: 1, Delta: 1e-5, Period: "30d"})
		spec := func(ev string) dp.Spec {
			return dp.Spec{Budget: "growth", Purpose: purpose, Measure: dp.Count, Event: ev, GroupBy: []string{"trait:city"},
				PublicKeys: map[string][]string{"trait:city": cities}, Epsilon: 0.4}
		}
		for i, ev := range []string{"Product Viewed", "Order Completed"} {
			r, err := l.Report(ctx, "op_1", spec(ev))
			if err != nil {
				t.Fatalf("report %d: %v", i+1, err)
			}
			if len(r.Cells) != len(cities) || r.Charged.Epsilon != 0.4 || r.Charged.Rho != 0 || r.ID == "" {
				t.Fatalf("report %d = %+v", i+1, r)
			}
		}
		before := len(leaves(t, st))
		_, err := l.Report(ctx, "op_1", spec(""))
		var ex *dp.BudgetExhaustedError
		if !errors.Is(err, dp.ErrBudgetExhausted) || !errors.As(err, &ex) {
			t.Fatalf("third report: err = %v, want ErrBudgetExhausted", err)
		}
		if ex.Budget != "growth" || ex.Cost.Epsilon != 0.4 || math.Abs(ex.Spent.Epsilon-0.8) > 1e-9 || ex.Limit.Epsilon != 1 ||
			math.Abs(ex.Remaining.Epsilon-0.2) > 1e-9 || ex.Spent.Charges != 2 {
			t.Fatalf("exhausted amounts = %+v", ex)
		}
		t.Logf("refusal: %v", err)
		b, err := l.Budget(ctx, "growth")
		if err != nil || b.Spent.Charges != 2 || math.Abs(float64(b.Spent.EpsilonTotal)-0.8) > 1e-9 || b.Period != "30d" || b.Consumer != "growth team" {
			t.Fatalf("budget after refusal = %+v, %v", b, err)
		}
		if n := len(leaves(t, st)); n != before {
			t.Fatalf("a refused report recorded %d audit leaves", n-before)
		}
	})
}

// Every release is a processing act in the audit log: dp_query, its purpose, the budget,
// measure, cost and cell count; never a subject.
func TestReleaseIsAudited(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	l := newLedger(t, st, dp.NewMemorySource(population(200, 2)))
	mustBudget(t, l, dp.BudgetSpec{Name: "b", Epsilon: 2, Delta: 1e-6, Period: "lifetime"})
	r, err := l.Report(ctx, "op_9", dp.Spec{Budget: "b", Purpose: purpose, Measure: dp.Sum, Event: "Order Completed", Property: "total",
		Bounds: []float64{0, 2000}, Epsilon: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	ls := leaves(t, st)
	if len(ls) != 2 {
		t.Fatalf("%d leaves, want 2 (the budget, the release)", len(ls))
	}
	if b := ls[0]; b.Act != audit.ActDefinitionChange || b.Actor != "op_test" || b.Subject != "" || b.Detail["privacy_budget"] != "b" ||
		b.Detail["change"] != "created" || b.Detail["epsilon"] != "2" || b.Detail["delta"] != "1e-06" || b.Detail["period"] != "lifetime" {
		t.Fatalf("budget leaf = %+v", b)
	}
	lf := ls[1]
	if lf.Act != audit.ActDPQuery || lf.Actor != "op_9" || lf.Purpose != purpose || lf.Subject != "" || lf.Recipient != "b" ||
		lf.Detail["budget"] != "b" || lf.Detail["measure"] != "sum" || lf.Detail["release"] != r.ID || lf.Detail["cells"] != "1" ||
		lf.Detail["noise"] != "gaussian" || lf.Detail["rho"] == "0" || lf.Detail["property"] != "total" {
		t.Fatalf("leaf = %+v", lf)
	}
	// A replay is not a new processing act.
	if _, err := l.Report(ctx, "op_9", r.Spec); err != nil {
		t.Fatal(err)
	}
	if n := len(leaves(t, st)); n != 2 {
		t.Fatalf("replay recorded a leaf: %d", n)
	}
}

// A dry run says what a report would cost and what would remain, and charges nothing.
func TestDryRun(t *testing.T) {
	eachStore(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		l := newLedger(t, st, dp.NewMemorySource(population(100, 3)))
		mustBudget(t, l, dp.BudgetSpec{Name: "b", Epsilon: 1, Delta: 1e-6, Period: "7d"})
		spec := dp.Spec{Budget: "b", Purpose: purpose, Measure: dp.CountPeople, GroupBy: []string{"event"}, Epsilon: 0.6, DryRun: true}
		r, err := l.Report(ctx, "op", spec)
		if err != nil {
			t.Fatal(err)
		}
		// Keys not declared: half the ε picks the cells, (ε/2, δ) charged as additive.
		if !r.DryRun || !r.Allowed || len(r.Cells) != 0 || r.Charged.Epsilon != 0.6 || r.Charged.Delta != dp.DefaultDelta ||
			math.Abs(r.Remaining.Epsilon-0.4) > 1e-9 || !r.Preview.Selection || r.Preview.KeptFrom < 2 || r.Preview.HalfWidth <= 0 {
			t.Fatalf("dry run = %+v", r)
		}
		if b, _ := l.Budget(ctx, "b"); b.Spent.Charges != 0 {
			t.Fatalf("dry run charged: %+v", b.Spent)
		}
		spec.Epsilon = 1.5
		r, err = l.Report(ctx, "op", spec)
		if err != nil || r.Allowed || r.Remaining.Epsilon >= 0 {
			t.Fatalf("too costly dry run = %+v, %v; want Allowed false and a negative remainder", r, err)
		}
		if n := len(leaves(t, st)); n != 1 { // the budget's creation
			t.Fatalf("dry runs recorded %d leaves", n-1)
		}
	})
}

// The same query over the same data returns the stored release without a new charge;
// new data is a new query.
func TestSameQueryReplays(t *testing.T) {
	eachStore(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		src := dp.NewMemorySource(population(200, 4))
		l := newLedger(t, st, src)
		mustBudget(t, l, dp.BudgetSpec{Name: "b", Epsilon: 1, Delta: 1e-6, Period: "lifetime"})
		spec := dp.Spec{Budget: "b", Purpose: purpose, Measure: dp.Mean, Event: "Product Viewed", Property: "price", Bounds: []float64{0, 500},
			GroupBy: []string{"tag:vip"}, Epsilon: 0.3}
		first, err := l.Report(ctx, "op", spec)
		if err != nil {
			t.Fatal(err)
		}
		again, err := l.Report(ctx, "op_other", spec)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Replayed || again.ID != first.ID || !reflect.DeepEqual(again.Cells, first.Cells) || again.Charged != (dp.Charge{}) {
			t.Fatalf("second run = %+v\nfirst = %+v", again, first)
		}
		dry := spec
		dry.DryRun = true
		if r, err := l.Report(ctx, "op", dry); err != nil || !r.Replayed || r.Charged != (dp.Charge{}) {
			t.Fatalf("dry run of a stored query = %+v, %v; want a free replay", r, err)
		}
		if got, err := l.Release(ctx, first.ID); err != nil || !reflect.DeepEqual(got.Cells, first.Cells) {
			t.Fatalf("Release(id) = %+v, %v", got, err)
		}
		if _, err := l.Release(ctx, "rel_nope"); !errors.Is(err, dp.ErrUnknownRelease) {
			t.Fatalf("unknown release: %v", err)
		}
		if rs, err := l.Releases(ctx, "b", 0); err != nil || len(rs) != 1 || rs[0].ID != first.ID || !reflect.DeepEqual(rs[0].Cells, first.Cells) {
			t.Fatalf("Releases = %+v, %v", rs, err)
		}
		b, _ := l.Budget(ctx, "b")
		if b.Spent.Charges != 1 {
			t.Fatalf("charges = %d, want 1", b.Spent.Charges)
		}
		src.Set(population(201, 4)) // new data: a new version
		third, err := l.Report(ctx, "op", spec)
		if err != nil || third.Replayed || third.ID == first.ID || third.Charged.Rho == 0 {
			t.Fatalf("after new data = %+v, %v; want a new, charged release", third, err)
		}
		if b, _ := l.Budget(ctx, "b"); b.Spent.Charges != 2 {
			t.Fatalf("charges = %d, want 2", b.Spent.Charges)
		}
	})
}

// Many goroutines asking different reports at once never overspend, and many asking the
// same report at once pay once and all get the one release (issue 20 item 2).
func TestConcurrentReports(t *testing.T) {
	eachStore(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		l := newLedger(t, st, dp.NewMemorySource(population(150, 5)))
		mustBudget(t, l, dp.BudgetSpec{Name: "b", Epsilon: 1, Period: "lifetime"})
		const workers = 24
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		var failures []error
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Distinct queries (ε differs), public cells, Laplace: pure ε = 0.1 + w·1e-4.
				_, err := l.Report(ctx, "op", dp.Spec{Budget: "b", Purpose: purpose, Measure: dp.Count, Epsilon: 0.1 + float64(w)*1e-4})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, dp.ErrBudgetExhausted):
					refused++
				default:
					failures = append(failures, err)
				}
			}()
		}
		wg.Wait()
		if len(failures) > 0 {
			t.Fatal(failures[0])
		}
		b, err := l.Budget(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		if ok+refused != workers || ok < 9 || ok > 10 || b.Spent.Charges != ok || b.Spent.Epsilon > 1+1e-9 {
			t.Fatalf("%d answered, %d refused, spend %+v; want at most ε=1", ok, refused, b.Spent)
		}

		mustBudget(t, l, dp.BudgetSpec{Name: "same", Epsilon: 1, Period: "lifetime"})
		same := dp.Spec{Budget: "same", Purpose: purpose, Measure: dp.Count, GroupBy: []string{"tag:vip"}, Epsilon: 0.5}
		results := make([]dp.Release, 8)
		errs := make([]error, 8)
		for i := range results {
			wg.Add(1)
			go func() { defer wg.Done(); results[i], errs[i] = l.Report(ctx, "op", same) }()
		}
		wg.Wait()
		charged := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("identical query %d: %v", i, errs[i])
			}
			if !reflect.DeepEqual(r.Cells, results[0].Cells) || r.ID != results[0].ID {
				t.Fatalf("identical queries got different answers: %+v vs %+v", r.Cells, results[0].Cells)
			}
			if r.Charged.Epsilon > 0 {
				charged++
			}
		}
		if b, _ := l.Budget(ctx, "same"); b.Spent.Charges != 1 || charged != 1 {
			t.Fatalf("identical queries: %d charges stored, %d answers say charged; want 1", b.Spent.Charges, charged)
		}
	})
}

// Budgets: validation, duplicates, limits changed by appending, rolling windows.
func TestBudgets(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := &now
	l, err := dp.New(dp.Config{Store: st, Source: dp.NewMemorySource(population(50, 6)), Recorder: recorder(st), Now: func() time.Time { return *clock }})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []dp.BudgetSpec{
		{Name: "", Epsilon: 1, Period: "lifetime"},
		{Name: "x y", Epsilon: 1, Period: "lifetime"},
		{Name: "b", Epsilon: 0, Period: "lifetime"},
		{Name: "b", Epsilon: math.NaN(), Period: "lifetime"},
		{Name: "b", Epsilon: 1, Delta: 0.5, Period: "lifetime"},
		{Name: "b", Epsilon: 1, Delta: -1, Period: "lifetime"},
		{Name: "b", Epsilon: 1, Period: ""},
		{Name: "b", Epsilon: 1, Period: "30m"},
	} {
		if _, err := l.CreateBudget(ctx, "op", bad); !errors.Is(err, dp.ErrInvalidSpec) {
			t.Errorf("CreateBudget(%+v) err = %v, want ErrInvalidSpec", bad, err)
		}
	}
	b := mustBudget(t, l, dp.BudgetSpec{Name: "daily", Epsilon: 0.5, Period: "24h"})
	if b.Consumer != "daily" || b.Period != "1d" || b.Remaining.Epsilon != 0.5 || b.Remaining.Rho != 0 {
		t.Fatalf("new budget = %+v", b)
	}
	if _, err := l.CreateBudget(ctx, "op", dp.BudgetSpec{Name: "daily", Epsilon: 1, Period: "lifetime"}); !errors.Is(err, dp.ErrBudgetExists) {
		t.Fatalf("duplicate: %v", err)
	}
	spec := dp.Spec{Budget: "daily", Purpose: purpose, Measure: dp.Count, Epsilon: 0.5}
	if _, err := l.Report(ctx, "op", spec); err != nil {
		t.Fatal(err)
	}
	spec.Epsilon = 0.25
	if _, err := l.Report(ctx, "op", spec); !errors.Is(err, dp.ErrBudgetExhausted) {
		t.Fatalf("over the daily budget: %v", err)
	}
	now = now.Add(24*time.Hour + time.Second) // the window rolls past the first charge
	if _, err := l.Report(ctx, "op", spec); err != nil {
		t.Fatalf("next day: %v", err)
	}
	// Raising the limit appends; the new limit applies at once. (ε = 0.5 again would be
	// the first query again, answered from its stored release for free.)
	spec.Epsilon = 0.4
	if _, err := l.Report(ctx, "op", spec); !errors.Is(err, dp.ErrBudgetExhausted) {
		t.Fatalf("before raise: %v", err)
	}
	if _, err := l.SetLimits(ctx, "op_2", dp.BudgetSpec{Name: "daily", Epsilon: 1, Delta: 1e-6, Period: "1d"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Report(ctx, "op", spec); err != nil {
		t.Fatalf("after raise: %v", err)
	}
	if h, err := st.PrivacyLimitsHistory(ctx, "daily"); err != nil || len(h) != 2 || h[0].Epsilon != 0.5 || h[1].Actor != "op_2" {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if _, err := l.SetLimits(ctx, "op", dp.BudgetSpec{Name: "nope", Epsilon: 1, Period: "1d"}); !errors.Is(err, dp.ErrUnknownBudget) {
		t.Fatalf("limits of a missing budget: %v", err)
	}
	if _, err := l.Report(ctx, "op", dp.Spec{Budget: "nope", Purpose: purpose, Measure: dp.Count, Epsilon: 1}); !errors.Is(err, dp.ErrUnknownBudget) {
		t.Fatalf("report on a missing budget: %v", err)
	}
	if bs, err := l.Budgets(ctx); err != nil || len(bs) != 1 || bs[0].Spent.Charges != 2 {
		t.Fatalf("Budgets = %+v, %v", bs, err)
	}
	// A budget without δ takes pure-ε Laplace reports over public cells only.
	mustBudget(t, l, dp.BudgetSpec{Name: "pure", Epsilon: 5, Period: "lifetime"})
	_, err = l.Report(ctx, "op", dp.Spec{Budget: "pure", Purpose: purpose, Measure: dp.Sum, Property: "total", Bounds: []float64{0, 1}, Epsilon: 0.1})
	var ex *dp.BudgetExhaustedError
	if !errors.As(err, &ex) {
		t.Fatalf("Gaussian report on a δ = 0 budget: %v", err)
	}
	// The edge sends the amounts as JSON: an ε no δ can cover is null, not a failure.
	js, jerr := json.Marshal(ex)
	if jerr != nil || !strings.Contains(string(js), `"epsilon_total":null`) {
		t.Fatalf("amounts as JSON = %s, %v", js, jerr)
	}
	t.Logf("refusal: %v; amounts %s", err, js)
}

// checkingSource refuses what its refuse says and remembers the queries it was asked the
// version of.
type checkingSource struct {
	*dp.MemorySource
	refuse  error
	mu      sync.Mutex
	queries []dp.Query
}

func (c *checkingSource) Check(context.Context, dp.Query) error { return c.refuse }

func (c *checkingSource) Version(ctx context.Context, q dp.Query) (string, error) {
	c.mu.Lock()
	c.queries = append(c.queries, q)
	c.mu.Unlock()
	return c.MemorySource.Version(ctx, q)
}

// A source's refusal comes before any charge, dry runs included; the version is asked for
// the query itself (its tags, segments, traits).
func TestSourceRefusesBeforeTheCharge(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	src := &checkingSource{MemorySource: dp.NewMemorySource(population(100, 9)),
		refuse: dp.ReportError("group_by[0]", "tag vip is built for personalize.content")}
	l := newLedger(t, st, src)
	mustBudget(t, l, dp.BudgetSpec{Name: "b", Epsilon: 1, Delta: 1e-6, Period: "lifetime"})
	spec := dp.Spec{Budget: "b", Purpose: purpose, Measure: dp.CountPeople, GroupBy: []string{"tag:vip"}, Epsilon: 0.5}
	for _, dry := range []bool{true, false} {
		spec.DryRun = dry
		_, err := l.Report(ctx, "op", spec)
		var se *dp.SpecError
		if !errors.Is(err, dp.ErrInvalidSpec) || !errors.As(err, &se) || se.Field != "group_by[0]" || !strings.Contains(err.Error(), "personalize.content") {
			t.Fatalf("dry run %v: %v", dry, err)
		}
	}
	if b, _ := l.Budget(ctx, "b"); b.Spent.Charges != 0 {
		t.Fatalf("a refused report charged: %+v", b.Spent)
	}
	if n := len(leaves(t, st)); n != 1 {
		t.Fatalf("a refused report recorded %d leaves", n-1)
	}
	src.refuse = nil
	r, err := l.Report(ctx, "op", spec)
	if err != nil || len(r.Cells) != 2 {
		t.Fatalf("report = %+v, %v", r, err)
	}
	if len(src.queries) != 1 || !reflect.DeepEqual(src.queries[0].Tags, []string{"vip"}) || src.queries[0].Purpose != purpose {
		t.Fatalf("version asked for %+v", src.queries)
	}
}
