package anonymise

import "math"

// metricTables hold, per quasi-identifier c and level l, what each metric needs so that
// a node's loss is a sum of table lookups plus a term per suppressed class.
type metricTables struct {
	prec   [][]float64   // l / height (Sweeney)
	ent    [][]float64   // Σ over records of log2(b/a): a records have the value, b its label
	entPen [][][]float64 // per label: log2(n/b), the extra bits when a record is suppressed
	lm     [][]float64   // Σ over records of (leaves under its label - 1) / (leaves - 1)
	lmPen  [][][]float64 // per label: 1 - its share, the extra loss when suppressed
}

func (e *Engine) prepareMetrics() {
	d := e.d
	m := metricTables{
		prec: make([][]float64, d), ent: make([][]float64, d), entPen: make([][][]float64, d),
		lm: make([][]float64, d), lmPen: make([][][]float64, d),
	}
	n := float64(e.n)
	for c := range d {
		h := e.hier[c]
		height := h.Height()
		levels := height + 1
		codes := e.table.cols[e.qcol[c]].codes
		a := make([]float64, len(e.gen[c][0])) // records per value
		for _, id := range codes {
			a[id]++
		}
		leaves := float64(len(h.labels[0]))
		m.prec[c] = make([]float64, levels)
		m.ent[c] = make([]float64, levels)
		m.entPen[c] = make([][]float64, levels)
		m.lm[c] = make([]float64, levels)
		m.lmPen[c] = make([][]float64, levels)
		for l := 0; l < levels; l++ {
			if height > 0 {
				m.prec[c][l] = float64(l) / float64(height)
			}
			g := e.gen[c][l]
			b := make([]float64, e.width[c][l])
			for id, x := range g {
				b[x] += a[id]
			}
			under := h.leafCount(l)
			share := make([]float64, e.width[c][l])
			for x, hl := range e.label[c][l] {
				if leaves > 1 {
					share[x] = float64(under[hl]-1) / (leaves - 1)
				}
			}
			var ent, lm float64
			for id, x := range g {
				if a[id] > 0 {
					ent += a[id] * math.Log2(b[x]/a[id])
					lm += a[id] * share[x]
				}
			}
			m.ent[c][l], m.lm[c][l] = ent, lm
			m.entPen[c][l] = make([]float64, len(b))
			m.lmPen[c][l] = make([]float64, len(b))
			for x := range b {
				m.entPen[c][l][x] = math.Log2(n / b[x])
				m.lmPen[c][l][x] = 1 - share[x]
			}
		}
	}
	e.met = m
}

// Utility is a transformation's information loss under each metric (lower is better).
type Utility struct {
	Precision         float64 `json:"precision"`
	Discernibility    float64 `json:"discernibility"`
	NonUniformEntropy float64 `json:"entropy"`
	Loss              float64 `json:"loss"`
}

// Of returns the value of metric m.
func (u Utility) Of(m Metric) float64 {
	switch m {
	case Precision:
		return u.Precision
	case Discernibility:
		return u.Discernibility
	case NonUniformEntropy:
		return u.NonUniformEntropy
	}
	return u.Loss
}

// lowerBound returns a loss no transformation at or above node can beat with suppression
// counted in, computed from the levels alone: the metric without its suppression term.
// It is exact when nothing is suppressed. Discernibility has none: it reports false.
func (e *Engine) lowerBound(metric Metric, levels []uint8) (float64, bool) {
	var s float64
	switch metric {
	case Precision:
		for c, l := range levels {
			s += e.met.prec[c][l]
		}
		return s / float64(e.d), true
	case NonUniformEntropy:
		for c, l := range levels {
			s += e.met.ent[c][l]
		}
		return s, true
	case Loss:
		for c, l := range levels {
			s += e.met.lm[c][l]
		}
		return s / (float64(e.n) * float64(e.d)), true
	}
	return 0, false
}

// utility evaluates every metric on grouped classes; suppressed[j] marks suppressed
// classes (nil: none).
func (e *Engine) utility(g *groupify, suppressed []bool) Utility {
	levels := e.lat.node(g.node)
	n, d := float64(e.n), float64(e.d)
	var u Utility
	var precSum float64
	for c, l := range levels {
		precSum += e.met.prec[c][l]
		u.NonUniformEntropy += e.met.ent[c][l]
		u.Loss += e.met.lm[c][l]
	}
	var supp float64
	for j := 0; j < g.n; j++ {
		cnt := float64(g.count[j])
		if suppressed == nil || !suppressed[j] {
			u.Discernibility += cnt * cnt
			continue
		}
		supp += cnt
		u.Discernibility += n * cnt
		var pe, pl float64
		for c, l := range levels {
			x := e.genOf(g.rep[j], c, l)
			pe += e.met.entPen[c][l][x]
			pl += e.met.lmPen[c][l][x]
		}
		u.NonUniformEntropy += cnt * pe
		u.Loss += cnt * pl
	}
	u.Precision = ((n-supp)*precSum + supp*d) / (n * d)
	u.Loss /= n * d
	return u
}

// lossOf evaluates only metric (the search's inner use of utility).
func (e *Engine) lossOf(metric Metric, g *groupify, suppressed []bool) float64 {
	return e.utility(g, suppressed).Of(metric)
}
