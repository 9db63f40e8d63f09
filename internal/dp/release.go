package dp

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/google/differential-privacy/go/v3/dpagg"
	"github.com/google/differential-privacy/go/v3/noise"
)

// Every cell carries a 95% confidence interval (issue 20 item 3).
const (
	alpha = 0.05
	z95   = 1.959963984540054
	// quantileSmallNode is dpagg's alpha: quantile-tree children under this share of
	// their parent's noisy total are treated as empty.
	quantileSmallNode = 0.0075
)

// Cell is one released value: its key (dimension → value; histograms add "bin",
// quantiles "quantile"), the noisy value and the 95% confidence interval the mechanism
// gives for the true (bounded) value.
type Cell struct {
	Key   map[string]string `json:"key"`
	Value float64           `json:"value"`
	CI    [2]float64        `json:"ci"`
}

// release turns the aggregation into cells: the library's partition selection unless the
// cells are public, then the library's noise on each kept cell. Only the Ledger calls it,
// after the charge is committed.
func (a *Aggregator) release() ([]Cell, error) {
	p := a.p
	var keys []cellKey
	if p.public {
		keys = a.publicKeys()
	} else {
		for k, c := range a.cells {
			keep, err := a.keepCell(c.people)
			if err != nil {
				return nil, err
			}
			if keep {
				keys = append(keys, k)
			}
		}
	}
	// Cells in order of their values, bins in numeric order.
	type row struct {
		vals []string
		bin  int
		key  cellKey
	}
	named := len(p.dims)
	if named > 0 && p.dims[named-1].kind == dimBin {
		named--
	}
	rows := make([]row, len(keys))
	for i, k := range keys {
		rows[i] = row{vals: a.values(k), key: k}
		if named < len(p.dims) {
			rows[i].bin = int(k[named])
		}
	}
	slices.SortFunc(rows, func(x, y row) int {
		return cmp.Or(slices.Compare(x.vals[:named], y.vals[:named]), cmp.Compare(x.bin, y.bin))
	})
	cells := make([]Cell, 0, len(rows))
	for _, r := range rows {
		c := a.cells[r.key]
		if c == nil {
			c = a.newCell() // a public cell nobody is in: noise alone
		}
		pts, err := a.noisy(c)
		if err != nil {
			return nil, err
		}
		for _, pt := range pts {
			key := make(map[string]string, len(p.dims)+1)
			for i, d := range p.dims {
				key[d.String()] = r.vals[i]
			}
			if pt.label != "" {
				key["quantile"] = pt.label
			}
			cells = append(cells, Cell{Key: key, Value: finite(pt.v), CI: [2]float64{finite(pt.lo), finite(pt.hi)}})
		}
	}
	return cells, nil
}

// finite keeps JSON encodable; the library's values are finite for valid plans.
func finite(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return max(min(x, math.MaxFloat64), -math.MaxFloat64)
}

// publicKeys lists every declared cell: the cross product of the domains.
func (a *Aggregator) publicKeys() []cellKey {
	keys := []cellKey{{}}
	for i, dom := range a.p.domains {
		ids := make([]uint32, 0, len(dom))
		for _, v := range dom {
			if id, ok := a.keyOne(i, v); ok {
				ids = append(ids, id)
			}
		}
		next := make([]cellKey, 0, len(keys)*len(ids))
		for _, k := range keys {
			for _, id := range ids {
				k[i] = id
				next = append(next, k)
			}
		}
		keys = next
	}
	return keys
}

// keepCell is the library's pre-aggregation partition selection over the cell's people.
func (a *Aggregator) keepCell(people int64) (bool, error) {
	s, err := dpagg.NewPreAggSelectPartition(&dpagg.PreAggSelectPartitionOptions{
		Epsilon: a.p.epsSel * a.inflate, Delta: a.p.deltaSel, MaxPartitionsContributed: a.p.p})
	if err != nil {
		return false, fmt.Errorf("report: partition selection: %w", err)
	}
	if err := s.IncrementBy(people); err != nil {
		return false, fmt.Errorf("report: partition selection: %w", err)
	}
	keep, err := s.ShouldKeepPartition()
	if err != nil {
		return false, fmt.Errorf("report: partition selection: %w", err)
	}
	return keep, nil
}

