package federated_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/federated"
	"github.com/stewardhq/steward/internal/server/partnerlink/linktest"
)

type noPeople struct{}

func (noPeople) People(context.Context, dp.Query, func(*dp.Person) error) error { return nil }
func (noPeople) Version(context.Context, dp.Query) (string, error)              { return "", nil }

// TestDPNoiseChargedToTheLedger runs rounds in one process (the cross-process runs are
// above) with the coordinator adding Gaussian noise through the real DP ledger on
// SQLite: the noisy sum is near the true one, the budget is charged per round, the
// release is a dp_query act, and an exhausted budget aborts the round without a sum.
func TestDPNoiseChargedToTheLedger(t *testing.T) {
	ctx := context.Background()
	log, err := linktest.OpenAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	led, err := dp.New(dp.Config{Store: log.Store, Source: noPeople{}, Recorder: log.Recorder})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.CreateBudget(ctx, "op", dp.BudgetSpec{Name: "fl", Epsilon: 2, Delta: 1e-5, Period: "lifetime"}); err != nil {
		t.Fatal(err)
	}
	roster := []string{"a", "b", "c"}
	const l2 = float64(federated.UpdateScale) // each party's vector clipped to norm 1 (in fixed point)
	coord := &federated.Coordinator{Parties: roster, Length: 4, Timeout: 2 * time.Second, L2: l2,
		Noise: federated.LedgerNoise{Ledger: led, Actor: "system", Budget: "fl", Purpose: flPurpose, Epsilon: 1, Delta: 1e-6}}
	run := func(round string) ([]federated.Result, []error) {
		res := make([]federated.Result, len(roster))
		errs := make([]error, len(roster))
		var wg sync.WaitGroup
		for i, name := range roster {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := federated.NewClient(federated.Round{ID: round, Parties: roster, Length: 4}, name)
				if err != nil {
					errs[i] = err
					return
				}
				call := func(ctx context.Context, step string, body []byte) ([]byte, error) {
					return coord.Handle(ctx, name, step, body)
				}
				x := []int64{int64(i+1) * federated.UpdateScale / 2, 0, -federated.UpdateScale / 4, 7}
				res[i], errs[i] = c.Run(ctx, call, x, "")
			}()
		}
		wg.Wait()
		return res, errs
	}
	res, errs := run("dp-1")
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if res[0].Sum != nil || len(res[0].Noisy) != 4 {
		t.Fatalf("a DP round reveals only the noisy sum: %+v", res[0])
	}
	// True sum of coordinate 0 is 3·2^24; σ for (ε=1, δ=1e-6, Δ=2^24) is about 4.5·2^24.
	if d := math.Abs(res[0].Noisy[0] - 3*float64(federated.UpdateScale)); d > 30*float64(federated.UpdateScale) {
		t.Fatalf("noisy sum off by %g", d)
	}
	if res[0].Noisy[0] == 3*float64(federated.UpdateScale) {
		t.Fatal("no noise added")
	}
	b, err := led.Budget(ctx, "fl")
	if err != nil {
		t.Fatal(err)
	}
	if !(b.Spent.Rho > 0) {
		t.Fatalf("budget not charged: %+v", b.Spent)
	}
	ls, _ := log.Leaves(ctx)
	found := false
	for _, l := range ls {
		if l.Act == audit.ActDPQuery && l.Detail["measure"] == "federated_sum" && l.Detail["round"] == "dp-1" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no dp_query leaf for the round: %v", linktest.Acts(ls))
	}
	// Spend the rest: each round costs ε≈1 at the budget's δ; the budget (ε=2) runs out.
	var exhausted bool
	for r := 2; r < 6 && !exhausted; r++ {
		_, errs := run(fmt.Sprintf("dp-%d", r))
		for _, err := range errs {
			if err != nil {
				if !errors.Is(err, dp.ErrBudgetExhausted) {
					t.Fatalf("round %d: %v", r, err)
				}
				exhausted = true
			}
		}
	}
	if !exhausted {
		t.Fatal("the budget never ran out")
	}
}

// TestRoundAbortsBelowThreshold: with three of five parties gone after sharing their
// keys, two remain, below the threshold of three: the round aborts and reveals nothing.
func TestRoundAbortsBelowThreshold(t *testing.T) {
	ctx := context.Background()
	roster := []string{"a", "b", "c", "d", "e"}
	coord := &federated.Coordinator{Parties: roster, Length: 2, Timeout: 500 * time.Millisecond}
	errs := make([]error, len(roster))
	res := make([]federated.Result, len(roster))
	var wg sync.WaitGroup
	for i, name := range roster {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := federated.NewClient(federated.Round{ID: "thin", Parties: roster, Length: 2}, name)
			if err != nil {
				errs[i] = err
				return
			}
			drop := ""
			if i >= 2 {
				drop = federated.StepShare
			}
			call := func(ctx context.Context, step string, body []byte) ([]byte, error) {
				return coord.Handle(ctx, name, step, body)
			}
			res[i], errs[i] = c.Run(ctx, call, []int64{int64(i), 1}, drop)
		}()
	}
	wg.Wait()
	for i := range 2 {
		if !errors.Is(errs[i], federated.ErrTooFewParties) || res[i].Sum != nil {
			t.Fatalf("party %d: %v %+v, want ErrTooFewParties and no sum", i, errs[i], res[i])
		}
	}
	if r, err := coord.Round("thin").Result(ctx); !errors.Is(err, federated.ErrTooFewParties) || r.Sum != nil {
		t.Fatalf("aggregator: %v %+v", err, r)
	}
}
