package anonymise

import (
	"math"
	"slices"
)

// tolerance absorbs floating-point rounding where a model compares a computed real with
// its threshold (entropy against log l, a distance against t): a class exactly at the
// threshold passes however the sums were ordered.
const tolerance = 1e-9

// modelSet is the privacy models compiled for per-class checks.
type modelSet struct {
	k        int32
	distinct int // distinct l (also implied by entropy and recursive l-diversity); 0: none
	variant  LVariant
	l        int
	c        float64
	logL     float64
	t        float64
	tOn      bool
	ordered  bool
	global   []float64
	order    []int32 // ordered distance: position → sensitive id
	buf      []int32
}

func (e *Engine) models() *modelSet {
	m := &modelSet{k: int32(e.cfg.K), global: e.global}
	if l := e.cfg.LDiversity; l != nil {
		// Entropy l-diversity implies H ≤ log(distinct) so at least l distinct values;
		// recursive (c,l) needs r_l > 0, so l distinct values too. The distinct part is
		// the monotone core every variant shares (see doc.go).
		m.distinct = l.L
		m.variant, m.l, m.c, m.logL = l.Variant, l.L, l.C, math.Log(float64(l.L))
	}
	if tc := e.cfg.TCloseness; tc != nil {
		m.tOn, m.t, m.ordered = true, tc.T, tc.Ordered
		if m.ordered {
			m.order = make([]int32, e.ns)
			for id, pos := range e.rank {
				m.order[pos] = int32(id)
			}
		}
	}
	m.buf = make([]int32, e.ns)
	return m
}

// monotoneOnly reports whether the monotone core is the whole of the models: then a
// class fails the models exactly when it fails the core.
func (m *modelSet) monotoneOnly() bool {
	return !m.tOn && (m.variant == "" || m.variant == DistinctL)
}

// failsCore reports whether a class fails k-anonymity or has fewer than l distinct
// sensitive values. Both are monotone even with suppression: a class that fails at a node
// is made only of classes that fail below it.
func (m *modelSet) failsCore(count int32, hist []int32) bool {
	if count < m.k {
		return true
	}
	if m.distinct > 1 {
		n := 0
		for _, r := range hist {
			if r > 0 {
				n++
			}
		}
		return n < m.distinct
	}
	return false
}

// failsRest reports whether a class that passes the core fails entropy or recursive
// l-diversity or t-closeness.
func (m *modelSet) failsRest(count int32, hist []int32) bool {
	switch m.variant {
	case EntropyL:
		if entropy(count, hist) < m.logL-tolerance {
			return true
		}
	case RecursiveL:
		if !m.recursive(hist) {
			return true
		}
	}
	if m.tOn && m.distance(count, hist) > m.t+tolerance {
		return true
	}
	return false
}

// entropy returns the Shannon entropy (nats) of a class's sensitive values.
func entropy(count int32, hist []int32) float64 {
	n := float64(count)
	var s float64
	for _, r := range hist {
		if r > 0 {
			s += float64(r) * math.Log(float64(r))
		}
	}
	return math.Log(n) - s/n
}

// recursive checks r1 < c·(r_l + … + r_m) on the counts sorted in descending order.
func (m *modelSet) recursive(hist []int32) bool {
	rs := m.buf[:0]
	for _, r := range hist {
		if r > 0 {
			rs = append(rs, r)
		}
	}
	if len(rs) < m.l {
		return false
	}
	slices.Sort(rs)
	slices.Reverse(rs)
	var tail int64
	for _, r := range rs[m.l-1:] {
		tail += int64(r)
	}
	return float64(rs[0]) < m.c*float64(tail)
}

// distance returns the Earth Mover's Distance between a class's sensitive distribution and
// the table's: half the total variation for equal distance; for ordered distance the sum
// of the absolute cumulative differences over the m values, divided by m-1.
func (m *modelSet) distance(count int32, hist []int32) float64 {
	n := float64(count)
	if !m.ordered {
		var s float64
		for i, q := range m.global {
			s += math.Abs(float64(hist[i])/n - q)
		}
		return s / 2
	}
	if len(m.order) < 2 {
		return 0
	}
	var cum, s float64
	for _, id := range m.order {
		cum += float64(hist[id])/n - m.global[id]
		s += math.Abs(cum)
	}
	return s / float64(len(m.order)-1)
}