// point is one noisy value with its interval; label names a quantile.
type point struct {
	label     string
	v, lo, hi float64
}

// noisy adds the library's noise to one cell.
func (a *Aggregator) noisy(c *cellAcc) ([]point, error) {
	p := a.p
	nz := p.noise()
	k := p.parts[0]
	eps := k.eps * a.inflate
	wrap := func(err error) error { return fmt.Errorf("report: %s noise: %w", p.spec.Noise, err) }
	switch p.spec.Measure {
	case Count, Histogram:
		v, err := nz.AddNoiseInt64(c.n, k.l0, int64(k.lInf), eps, k.delta)
		if err != nil {
			return nil, wrap(err)
		}
		ci, err := nz.ComputeConfidenceIntervalInt64(v, k.l0, int64(k.lInf), eps, k.delta, alpha)
		if err != nil {
			return nil, wrap(err)
		}
		// A count is never negative: clamping is post-processing.
		return []point{{v: math.Max(float64(v), 0), lo: math.Max(ci.LowerBound, 0), hi: math.Max(ci.UpperBound, 0)}}, nil
	case CountPeople:
		cnt, err := dpagg.NewCount(&dpagg.CountOptions{Epsilon: eps, Delta: k.delta, MaxPartitionsContributed: k.l0, Noise: nz})
		if err != nil {
			return nil, wrap(err)
		}
		if err := cnt.IncrementBy(c.people); err != nil {
			return nil, wrap(err)
		}
		v, err := cnt.Result()
		if err != nil {
			return nil, wrap(err)
		}
		ci, err := cnt.ComputeConfidenceInterval(alpha)
		if err != nil {
			return nil, wrap(err)
		}
		return []point{{v: math.Max(float64(v), 0), lo: ci.LowerBound, hi: ci.UpperBound}}, nil
	case Sum:
		v, err := nz.AddNoiseFloat64(c.sum, k.l0, k.lInf, eps, k.delta)
		if err != nil {
			return nil, wrap(err)
		}
		ci, err := nz.ComputeConfidenceIntervalFloat64(v, k.l0, k.lInf, eps, k.delta, alpha)
		if err != nil {
			return nil, wrap(err)
		}
		pt := point{v: v, lo: ci.LowerBound, hi: ci.UpperBound}
		if p.lo >= 0 { // as dpagg.BoundedSumFloat64 trims: the true sum is not negative
			pt.v, pt.lo, pt.hi = math.Max(pt.v, 0), math.Max(pt.lo, 0), math.Max(pt.hi, 0)
		}
		if p.hi <= 0 {
			pt.v, pt.lo, pt.hi = math.Min(pt.v, 0), math.Min(pt.lo, 0), math.Min(pt.hi, 0)
		}
		return []point{pt}, nil
	case Mean:
		v, err := c.mean.Result()
		if err != nil {
			return nil, wrap(err)
		}
		ci, err := meanInterval(c.mean, p.lo, p.hi)
		if err != nil {
			return nil, wrap(err)
		}
		return []point{{v: v, lo: math.Min(ci.LowerBound, v), hi: math.Max(ci.UpperBound, v)}}, nil
	case Quantile:
		kc := p.parts[1]
		n, err := nz.AddNoiseInt64(c.n, kc.l0, int64(kc.lInf), kc.eps*a.inflate, kc.delta)
		if err != nil {
			return nil, wrap(err)
		}
		dr := p.rankHalfWidth(float64(n))
		pts := make([]point, 0, len(p.spec.Ranks))
		for _, r := range p.spec.Ranks {
			v, err := c.quant.Result(r)
			if err != nil {
				return nil, wrap(err)
			}
			lo, err := c.quant.Result(math.Max(r-dr, 0))
			if err != nil {
				return nil, wrap(err)
			}
			hi, err := c.quant.Result(math.Min(r+dr, 1))
			if err != nil {
				return nil, wrap(err)
			}
			if dr >= 1 {
				lo, hi = p.lo, p.hi
			}
			pts = append(pts, point{label: rankLabel(r), v: v, lo: math.Min(lo, v), hi: math.Max(hi, v)})
		}
		return pts, nil
	}
	return nil, fmt.Errorf("report: unknown measure %q", p.spec.Measure)
}

