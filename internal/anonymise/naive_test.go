package anonymise_test

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/anonymise"
)

// naive is an independent, deliberately plain implementation of the models and metrics,
// straight from their definitions: rows as strings, classes as a map from the generalised
// label tuple, hierarchies read only through Generalise. The tests compare the engine
// with it.
type naive struct {
	header []string
	rows   [][]string
	qis    []int
	hs     []*anonymise.Hierarchy
	sens   int // -1: none
	cfg    anonymise.Config
}

type naiveEval struct {
	feasible   bool
	suppressed int
	loss       anonymise.Utility
}

func newNaive(header []string, rows [][]string, cfg anonymise.Config) *naive {
	nv := &naive{header: header, rows: rows, cfg: cfg, sens: -1}
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		panic("no column " + name)
	}
	for _, q := range cfg.QuasiIdentifiers {
		nv.qis = append(nv.qis, col(q))
		nv.hs = append(nv.hs, cfg.Hierarchies[q])
	}
	if cfg.Sensitive != "" {
		nv.sens = col(cfg.Sensitive)
	}
	return nv
}

func (nv *naive) label(row []string, c, level int) string {
	v, ok := nv.hs[c].Generalise(row[nv.qis[c]], level)
	if !ok {
		panic("value not in hierarchy")
	}
	return v
}

func (nv *naive) key(row []string, levels []int) string {
	parts := make([]string, len(levels))
	for c, l := range levels {
		parts[c] = nv.label(row, c, l)
	}
	return strings.Join(parts, "\x1f")
}

// classFails applies the models to one class: its size and its sensitive values.
func (nv *naive) classFails(size int, sens []string) bool {
	if size < nv.cfg.K {
		return true
	}
	counts := map[string]int{}
	for _, s := range sens {
		counts[s]++
	}
	if l := nv.cfg.LDiversity; l != nil {
		switch l.Variant {
		case anonymise.DistinctL:
			if len(counts) < l.L {
				return true
			}
		case anonymise.EntropyL:
			h := 0.0
			for _, r := range counts {
				p := float64(r) / float64(size)
				h -= p * math.Log(p)
			}
			if h < math.Log(float64(l.L))-1e-9 {
				return true
			}
		case anonymise.RecursiveL:
			var rs []int
			for _, r := range counts {
				rs = append(rs, r)
			}
			sort.Sort(sort.Reverse(sort.IntSlice(rs)))
			if len(rs) < l.L {
				return true
			}
			tail := 0
			for _, r := range rs[l.L-1:] {
				tail += r
			}
			if !(float64(rs[0]) < l.C*float64(tail)) {
				return true
			}
		}
	}
	if tc := nv.cfg.TCloseness; tc != nil {
		global := map[string]float64{}
		for _, row := range nv.rows {
			global[row[nv.sens]] += 1 / float64(len(nv.rows))
		}
		values := make([]string, 0, len(global))
		for v := range global {
			values = append(values, v)
		}
		var d float64
		if !tc.Ordered {
			for _, v := range values {
				d += math.Abs(float64(counts[v])/float64(size) - global[v])
			}
			d /= 2
		} else if len(values) > 1 {
			numeric := true
			for _, v := range values {
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					numeric = false
				}
			}
			sort.Slice(values, func(i, j int) bool {
				if numeric {
					a, _ := strconv.ParseFloat(values[i], 64)
					b, _ := strconv.ParseFloat(values[j], 64)
					return a < b
				}
				return values[i] < values[j]
			})
			cum := 0.0
			for _, v := range values {
				cum += float64(counts[v])/float64(size) - global[v]
				d += math.Abs(cum)
			}
			d /= float64(len(values) - 1)
		}
		if d > tc.T+1e-9 {
			return true
		}
	}
	return false
}

// evaluate applies the transformation levels and returns whether it meets the models
// within the suppression limit, how many records it suppresses and its loss under every
// metric.
func (nv *naive) evaluate(levels []int) naiveEval {
	n := len(nv.rows)
	classes := map[string][]int{}
	for i, row := range nv.rows {
		k := nv.key(row, levels)
		classes[k] = append(classes[k], i)
	}
	suppressed := make([]bool, n)
	var ev naiveEval
	for _, members := range classes {
		var sens []string
		if nv.sens >= 0 {
			for _, i := range members {
				sens = append(sens, nv.rows[i][nv.sens])
			}
		}
		if nv.classFails(len(members), sens) {
			ev.suppressed += len(members)
			for _, i := range members {
				suppressed[i] = true
			}
		} else {
			ev.loss.Discernibility += float64(len(members) * len(members))
		}
	}
	ev.loss.Discernibility += float64(ev.suppressed * n)
	limit := int(math.Floor(nv.cfg.Suppression*float64(n) + 1e-9))
	ev.feasible = ev.suppressed <= limit

	// Per-cell metrics.
	d := len(levels)
	for c, l := range levels {
		h := nv.hs[c]
		leaves := h.Leaves()
		under := map[string]int{} // label at l → leaves it covers
		for _, leaf := range leaves {
			lab, _ := h.Generalise(leaf, l)
			under[lab]++
		}
		orig, gen := map[string]int{}, map[string]int{}
		for _, row := range nv.rows {
			orig[row[nv.qis[c]]]++
			gen[nv.label(row, c, l)]++
		}
		for i, row := range nv.rows {
			if suppressed[i] {
				ev.loss.Precision++
				ev.loss.Loss++
				ev.loss.NonUniformEntropy += math.Log2(float64(n) / float64(orig[row[nv.qis[c]]]))
				continue
			}
			if h.Height() > 0 {
				ev.loss.Precision += float64(l) / float64(h.Height())
			}
			if len(leaves) > 1 {
				ev.loss.Loss += float64(under[nv.label(row, c, l)]-1) / float64(len(leaves)-1)
			}
			ev.loss.NonUniformEntropy += math.Log2(float64(gen[nv.label(row, c, l)]) / float64(orig[row[nv.qis[c]]]))
		}
	}
	ev.loss.Precision /= float64(n * d)
	ev.loss.Loss /= float64(n * d)
	return ev
}

// allLevels enumerates every node of the lattice.
func allLevels(heights []int) [][]int {
	out := [][]int{{}}
	for _, h := range heights {
		var next [][]int
		for _, p := range out {
			for l := 0; l <= h; l++ {
				next = append(next, append(append([]int(nil), p...), l))
			}
		}
		out = next
	}
	return out
}

// bruteForce evaluates every node and returns the least loss among feasible nodes (NaN if
// none), and every node's evaluation.
func (nv *naive) bruteForce() (float64, map[string]naiveEval) {
	heights := make([]int, len(nv.hs))
	for c, h := range nv.hs {
		heights[c] = h.Height()
	}
	best := math.NaN()
	all := map[string]naiveEval{}
	for _, lv := range allLevels(heights) {
		ev := nv.evaluate(lv)
		all[levelKey(lv)] = ev
		if ev.feasible {
			if v := ev.loss.Of(nv.cfg.Metric); math.IsNaN(best) || v < best {
				best = v
			}
		}
	}
	return best, all
}

func levelKey(lv []int) string {
	s := make([]string, len(lv))
	for i, v := range lv {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func close(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
