package anonymise

import "math/bits"

// source is the equivalence classes of a node at or below the one being checked: each a
// representative tuple, its record count and, with a sensitive model, its histogram.
// Every tuple of a class generalises alike at the source's node, hence alike at any node
// above it, so one representative stands for the class (ARX's roll-up from snapshots).
type source struct {
	node   int32
	rep    []int32
	count  []int32
	hist   []int32 // len(rep)×ns
	tuples bool    // rep[i] == i: the distinct tuples themselves, read in order
}

// groupify groups a source's classes by their generalised tuple at one node. Its buffers
// are sized once for the table's distinct tuples and pooled by the Engine, so a check
// allocates nothing.
type groupify struct {
	e    *Engine
	tabs [][]uint64 // per column and node: the key contribution of each value
	keys []uint64   // per source entry: its key at the node

	slots []int32 // open addressing: class+1, 0 when free
	skeys []uint64
	mask  uint64
	shift uint
	// dense replaces the hash table when a node's key space (the product of its label
	// counts) is at most denseMax: the key indexes it directly. Nodes the search checks
	// are mostly far enough up the lattice for that.
	dense     []int32
	usedDense bool
	noDense   bool // for measuring (tune_bench_test.go)

	node   int32
	n      int     // classes found
	assign []int32 // when set (length of the source), the class each source entry joined
	cslot  []int32
	rep    []int32
	count  []int32
	hist   []int32
	supp   []bool // per class, set by the searcher: the class fails a model
}

// denseMax bounds the directly indexed table (256 KiB of int32).
const denseMax = 1 << 16

func newGroupify(e *Engine) *groupify {
	size := 64
	for size < 2*e.nt {
		size <<= 1
	}
	g := &groupify{
		e:     e,
		tabs:  make([][]uint64, e.d),
		keys:  make([]uint64, e.nt),
		slots: make([]int32, size),
		skeys: make([]uint64, size),
		mask:  uint64(size - 1),
		shift: uint(64 - bits.TrailingZeros(uint(size))),
		cslot: make([]int32, e.nt),
		rep:   make([]int32, e.nt),
		count: make([]int32, e.nt),
		hist:  make([]int32, e.nt*e.ns),
		supp:  make([]bool, e.nt),
	}
	for c := range g.tabs {
		g.tabs[c] = make([]uint64, len(e.gen[c][0]))
	}
	return g
}

// run groups src at node. The classes stay in g until the next run.
func (g *groupify) run(node int32, src *source) {
	e := g.e
	slots := g.slots
	if g.usedDense {
		slots = g.dense
	}
	for j := 0; j < g.n; j++ { // free the previous run's slots
		slots[g.cslot[j]] = 0
	}
	g.n, g.node, g.usedDense = 0, node, false
	levels := e.lat.node(node)

	// Each column's values get their contribution to the key at this node: exact keys in
	// mixed radix over the node's label counts, or random words when those overflow 64
	// bits. A column at a level with one label adds nothing and is skipped.
	keys := g.keys[:len(src.rep)]
	first := true // the first column sets the keys, the others add to them
	stride := uint64(1)
	for c, l := range levels {
		w := e.width[c][l]
		if w == 1 {
			continue
		}
		tab := g.tabs[c]
		if e.exact {
			for id, x := range e.gen[c][l] {
				tab[id] = uint64(x) * stride
			}
			stride *= uint64(w) // exact keys cannot overflow: see prepareColumns
		} else {
			z := e.zob[e.zoff[c][l]:]
			for id, x := range e.gen[c][l] {
				tab[id] = z[x]
			}
		}
		col := e.cols[c]
		switch {
		case src.tuples && first:
			for i, v := range col[:len(keys)] {
				keys[i] = tab[v]
			}
		case src.tuples:
			for i, v := range col[:len(keys)] {
				keys[i] += tab[v]
			}
		case first:
			for i, t := range src.rep {
				keys[i] = tab[col[t]]
			}
		default:
			for i, t := range src.rep {
				keys[i] += tab[col[t]]
			}
		}
		first = false
	}
	if first { // every column at a single label: one class
		clear(keys)
	}
	if e.exact && stride <= denseMax && !g.noDense {
		g.groupDense(src, keys)
		return
	}
	g.groupHash(src, keys, levels)
}

// groupDense groups by keys that index a table directly.
func (g *groupify) groupDense(src *source, keys []uint64) {
	if g.dense == nil {
		g.dense = make([]int32, denseMax)
	}
	g.usedDense = true
	dense := g.dense
	for i, k := range keys {
		if s := dense[k]; s != 0 {
			g.add(int(s-1), src, i)
			continue
		}
		j := g.n
		dense[k] = int32(j + 1)
		g.open(int32(k), src, i)
	}
}

// groupHash groups by keys in an open-addressing table, comparing the tuples on a hit when
// keys are hashed rather than exact.
func (g *groupify) groupHash(src *source, keys []uint64, levels []uint8) {
	exact := g.e.exact
	slots, skeys := g.slots, g.skeys
	for i, k := range keys {
		h := (k * 0x9E3779B97F4A7C15) >> g.shift
		for {
			s := slots[h]
			if s == 0 {
				slots[h] = int32(g.n + 1)
				skeys[h] = k
				g.open(int32(h), src, i)
				break
			}
			if skeys[h] == k && (exact || g.e.sameClass(g.rep[s-1], src.rep[i], levels)) {
				g.add(int(s-1), src, i)
				break
			}
			h = (h + 1) & g.mask
		}
	}
}

// open starts class g.n with source entry i, held in slot.
func (g *groupify) open(slot int32, src *source, i int) {
	j := g.n
	g.n++
	g.cslot[j] = slot
	g.rep[j] = src.rep[i]
	g.count[j] = src.count[i]
	if ns := g.e.ns; ns > 0 {
		copy(g.hist[j*ns:(j+1)*ns], src.hist[i*ns:(i+1)*ns])
	}
	if g.assign != nil {
		g.assign[i] = int32(j)
	}
}

// add adds source entry i to class j.
func (g *groupify) add(j int, src *source, i int) {
	g.count[j] += src.count[i]
	if ns := g.e.ns; ns > 0 {
		dst, add := g.hist[j*ns:(j+1)*ns], src.hist[i*ns:(i+1)*ns]
		for x := range dst {
			dst[x] += add[x]
		}
	}
	if g.assign != nil {
		g.assign[i] = int32(j)
	}
}

// sameClass reports whether tuples a and b generalise alike at levels (hashed keys only).
func (e *Engine) sameClass(a, b int32, levels []uint8) bool {
	for c, l := range levels {
		g, col := e.gen[c][l], e.cols[c]
		if g[col[a]] != g[col[b]] {
			return false
		}
	}
	return true
}

// snapshot copies the current classes into a source.
func (g *groupify) snapshot() *source {
	ns := g.e.ns
	return &source{
		node:  g.node,
		rep:   append([]int32(nil), g.rep[:g.n]...),
		count: append([]int32(nil), g.count[:g.n]...),
		hist:  append([]int32(nil), g.hist[:g.n*ns]...),
	}
}

// genOf returns the label id of tuple t's column c at level l.
func (e *Engine) genOf(t int32, c int, l uint8) int32 {
	return e.gen[c][l][e.cols[c][t]]
}