// meanInterval is dpagg.BoundedMean.ComputeConfidenceInterval with a cheaper search: the
// library combines the intervals of its noisy sum (at 1 − αₙ) and noisy count (at 1 − α_d,
// (1 − αₙ)(1 − α_d) = 1 − α) and tries 999 splits αₙ for the narrowest, each costing two
// calibrations of σ (10 ms a cell, most of a grouped mean report). The width is unimodal in
// αₙ, so a coarse grid and a golden-section search find the same split in about 20 tries.
// Both parts' intervals are the library's, from the exported sum and count the mean
// consists of, and so is the way they are combined.
func meanInterval(bm *dpagg.BoundedMean, lo, hi float64) (noise.ConfidenceInterval, error) {
	mid := lo + (hi-lo)/2
	var failed error
	at := func(an float64) noise.ConfidenceInterval {
		ad := (alpha - an) / (1 - an)
		num, err := bm.NormalizedSum.ComputeConfidenceInterval(an)
		if err != nil {
			failed = err
			return noise.ConfidenceInterval{LowerBound: lo, UpperBound: hi}
		}
		den, err := bm.Count.ComputeConfidenceInterval(ad)
		if err != nil {
			failed = err
			return noise.ConfidenceInterval{LowerBound: lo, UpperBound: hi}
		}
		den.LowerBound, den.UpperBound = math.Max(den.LowerBound, 1), math.Max(den.UpperBound, 1)
		var l, u float64
		if num.LowerBound >= 0 {
			l = num.LowerBound / den.UpperBound
		} else {
			l = num.LowerBound / den.LowerBound
		}
		if num.UpperBound >= 0 {
			u = num.UpperBound / den.LowerBound
		} else {
			u = num.UpperBound / den.UpperBound
		}
		return noise.ConfidenceInterval{LowerBound: min(max(l+mid, lo), hi), UpperBound: min(max(u+mid, lo), hi)}
	}
	width := func(ci noise.ConfidenceInterval) float64 { return ci.UpperBound - ci.LowerBound }
	const grid = 8
	best, bestI := noise.ConfidenceInterval{LowerBound: lo, UpperBound: hi}, 0
	for i := 1; i < grid; i++ {
		if ci := at(float64(i) / grid * alpha); width(ci) < width(best) || i == 1 {
			best, bestI = ci, i
		}
	}
	a, b := float64(bestI-1)/grid*alpha, float64(bestI+1)/grid*alpha
	const g = 0.6180339887498949
	for range 12 {
		c, d := b-g*(b-a), a+g*(b-a)
		cc, cd := at(c), at(d)
		if width(cc) < width(best) {
			best = cc
		}
		if width(cd) < width(best) {
			best = cd
		}
		if width(cc) < width(cd) {
			b = d
		} else {
			a = c
		}
	}
	return best, failed
}

func rankLabel(r float64) string { return "p" + strconv.FormatFloat(r*100, 'f', -1, 64) }

// nodeSD is the standard deviation of the noise on each node of the quantile tree.
func (p *plan) nodeSD() float64 {
	k := p.parts[0]
	if p.gauss {
		return noise.SigmaForGaussian(k.l0, k.lInf, k.eps, k.delta)
	}
	return math.Sqrt2 * float64(k.l0) * k.lInf / k.eps // Laplace: √2·λ, λ = l1/ε
}

// rankHalfWidth is how far, in rank, a quantile found in the tree may sit from the true
// one at 95%. The search walks down quantileTreeHeight levels; at each it compares the
// noisy count of the children to the left with the noisy total of all quantileBranching
// children, an error of variance at most branching·sd²/4 in count units, so the count of
// values below the answer is off by at most z·sd·√(height·branching)/2 at 95%, a rank
// error of that over n. The library also treats children under 0.75% of their parent's
// noisy total as empty, which shifts ranks by about that much; twice it is added. The
// interval is then the tree's own answers at r ± that (post-processing of the same noisy
// tree, no further budget). It is an approximation, not a guarantee; a test checks its
// coverage on uniform and skewed data.
func (p *plan) rankHalfWidth(n float64) float64 {
	if n < 1 {
		return 1
	}
	return math.Min(z95*p.nodeSD()*math.Sqrt(quantileTreeHeight*quantileBranchingFactor)/2/n+2*quantileSmallNode, 1)
}
