package dp

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The empirical privacy audit (issue 20 item 5): each mechanism runs many times on two
// neighbouring data sets (one person more or less); a threshold test S turns the outputs
// into two hit rates, Clopper–Pearson bounds make them conservative, and
//
//	ε_lb = ln((P̲[M(D) ∈ S] − δ) / P̄[M(D') ∈ S])
//
// is a lower bound on the mechanism's real privacy loss with confidence 1 − auditAlpha. It
// must not exceed the declared ε. The event S (threshold and direction, and for partition
// selection which neighbouring pair) is chosen on a first batch of trials and judged on a
// fresh second batch, so choosing it does not bias the bound. The same audit run on the
// mechanism with its noise scaled down (the library told 4ε while 1ε is charged) must find
// the excess, or the audit could not catch anything.

const auditAlpha = 1e-4 // chance that a correct mechanism fails the audit

// cpLower and cpUpper are the one-sided Clopper–Pearson bounds on a rate of k in n.
func cpLower(k, n int) float64 {
	if k == 0 {
		return 0
	}
	return distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(auditAlpha / 2)
}

func cpUpper(k, n int) float64 {
	if k == n {
		return 1
	}
	return distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(1 - auditAlpha/2)
}

// epsLowerBound is the audit's bound from hits kp of n on one side and kq of n on the other.
func epsLowerBound(kp, kq, n int, delta float64) float64 {
	p, q := cpLower(kp, n)-delta, cpUpper(kq, n)
	if p <= 0 {
		return math.Inf(-1)
	}
	return math.Log(p / q)
}

// pair is two neighbouring data sets; run gives the mechanism's output on one of them.
type pair struct {
	name string
	run  func(t *testing.T, bigger bool) float64
}

// event is a threshold test: output ≥ at (above) or < at.
type event struct {
	pair   int
	at     float64
	above  bool
	bigger bool // the numerator's data set
}

func (e event) hit(x float64) bool { return (x >= e.at) == e.above }

// auditMechanism returns the audit's ε lower bound for pairs, choosing the event on calib
// trials per data set and judging it on trials fresh ones.
func auditMechanism(t *testing.T, pairs []pair, delta float64, calib, trials int) (float64, string) {
	t.Helper()
	sample := func(p pair, bigger bool, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = p.run(t, bigger)
		}
		return out
	}
	best, bestEps := event{}, math.Inf(-1)
	for pi, p := range pairs {
		small, big := sample(p, false, calib), sample(p, true, calib)
		cands := append(slices.Clone(small), big...)
		slices.Sort(cands)
		cands = slices.Compact(cands)
		if len(cands) > 200 { // quantiles of the pooled outputs are enough thresholds
			qs := make([]float64, 0, 200)
			for i := range 200 {
				qs = append(qs, cands[i*len(cands)/200])
			}
			cands = slices.Compact(qs)
		}
		for _, at := range cands {
			for _, above := range []bool{true, false} {
				for _, bigger := range []bool{true, false} {
					e := event{pair: pi, at: at, above: above, bigger: bigger}
					num, den := big, small
					if !bigger {
						num, den = small, big
					}
					if eps := epsLowerBound(count(num, e), count(den, e), calib, delta); eps > bestEps {
						best, bestEps = e, eps
					}
				}
			}
		}
	}
	p := pairs[best.pair]
	num, den := sample(p, best.bigger, trials), sample(p, !best.bigger, trials)
	kp, kq := count(num, best), count(den, best)
	dir := "<"
	if best.above {
		dir = "≥"
	}
	desc := fmt.Sprintf("%s, S = {output %s %g}, numerator the data set with the extra person = %v: %d/%d vs %d/%d",
		p.name, dir, best.at, best.bigger, kp, trials, kq, trials)
	return epsLowerBound(kp, kq, trials, delta), desc
}

func count(xs []float64, e event) int {
	n := 0
	for _, x := range xs {
		if e.hit(x) {
			n++
		}
	}
	return n
}

