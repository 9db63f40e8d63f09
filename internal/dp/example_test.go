package dp_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// A budget of ε = 1 pays for two reports of ε = 0.4; the third is refused with the
// amounts, and the same query again is answered from the store for free.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "dp-example-")
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "steward.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	st.Migrate(ctx)
	rec := audit.NewRecorder(audit.RecorderConfig{Appender: audit.NewAppender(st), Pseudonymizer: audit.NewPseudonymizer([]byte("k"))})

	// The people the purpose may read (the app's Source is the purpose-scoped reader).
	at := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	var people []dp.Person
	for i := range 500 {
		p := dp.Person{ID: fmt.Sprint("s", i), Traits: map[string]string{"city": []string{"上海", "北京"}[i%2]}}
		p.Events = []dp.Event{{Name: "Order Completed", At: at, Props: map[string]float64{"total": float64(100 + i)}}}
		people = append(people, p)
	}
	led, err := dp.New(dp.Config{Store: st, Source: dp.NewMemorySource(people), Recorder: rec})
	if err != nil {
		panic(err)
	}
	if _, err := led.CreateBudget(ctx, "op_1", dp.BudgetSpec{Name: "growth", Epsilon: 1, Delta: 1e-6, Period: "30d"}); err != nil {
		panic(err)
	}
	byCity := dp.Spec{Budget: "growth", Purpose: "analytics.reporting", Measure: dp.CountPeople, GroupBy: []string{"trait:city"},
		PublicKeys: map[string][]string{"trait:city": {"上海", "北京"}}, Epsilon: 0.4}
	for _, s := range []dp.Spec{byCity, {Budget: "growth", Purpose: "analytics.reporting", Measure: dp.Count, Epsilon: 0.4}} {
		rel, err := led.Report(ctx, "op_1", s)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d cells, charged ε=%g, %.1f left\n", s.Measure, len(rel.Cells), rel.Charged.Epsilon, rel.Remaining.Epsilon)
	}
	_, err = led.Report(ctx, "op_1", dp.Spec{Budget: "growth", Purpose: "analytics.reporting", Measure: dp.Histogram,
		Property: "total", Bounds: []float64{0, 1000}, Epsilon: 0.4})
	var ex *dp.BudgetExhaustedError
	fmt.Println(errors.Is(err, dp.ErrBudgetExhausted), errors.As(err, &ex) && ex.Remaining.Epsilon < 0.4)
	again, _ := led.Report(ctx, "op_1", byCity)
	fmt.Printf("again: replayed=%v, charged ε=%g\n", again.Replayed, again.Charged.Epsilon)
	// Output:
	// count_people: 2 cells, charged ε=0.4, 0.6 left
	// count: 1 cells, charged ε=0.4, 0.2 left
	// true true
	// again: replayed=true, charged ε=0
}
