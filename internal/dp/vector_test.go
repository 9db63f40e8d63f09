package dp_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/dp"
)

// NoisyVector (issue 23: the sum of a secure-aggregation round) charges ρ = Δ²/(2σ²)
// before it draws, records a dp_query act, answers a round once, and refuses a release
// the budget cannot pay for — on both stores.
func TestNoisyVector(t *testing.T) {
	eachStore(t, func(t *testing.T, st testStore) {
		ctx := context.Background()
		l := newLedger(t, st, dp.NewMemorySource(nil))
		mustBudget(t, l, dp.BudgetSpec{Name: "fl", Epsilon: 1.5, Delta: 1e-5, Period: "lifetime"})
		spec := dp.VectorSpec{Budget: "fl", Purpose: purpose, Measure: "federated_sum", Epsilon: 1, Delta: 1e-6, L2Sensitivity: 2, Round: "r1"}
		v := []float64{100, -50, 0}
		out, c, err := l.NoisyVector(ctx, "system", spec, v)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 3 || out[0] == v[0] || !(c.Rho > 0) {
			t.Fatalf("release %v, charge %+v", out, c)
		}
		// σ for (1, 1e-6) at Δ = 2 is under 10: the noisy values stay near the truth.
		for i := range v {
			if math.Abs(out[i]-v[i]) > 100 {
				t.Fatalf("coordinate %d: %g for %g", i, out[i], v[i])
			}
		}
		var found bool
		for _, lf := range leaves(t, st) {
			if lf.Act == audit.ActDPQuery && lf.Detail["round"] == "r1" && lf.Detail["measure"] == "federated_sum" {
				found = true
			}
		}
		if !found {
			t.Fatal("no dp_query leaf for the release")
		}
		if _, _, err := l.NoisyVector(ctx, "system", spec, v); !errors.Is(err, dp.ErrReplayed) {
			t.Fatalf("same round again: %v, want ErrReplayed", err)
		}
		// Rounds compose in zCDP (ρ adds up): the budget admits a few, then refuses.
		rounds := 1
		for ; rounds < 20; rounds++ {
			spec.Round = "r" + string(rune('a'+rounds))
			if _, _, err := l.NoisyVector(ctx, "system", spec, v); errors.Is(err, dp.ErrBudgetExhausted) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		b, err := l.Budget(ctx, "fl")
		if err != nil || rounds == 20 || b.Spent.Charges != rounds || float64(b.Spent.EpsilonTotal) > 1.5 {
			t.Fatalf("after %d rounds: %+v, %v", rounds, b.Spent, err)
		}
		t.Logf("a (1.5, 1e-5) budget paid for %d rounds at (1, 1e-6) each", rounds)
		bad := spec
		bad.L2Sensitivity = 0
		if _, _, err := l.NoisyVector(ctx, "system", bad, v); !errors.Is(err, dp.ErrInvalidSpec) {
			t.Fatalf("zero sensitivity: %v", err)
		}
	})
}
