package dp

import (
	"fmt"
	"math"

	"github.com/google/differential-privacy/go/v3/dpagg"
	"github.com/google/differential-privacy/go/v3/noise"
)

// Preview is the expected accuracy of a report, known before spending anything because it
// depends on the parameters only (issue 20 item 3).
type Preview struct {
	Noise NoiseKind `json:"noise"`
	// HalfWidth is the half-width of every cell's 95% interval from noise alone: counts,
	// distinct people, histogram bins and sums.
	HalfWidth float64 `json:"ci95_half_width,omitempty"`
	// At gives a mean's or a quantile's expected error at a few cell sizes, since theirs
	// shrinks with the number of contributions.
	At []PreviewPoint `json:"at,omitempty"`
	// Selection is true when cells are chosen by partition selection (their keys were not
	// declared public); cells with at least KeptFrom people are (almost) always shown,
	// smaller ones are dropped more often the smaller they are.
	Selection bool  `json:"partition_selection"`
	KeptFrom  int64 `json:"kept_from,omitempty"`
	// Cells is how many cells a report over public keys releases.
	Cells int `json:"cells,omitempty"`
}

// PreviewPoint is the expected error of a cell of Contributions values.
type PreviewPoint struct {
	Contributions int `json:"contributions"`
	// HalfWidth: a mean's 95% interval, about ± this.
	HalfWidth float64 `json:"ci95_half_width,omitempty"`
	// RankHalfWidth: a quantile is the true quantile of a rank within ± this.
	RankHalfWidth float64 `json:"rank_half_width,omitempty"`
}

var previewSizes = []int{100, 1000, 10000}

// preview works out the expected accuracy of p.
func (p *plan) preview() (Preview, error) {
	pv := Preview{Noise: p.spec.Noise, Selection: !p.public}
	if p.public {
		pv.Cells = 1
		for _, d := range p.domains {
			pv.Cells *= len(d)
		}
		if p.spec.Measure == Quantile {
			pv.Cells *= len(p.spec.Ranks)
		}
	}
	hw := func(k component) (float64, error) {
		ci, err := p.noise().ComputeConfidenceIntervalFloat64(0, k.l0, k.lInf, k.eps, k.delta, alpha)
		if err != nil {
			return 0, fmt.Errorf("report: preview: %w", err)
		}
		return (ci.UpperBound - ci.LowerBound) / 2, nil
	}
	switch p.spec.Measure {
	case Count, CountPeople, Histogram, Sum:
		h, err := hw(p.parts[0])
		if err != nil {
			return pv, err
		}
		pv.HalfWidth = h
	case Mean:
		hc, err := hw(p.parts[0])
		if err != nil {
			return pv, err
		}
		hs, err := hw(p.parts[1])
		if err != nil {
			return pv, err
		}
		// mean = (S + e_S)/(N + e_N) + mid ≈ truth + e_S/N − (S/N)·e_N/N, |S/N| ≤ half.
		half := (p.hi - p.lo) / 2
		for _, n := range previewSizes {
			pv.At = append(pv.At, PreviewPoint{Contributions: n, HalfWidth: math.Min((hs+hc*half)/float64(n), p.hi-p.lo)})
		}
	case Quantile:
		for _, n := range previewSizes {
			pv.At = append(pv.At, PreviewPoint{Contributions: n, RankHalfWidth: p.rankHalfWidth(float64(n))})
		}
	}
	if !p.public {
		k, err := p.keptFrom()
		if err != nil {
			return pv, err
		}
		pv.KeptFrom = k
	}
	return pv, nil
}

// keptFrom is the number of people from which partition selection (almost) always keeps a
// cell: the library's hard threshold for the optimal selection it uses up to three
// partitions per person; beyond, it thresholds a Gaussian count, which passes its threshold
// plus three standard deviations 99.87% of the time.
func (p *plan) keptFrom() (int64, error) {
	if p.p <= 3 {
		s, err := dpagg.NewPreAggSelectPartition(&dpagg.PreAggSelectPartitionOptions{Epsilon: p.epsSel, Delta: p.deltaSel, MaxPartitionsContributed: p.p})
		if err != nil {
			return 0, fmt.Errorf("report: preview: %w", err)
		}
		k, err := s.GetHardThreshold()
		return int64(k), err
	}
	t, err := noise.Gaussian().Threshold(p.p, 1, p.epsSel, p.deltaSel/2, p.deltaSel/2)
	if err != nil {
		return 0, fmt.Errorf("report: preview: %w", err)
	}
	sigma := noise.SigmaForGaussian(p.p, 1, p.epsSel, p.deltaSel/2)
	return int64(math.Ceil(t + 3*sigma)), nil
}
