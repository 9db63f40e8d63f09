package anonymise

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Engine is one prepared anonymisation task: the table reduced to its distinct
// quasi-identifier tuples with their counts (and sensitive-value histograms), every
// hierarchy turned into integer lookup tables, and the generalisation lattice. It is
// immutable once built, so Search, SearchAll and Evaluate may run concurrently.
type Engine struct {
	cfg   Config
	table *Table
	n     int // records
	d     int // quasi-identifiers
	qcol  []int
	hier  []*Hierarchy

	// Per quasi-identifier c, values are known by their table dictionary ids (every one
	// occurs in the data); gen[c][l][id] is the id of their label at level l, numbered
	// densely per level (width[c][l] of them); label[c][l][x] is that label's id in the
	// hierarchy.
	gen   [][][]int32
	width [][]int
	label [][][]int32

	// Distinct quasi-identifier tuples, column by column so that grouping them streams
	// through memory one column at a time.
	nt         int
	cols       [][]int32 // cols[c][tuple] → dictionary id
	tcount     []int32
	rowTuple   []int32
	base       *source    // the bottom node's classes: the tuples themselves
	flashOrder []int32    // nodes in Flash's order (prepareOrder)
	flashRank  []int32    // node → position in flashOrder
	pool       *sync.Pool // *groupify buffers, reused across searches

	// Sensitive attribute (ns == 0 when no model needs it).
	ns     int
	thist  []int32   // nt×ns
	global []float64 // share of each sensitive value in the table
	rank   []int32   // ordered distance: sensitive id → position in the order

	exact bool     // keys pack exactly into 64 bits; else hashed and verified
	zob   []uint64 // hashed keys: a random word per (column, level, label)
	zoff  [][]int  // offset of (c, l) in zob

	met metricTables
	lat *lattice
}

// New prepares cfg over t. It fails with ErrConfig for a bad configuration, ErrHierarchy
// when a quasi-identifier value is missing from its hierarchy, and ErrTooLarge for a
// lattice above MaxNodes.
func New(t *Table, cfg Config) (*Engine, error) {
	if t == nil {
		return nil, configErr("prepare", "no table")
	}
	cfg.QuasiIdentifiers = slices.Clone(cfg.QuasiIdentifiers)
	if cfg.LDiversity != nil {
		l := *cfg.LDiversity
		cfg.LDiversity = &l
	}
	if cfg.TCloseness != nil {
		tc := *cfg.TCloseness
		cfg.TCloseness = &tc
	}
	if err := cfg.validate(t); err != nil {
		return nil, err
	}
	if t.rows == 0 {
		return nil, configErr("prepare", "the table has no rows")
	}
	e := &Engine{cfg: cfg, table: t, n: t.rows, d: len(cfg.QuasiIdentifiers)}
	if err := e.prepareColumns(); err != nil {
		return nil, err
	}
	lat, err := newLattice(e.heights())
	if err != nil {
		return nil, err
	}
	e.lat = lat
	e.prepareTuples()
	e.prepareSensitive()
	e.prepareMetrics()
	e.prepareOrder()
	rep := make([]int32, e.nt)
	for i := range rep {
		rep[i] = int32(i)
	}
	e.base = &source{node: 0, rep: rep, count: e.tcount, hist: e.thist, tuples: true}
	e.pool = &sync.Pool{New: func() any { return newGroupify(e) }}
	return e, nil
}

func (e *Engine) heights() []int {
	h := make([]int, e.d)
	for c := range h {
		h[c] = e.hier[c].Height()
	}
	return h
}