// runOnce computes the plan's release over people and returns the value of the cell
// whose key value is want (NaN when partition selection dropped it), with the mechanism
// told inflate × ε.
func runOnce(t *testing.T, p *plan, people []Person, inflate float64) []Cell {
	a, err := aggregate(context.Background(), p, NewMemorySource(people), inflate)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := a.release()
	if err != nil {
		t.Fatal(err)
	}
	return cells
}

func crowd(n int, ev Event) []Person {
	out := make([]Person, n)
	for i := range out {
		out[i] = Person{ID: fmt.Sprintf("p%d", i), Events: []Event{ev}}
	}
	return out
}

func mustPlan(t *testing.T, s Spec) *plan {
	t.Helper()
	p, err := compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The three mechanisms reports use, each audited as it is and broken.
func TestEmpiricalPrivacyAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("the privacy audit runs about a million trials")
	}
	laplaceCount := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Count, Epsilon: 0.5, MaxContributions: 1})
	gaussianSum := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Sum, Property: "v", Bounds: []float64{-10, 10}, Epsilon: 0.5, Delta: 1e-5})
	selection := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: CountPeople, GroupBy: []string{"campaign"}, Epsilon: 2, Delta: 1e-3, MaxPartitions: 1})
	if laplaceCount.gauss || !laplaceCount.public || !gaussianSum.gauss || selection.public || selection.epsSel != 1 {
		t.Fatalf("plans are not the mechanisms under audit")
	}
	value := func(p *plan, people []Person, inflate float64) float64 {
		cells := runOnce(t, p, people, inflate)
		if len(cells) != 1 {
			t.Fatalf("%d cells, want 1", len(cells))
		}
		return cells[0].Value
	}
	ev := Event{Name: "Order Completed", Props: map[string]float64{"v": 0}, Campaign: "spring"}
	extra := Person{ID: "x", Events: []Event{{Name: "Order Completed", Props: map[string]float64{"v": 10}, Campaign: "spring"}}}
	base := crowd(20, ev)
	neighbour := append(slices.Clone(base), extra)

	cases := []struct {
		name       string
		eps, delta float64
		pairs      func(inflate float64) []pair
	}{
		{"laplace count", 0.5, 0, func(inf float64) []pair {
			return []pair{{"20 vs 21 people", func(t *testing.T, bigger bool) float64 {
				if bigger {
					return value(laplaceCount, neighbour, inf)
				}
				return value(laplaceCount, base, inf)
			}}}
		}},
		{"gaussian sum", 0.5, 1e-5, func(inf float64) []pair {
			return []pair{{"20 zeros vs one more at the upper bound", func(t *testing.T, bigger bool) float64 {
				if bigger {
					return value(gaussianSum, neighbour, inf)
				}
				return value(gaussianSum, base, inf)
			}}}
		}},
		// Partition selection alone: its output is whether the cell is shown. It is
		// declared (ε/2, δ) of the report's (ε, δ).
		{"partition selection", 1, 1e-3, func(inf float64) []pair {
			var ps []pair
			for n := 1; n <= 9; n++ {
				small, big := crowd(n, ev), crowd(n+1, ev)
				ps = append(ps, pair{fmt.Sprintf("%d vs %d people", n, n+1), func(t *testing.T, bigger bool) float64 {
					people := small
					if bigger {
						people = big
					}
					return float64(len(runOnce(t, selection, people, inf)))
				}})
			}
			return ps
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calib, trials := 10000, 40000
			if c.name == "partition selection" {
				calib, trials = 1500, 30000
			}
			eps, desc := auditMechanism(t, c.pairs(1), c.delta, calib, trials)
			t.Logf("declared ε = %g; audit lower bound ε ≥ %.3f (%s)", c.eps, eps, desc)
			if eps > c.eps {
				t.Errorf("the mechanism leaks more than declared: ε ≥ %.3f > %g", eps, c.eps)
			}
			broken, desc := auditMechanism(t, c.pairs(4), c.delta, calib/2, trials/2)
			t.Logf("broken (noise for 4ε, charged ε): audit lower bound ε ≥ %.3f (%s)", broken, desc)
			if broken <= c.eps {
				t.Errorf("the audit did not catch a mechanism with a quarter of its noise: ε ≥ %.3f ≤ %g", broken, c.eps)
			}
		})
	}
}
