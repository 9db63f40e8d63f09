package dp_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/stewardhq/steward/internal/dp"
)

// exactGaussianDelta is the tight δ(ε) of the Gaussian mechanism with sensitivity 1 and
// standard deviation σ (Balle & Wang, ICML 2018, Thm. 8).
func exactGaussianDelta(sigma, eps float64) float64 {
	phi := distuv.UnitNormal.CDF
	return phi(1/(2*sigma)-eps*sigma) - math.Exp(eps)*phi(-1/(2*sigma)-eps*sigma)
}

// The zCDP → (ε, δ) conversion is sound: the Gaussian mechanism, which is exactly
// 1/(2σ²)-zCDP, is never claimed more private than its exact (ε, δ) curve allows; and it
// is not wastefully loose; and it beats Bun–Steinke's bound.
func TestZCDPEpsilonIsSoundAndTight(t *testing.T) {
	for _, delta := range []float64{1e-3, 1e-5, 1e-7, 1e-9} {
		for _, sigma := range []float64{0.3, 0.7, 1, 2, 5, 10, 30, 100} {
			rho := 1 / (2 * sigma * sigma)
			eps := dp.ZCDPEpsilon(rho, delta)
			// Sound: at the claimed ε the true δ is at most the claimed δ.
			if d := exactGaussianDelta(sigma, eps); d > delta*(1+1e-6) {
				t.Errorf("σ=%g δ=%g: claimed ε=%.4f but the exact δ there is %.3g", sigma, delta, eps, d)
			}
			// Tight enough: the exact ε at δ (by bisection) is not far below.
			lo, hi := 0.0, eps
			for range 100 {
				mid := (lo + hi) / 2
				if exactGaussianDelta(sigma, mid) > delta {
					lo = mid
				} else {
					hi = mid
				}
			}
			if eps > 1.6*hi+0.05 {
				t.Errorf("σ=%g δ=%g: converted ε=%.4f, exact %.4f: too loose", sigma, delta, eps, hi)
			}
			if bs := rho + 2*math.Sqrt(rho*math.Log(1/delta)); eps > bs+1e-12 {
				t.Errorf("σ=%g δ=%g: ε=%.4f worse than Bun–Steinke %.4f", sigma, delta, eps, bs)
			}
		}
	}
}

func TestZCDPRhoInvertsEpsilon(t *testing.T) {
	prev := 0.0
	for _, eps := range []float64{0.01, 0.1, 0.5, 1, 2, 5, 10} {
		rho := dp.ZCDPRho(eps, 1e-6)
		if got := dp.ZCDPEpsilon(rho, 1e-6); math.Abs(got-eps) > 1e-6*eps {
			t.Errorf("ZCDPEpsilon(ZCDPRho(%g)) = %g", eps, got)
		}
		if rho <= prev {
			t.Errorf("ZCDPRho not increasing at ε=%g: %g after %g", eps, rho, prev)
		}
		prev = rho
	}
	if dp.ZCDPRho(1, 0) != 0 || dp.ZCDPEpsilon(0, 1e-6) != 0 || !math.IsInf(dp.ZCDPEpsilon(0.1, 0), 1) {
		t.Fatal("edge cases: ρ for δ=0 must be 0, ε of ρ=0 must be 0, ε at δ=0 must be +Inf")
	}
}

// Composition: the additive part adds; the zCDP part converts at the δ left over.
func TestEpsilonAt(t *testing.T) {
	for _, c := range []struct {
		cost  dp.Cost
		delta float64
		want  float64
	}{
		{dp.Cost{Epsilon: 0.3}, 0, 0.3},
		{dp.Cost{Epsilon: 0.3, Delta: 1e-7}, 1e-7, 0.3},
		{dp.Cost{Epsilon: 0.3, Delta: 2e-7}, 1e-7, math.Inf(1)},
		{dp.Cost{Rho: 0.01}, 0, math.Inf(1)},
		{dp.Cost{Rho: 0.01, Delta: 1e-6}, 1e-6, math.Inf(1)},
		{dp.Cost{Rho: 0.01, Epsilon: 0.2, Delta: 5e-7}, 1e-6, 0.2 + dp.ZCDPEpsilon(0.01, 5e-7)},
	} {
		if got := dp.EpsilonAt(c.cost, c.delta); got != c.want && math.Abs(got-c.want) > 1e-12 {
			t.Errorf("EpsilonAt(%+v, %g) = %g, want %g", c.cost, c.delta, got, c.want)
		}
	}
}