func (e *Engine) prepareColumns() error {
	e.qcol = make([]int, e.d)
	e.hier = make([]*Hierarchy, e.d)
	e.gen = make([][][]int32, e.d)
	e.width = make([][]int, e.d)
	e.label = make([][][]int32, e.d)
	bitsNeeded := 0
	for c, name := range e.cfg.QuasiIdentifiers {
		col := e.table.Column(name)
		e.qcol[c] = col
		dict := e.table.cols[col].dict
		h := e.cfg.Hierarchies[name]
		if h == nil {
			h = FlatHierarchy(dict)
		}
		e.hier[c] = h
		// The dictionary is in order of first appearance, so the first missing id is
		// the earliest row with a value the hierarchy lacks.
		leafOf := make([]int32, len(dict))
		for id, v := range dict {
			leaf, ok := h.leaves[v]
			if !ok {
				row := slices.Index(e.table.cols[col].codes, int32(id)) + 1
				return fmt.Errorf("prepare: %w: column %q: the value in data row %d is not in its hierarchy", ErrHierarchy, name, row)
			}
			leafOf[id] = leaf
		}
		levels := h.Levels()
		e.gen[c] = make([][]int32, levels)
		e.width[c] = make([]int, levels)
		e.label[c] = make([][]int32, levels)
		for l := 0; l < levels; l++ {
			ids := make(map[int32]int32)
			g := make([]int32, len(dict))
			for id := range dict {
				hl := h.up[l][leafOf[id]]
				x, ok := ids[hl]
				if !ok {
					x = int32(len(ids))
					ids[hl] = x
					e.label[c][l] = append(e.label[c][l], hl)
				}
				g[id] = x
			}
			e.gen[c][l] = g
			e.width[c][l] = len(ids)
		}
		bitsNeeded += bits.Len(uint(len(dict) - 1))
	}
	e.exact = bitsNeeded <= 64
	if !e.exact {
		// Random words per label: a sum of d of them collides with probability ~2^-64
		// per pair, and groupify compares the tuples on every hit anyway.
		seed := uint64(0x9E3779B97F4A7C15)
		e.zoff = make([][]int, e.d)
		for c := range e.d {
			e.zoff[c] = make([]int, len(e.width[c]))
			for l, w := range e.width[c] {
				e.zoff[c][l] = len(e.zob)
				for range w {
					seed = splitmix(seed)
					e.zob = append(e.zob, seed)
				}
			}
		}
	}
	return nil
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// prepareTuples reduces the rows to distinct quasi-identifier tuples. Exact keys go
// through an open-addressing table sized for every row to be distinct (no growth, no
// map hashing); hashed ones through a map of the ids' bytes.
func (e *Engine) prepareTuples() {
	d := e.d
	e.rowTuple = make([]int32, e.n)
	row := make([]int32, d)
	mult := make([]uint64, d)
	if e.exact {
		shift := 0
		for c := range d {
			mult[c] = 1 << shift
			shift += bits.Len(uint(len(e.gen[c][0]) - 1))
		}
	}
	e.cols = make([][]int32, d)
	size := 64
	for size < 2*e.n {
		size <<= 1
	}
	var slots []int32 // tuple+1, 0 when free
	var skeys []uint64
	if e.exact {
		slots, skeys = make([]int32, size), make([]uint64, size)
	}
	shift := uint(64 - bits.TrailingZeros(uint(size)))
	byStr := make(map[string]int32)
	buf := make([]byte, 4*d)
	codes := make([][]int32, d)
	for c := range d {
		codes[c] = e.table.cols[e.qcol[c]].codes
		e.cols[c] = make([]int32, 0, e.n) // at most one tuple per row; no regrowing
	}
	e.tcount = make([]int32, 0, e.n)
	for r := 0; r < e.n; r++ {
		var key uint64
		for c := range d {
			row[c] = codes[c][r]
			key += uint64(row[c]) * mult[c]
		}
		t := int32(-1)
		var h uint64
		if e.exact {
			for h = (key * 0x9E3779B97F4A7C15) >> shift; slots[h] != 0; h = (h + 1) & uint64(size-1) {
				if skeys[h] == key {
					t = slots[h] - 1
					break
				}
			}
		} else {
			for c, v := range row {
				binary.LittleEndian.PutUint32(buf[4*c:], uint32(v))
			}
			if x, ok := byStr[string(buf)]; ok {
				t = x
			}
		}
		if t < 0 {
			t = int32(e.nt)
			e.nt++
			if e.exact {
				slots[h], skeys[h] = t+1, key
			} else {
				byStr[string(buf)] = t
			}
			for c := range d {
				e.cols[c] = append(e.cols[c], row[c])
			}
			e.tcount = append(e.tcount, 0)
		}
		e.tcount[t]++
		e.rowTuple[r] = t
	}
	if e.nt < e.n/2 { // give back the room reserved for every row being distinct
		for c := range d {
			e.cols[c] = slices.Clone(e.cols[c])
		}
		e.tcount = slices.Clone(e.tcount)
	}
}

// prepareSensitive builds the per-tuple histograms of the sensitive attribute when a model
// needs them.
func (e *Engine) prepareSensitive() {
	if e.cfg.LDiversity == nil && e.cfg.TCloseness == nil {
		return
	}
	col := e.table.Column(e.cfg.Sensitive)
	sc := &e.table.cols[col]
	e.ns = len(sc.dict)
	e.thist = make([]int32, e.nt*e.ns)
	e.global = make([]float64, e.ns)
	for r := 0; r < e.n; r++ {
		s := sc.codes[r]
		e.thist[int(e.rowTuple[r])*e.ns+int(s)]++
		e.global[s]++
	}
	for s := range e.global {
		e.global[s] /= float64(e.n)
	}
	if tc := e.cfg.TCloseness; tc != nil && tc.Ordered {
		ids := make([]int32, e.ns)
		for i := range ids {
			ids[i] = int32(i)
		}
		numeric := e.table.Numeric(col)
		num := func(s string) float64 { f, _ := strconv.ParseFloat(strings.TrimSpace(s), 64); return f }
		slices.SortStableFunc(ids, func(a, b int32) int {
			if numeric {
				return cmpFloat(num(sc.dict[a]), num(sc.dict[b]))
			}
			return strings.Compare(sc.dict[a], sc.dict[b])
		})
		e.rank = make([]int32, e.ns)
		for pos, id := range ids {
			e.rank[id] = int32(pos)
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Nodes returns the number of transformations in the lattice.
func (e *Engine) Nodes() int { return e.lat.size }

// Tuples returns the number of distinct quasi-identifier tuples in the table.
func (e *Engine) Tuples() int { return e.nt }

// Heights returns each quasi-identifier's highest generalisation level.
func (e *Engine) Heights() []int { return e.heights() }
