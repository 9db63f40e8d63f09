package federated

import (
	"context"

	"github.com/stewardhq/steward/internal/dp"
)

// LedgerNoise is the Noiser of a coordinator that releases DP sums: each round's sum
// gets Gaussian noise at (Epsilon, Delta) for the coordinator's L2 sensitivity, charged
// to Budget in the DP ledger (which draws the noise and records the release).
type LedgerNoise struct {
	Ledger         *dp.Ledger
	Actor          string
	Budget         string
	Purpose        string
	Epsilon, Delta float64
}

// NoisySum implements Noiser.
func (n LedgerNoise) NoisySum(ctx context.Context, round string, sum []float64, l2 float64) ([]float64, error) {
	out, _, err := n.Ledger.NoisyVector(ctx, n.Actor, dp.VectorSpec{Budget: n.Budget, Purpose: n.Purpose, Measure: "federated_sum",
		Epsilon: n.Epsilon, Delta: n.Delta, L2Sensitivity: l2, Round: round}, sum)
	return out, err
}
