package dp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/google/differential-privacy/go/v3/noise"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// VectorSpec asks for Gaussian noise on a vector computed elsewhere (issue 23: the sum
// of a secure-aggregation round). The caller states the vector's L2 sensitivity — how
// far one contributor (one party of a federated round, whose update it clipped to that
// norm) can move it — and the ledger charges the budget, draws the noise from the
// library and records the release, like a report.
type VectorSpec struct {
	Budget        string
	Purpose       string
	Measure       string // names the release in the audit log, e.g. "federated_sum"
	Epsilon       float64
	Delta         float64
	L2Sensitivity float64
	// Round names the release: the same round is charged once (a retry replays no noise:
	// it is refused with ErrBudgetExists-like ErrReplayed so no second draw escapes).
	Round string
}

// ErrReplayed: this round's vector was already released under the budget; a second
// draw would double the spend silently, so it is refused.
var ErrReplayed = errors.New("vector already released for this round")

// NoisyVector charges the budget for one Gaussian release of v with the spec's L2
// sensitivity at (ε, δ) — ρ = Δ₂²/(2σ²), σ calibrated by the library — then returns
// v + N(0, σ²) per coordinate and records a dp_query act. Nothing is returned without a
// committed charge.
func (l *Ledger) NoisyVector(ctx context.Context, actor string, s VectorSpec, v []float64) ([]float64, Charge, error) {
	switch {
	case s.Budget == "" || s.Purpose == "" || s.Round == "":
		return nil, Charge{}, reportErr("budget", "a vector release names its budget, purpose and round")
	case !(s.Epsilon > 0 && s.Epsilon <= 10) || !(s.Delta > 0 && s.Delta < 1):
		return nil, Charge{}, reportErr("epsilon", "ε must lie in (0, 10] and δ in (0, 1)")
	case !(s.L2Sensitivity > 0) || math.IsInf(s.L2Sensitivity, 0) || len(v) == 0:
		return nil, Charge{}, reportErr("l2_sensitivity", "a positive, finite L2 sensitivity over a non-empty vector")
	}
	k := component{l0: 1, lInf: s.L2Sensitivity, eps: s.Epsilon, delta: s.Delta}
	cost := Cost{Rho: gaussianRho(k)}
	now := l.now().UTC()
	measure := s.Measure
	if measure == "" {
		measure = "vector"
	}
	c := store.PrivacyCharge{ID: newID("chg"), Budget: s.Budget, Fingerprint: "vector:" + measure + ":" + s.Round, At: now, Rho: cost.Rho,
		Purpose: s.Purpose, Measure: measure, Actor: actor}
	var lim Limit
	got, fresh, err := l.st.ChargePrivacyBudget(ctx, c, func(b store.PrivacyBudget, sp store.PrivacySpend) error {
		lim = limitOf(b)
		spent := spendOf(b, sp)
		if after := spent.Cost.plus(cost); !fits(lim, after) {
			return &BudgetExhaustedError{Budget: b.Name, Cost: Charge{Cost: cost, EpsilonTotal: Epsilon(EpsilonAt(cost, lim.Delta))},
				Spent: spent, Limit: lim, Remaining: remaining(lim, spent.Cost)}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, Charge{}, budgetLookupErr("noisy vector", s.Budget, err)
		}
		return nil, Charge{}, err
	}
	if !fresh {
		return nil, Charge{}, fmt.Errorf("noisy vector: %w: %s", ErrReplayed, s.Round)
	}
	g := noise.Gaussian()
	out := make([]float64, len(v))
	for i, x := range v {
		y, err := g.AddNoiseFloat64(x, 1, s.L2Sensitivity, s.Epsilon, s.Delta)
		if err != nil {
			return nil, Charge{}, fmt.Errorf("noisy vector: %w", err)
		}
		out[i] = y
	}
	if err := l.rec.Record(ctx, audit.Event{Act: audit.ActDPQuery, Actor: actor, Purpose: s.Purpose, Detail: map[string]string{
		"budget": s.Budget, "measure": measure, "round": s.Round, "charge": got.ID, "rho": strconv.FormatFloat(cost.Rho, 'g', 6, 64),
		"epsilon": strconv.FormatFloat(s.Epsilon, 'g', 6, 64), "delta": strconv.FormatFloat(s.Delta, 'g', 6, 64),
		"l2_sensitivity": strconv.FormatFloat(s.L2Sensitivity, 'g', 6, 64), "length": strconv.Itoa(len(v))}}); err != nil {
		return nil, Charge{}, fmt.Errorf("noisy vector: %w", err)
	}
	return out, Charge{Cost: cost, EpsilonTotal: Epsilon(EpsilonAt(cost, lim.Delta))}, nil
}
