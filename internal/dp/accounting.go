package dp

import (
	"encoding/json"
	"math"

	"github.com/google/differential-privacy/go/v3/noise"
)

// Cost is what a release spends, in the two currencies the ledger keeps apart (doc.go,
// "Accounting"): Rho is zero-concentrated DP (Gaussian noise); Epsilon and Delta compose
// additively (pure ε of Laplace noise, (ε, δ) of partition selection).
type Cost struct {
	Rho     float64 `json:"rho"`
	Epsilon float64 `json:"epsilon"`
	Delta   float64 `json:"delta"`
}

func (c Cost) plus(d Cost) Cost {
	return Cost{Rho: c.Rho + d.Rho, Epsilon: c.Epsilon + d.Epsilon, Delta: c.Delta + d.Delta}
}

// Charge is a release's cost with the ε it amounts to at its budget's δ on its own.
type Charge struct {
	Cost
	EpsilonTotal Epsilon `json:"epsilon_total"`
}

// Epsilon is an ε that may be +Inf: the ε of a spend the budget's δ cannot cover (a
// Gaussian release or partition selection on a budget without δ). JSON has no infinity,
// so it is written as null.
type Epsilon float64

// MarshalJSON writes null for an infinite ε.
func (e Epsilon) MarshalJSON() ([]byte, error) {
	f := float64(e)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// JSONSchema describes Epsilon in the OpenAPI document (a number, or null for +Inf).
func (Epsilon) JSONSchema() map[string]any {
	return map[string]any{"type": []string{"number", "null"}, "description": "ε; null when no δ left can cover it (infinite)"}
}

// UnmarshalJSON reads null as +Inf.
func (e *Epsilon) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*e = Epsilon(math.Inf(1))
		return nil
	}
	return json.Unmarshal(b, (*float64)(e))
}

// Spend is what counts against a budget now: the sum of the charges inside its period and
// the ε of the (ε, δ_budget) guarantee they amount to together.
type Spend struct {
	Cost
	EpsilonTotal Epsilon `json:"epsilon_total"`
	Charges      int     `json:"charges"`
}

// Limit is a budget's (ε, δ): every release inside one period together is (ε, δ)-DP.
type Limit struct {
	Epsilon float64 `json:"epsilon"`
	Delta   float64 `json:"delta"`
}

// Remaining is what is left of a budget: Epsilon in total, Rho if it all went to Gaussian
// releases, and Delta for partition selection.
type Remaining struct {
	Epsilon float64 `json:"epsilon"`
	Rho     float64 `json:"rho"`
	Delta   float64 `json:"delta"`
}

// slack absorbs float rounding in sums of charges (SQL SUM order differs by store).
const slack = 1e-9

// ZCDPEpsilon returns the ε such that a ρ-zCDP mechanism is (ε, δ)-DP: the smaller of
// Bun & Steinke's ρ + 2√(ρ ln(1/δ)) (TCC 2016, Prop. 1.3) and the Rényi conversion
// inf over α > 1 of αρ + ln(1 − 1/α) − (ln δ + ln α)/(α − 1) (Canonne, Kamath & Steinke,
// NeurIPS 2020, Prop. 12; Balle et al., AISTATS 2020, Thm. 21), since ρ-zCDP is
// (α, αρ)-RDP for every α > 1. It is 0 for ρ = 0 and +Inf when δ is not in (0, 1).
func ZCDPEpsilon(rho, delta float64) float64 {
	if rho <= 0 {
		return 0
	}
	if !(delta > 0 && delta < 1) || math.IsInf(rho, 1) || math.IsNaN(rho) {
		return math.Inf(1)
	}
	logInvDelta := -math.Log(delta)
	best := rho + 2*math.Sqrt(rho*logInvDelta)
	f := func(alpha float64) float64 {
		return alpha*rho + math.Log1p(-1/alpha) - (math.Log(delta)+math.Log(alpha))/(alpha-1)
	}
	// f is unimodal in α with its minimum near 1 + √(ln(1/δ)/ρ); scan a log grid of
	// α − 1 around it, then narrow down by golden section.
	lo, hi := math.Log(1e-4), math.Log(1e7)
	const steps = 240
	bestX, bestF := lo, math.Inf(1)
	for i := 0; i <= steps; i++ {
		x := lo + (hi-lo)*float64(i)/steps
		if v := f(1 + math.Exp(x)); v < bestF {
			bestX, bestF = x, v
		}
	}
	step := (hi - lo) / steps
	a, b := bestX-step, bestX+step
	const g = 0.6180339887498949
	c, d := b-g*(b-a), a+g*(b-a)
	fc, fd := f(1+math.Exp(c)), f(1+math.Exp(d))
	for range 60 {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = f(1 + math.Exp(c))
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = f(1 + math.Exp(d))
		}
	}
	best = min(best, bestF, fc, fd)
	return max(best, 0)
}

// ZCDPRho returns the largest ρ whose ZCDPEpsilon at δ is at most ε (0 if none).
func ZCDPRho(epsilon, delta float64) float64 {
	if !(epsilon > 0) || !(delta > 0 && delta < 1) {
		return 0
	}
	// ZCDPEpsilon(ρ) ≥ ρ, so the answer lies in [0, ε].
	lo, hi := 0.0, epsilon
	for range 80 {
		mid := (lo + hi) / 2
		if ZCDPEpsilon(mid, delta) <= epsilon {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// EpsilonAt returns the ε of the (ε, δ)-DP guarantee that spending c gives together with
// nothing else: basic composition of the additive part (c.Epsilon, c.Delta) with the zCDP
// part converted at the δ that is left, δ − c.Delta. It is +Inf when δ cannot cover c.
func EpsilonAt(c Cost, delta float64) float64 {
	if c.Rho <= 0 {
		if c.Delta > delta*(1+slack) {
			return math.Inf(1)
		}
		return c.Epsilon
	}
	rest := delta - c.Delta
	if rest <= 0 {
		return math.Inf(1)
	}
	return c.Epsilon + ZCDPEpsilon(c.Rho, rest)
}

// remaining returns what is left of limit l after spending s.
func remaining(l Limit, s Cost) Remaining {
	r := Remaining{Delta: l.Delta - s.Delta}
	eps := EpsilonAt(s, l.Delta)
	if math.IsInf(eps, 1) {
		r.Epsilon = 0
	} else {
		r.Epsilon = l.Epsilon - eps
	}
	if r.Delta > 0 && l.Epsilon > s.Epsilon {
		r.Rho = max(ZCDPRho(l.Epsilon-s.Epsilon, r.Delta)-s.Rho, 0)
	}
	if r.Epsilon < 0 && r.Epsilon > -slack {
		r.Epsilon = 0
	}
	return r
}

// fits reports whether spending s stays within l.
func fits(l Limit, s Cost) bool {
	return EpsilonAt(s, l.Delta) <= l.Epsilon*(1+slack)+slack
}

// gaussianRho is the zCDP cost of one Gaussian component: the library calibrates σ for
// (ε, δ) with SigmaForGaussian, and the Gaussian mechanism with L2 sensitivity Δ₂ and
// standard deviation σ is Δ₂²/(2σ²)-zCDP (Bun & Steinke 2016, Prop. 1.6), Δ₂ = l∞·√l0.
func gaussianRho(k component) float64 {
	sigma := noise.SigmaForGaussian(k.l0, k.lInf, k.eps, k.delta)
	return float64(k.l0) * k.lInf * k.lInf / (2 * sigma * sigma)
}
