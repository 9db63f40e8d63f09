package anonymise

import "math/bits"

// source is the equivalence classes of a node at or below the one being checked: each a
// representative tuple, its record count and, with a sensitive model, its histogram.
// Every tuple of a class generalises alike at the source's node, hence alike at any node
// above it, so one representative stands for the class (ARX's roll-up from snapshots).
type source struct {
	node  int32
	rep   []int32
	count []int32
	hist  []int32 // len(rep)×ns
}

// groupify groups a source's classes by their generalised tuple at one node. Its buffers
// are sized once for the table's distinct tuples, so a check allocates nothing.
type groupify struct {
	e     *Engine
	key   []uint64 // per node: the key contribution of each column code
	slots []int32  // open addressing: class+1, 0 when free
	skeys []uint64
	mask  uint64
	shift uint

	node   int32
	n      int     // classes found
	assign []int32 // when set (length of the source), the class each source entry joined
	cslot  []int32
	rep    []int32
	count  []int32
	hist   []int32
}

func newGroupify(e *Engine) *groupify {
	size := 64
	for size < 2*e.nt {
		size <<= 1
	}
	keys := 0
	for c := range e.d {
		keys += len(e.gen[c][0])
	}
	return &groupify{
		e:     e,
		key:   make([]uint64, keys),
		slots: make([]int32, size),
		skeys: make([]uint64, size),
		mask:  uint64(size - 1),
		shift: uint(64 - bits.TrailingZeros(uint(size))),
		cslot: make([]int32, e.nt),
		rep:   make([]int32, e.nt),
		count: make([]int32, e.nt),
		hist:  make([]int32, e.nt*e.ns),
	}
}

// run groups src at node. The classes stay in g until the next run.
func (g *groupify) run(node int32, src *source) {
	e := g.e
	for j := 0; j < g.n; j++ { // free the previous run's slots
		g.slots[g.cslot[j]] = 0
	}
	g.n = 0
	g.node = node
	levels := e.lat.node(node)
	if e.exact {
		stride := uint64(1)
		for c, l := range levels {
			k := g.key[e.off[c]:]
			for id, x := range e.gen[c][l] {
				k[id] = uint64(x) * stride
			}
			stride *= uint64(e.width[c][l])
		}
	} else {
		for c, l := range levels {
			k := g.key[e.off[c]:]
			z := e.zob[e.zoff[c][l]:]
			for id, x := range e.gen[c][l] {
				k[id] = z[x]
			}
		}
	}
	d, ns := e.d, e.ns
	codes, key := e.codes, g.key
	slots, skeys := g.slots, g.skeys
	for i, t := range src.rep {
		cs := codes[int(t)*d : int(t)*d+d]
		var k uint64
		for _, c := range cs {
			k += key[c]
		}
		h := (k * 0x9E3779B97F4A7C15) >> g.shift
		for {
			s := slots[h]
			if s == 0 {
				j := g.n
				g.n++
				slots[h] = int32(j + 1)
				skeys[h] = k
				g.cslot[j] = int32(h)
				g.rep[j] = t
				g.count[j] = src.count[i]
				if ns > 0 {
					copy(g.hist[j*ns:(j+1)*ns], src.hist[i*ns:(i+1)*ns])
				}
				if g.assign != nil {
					g.assign[i] = int32(j)
				}
				break
			}
			if skeys[h] == k && (e.exact || e.sameClass(g.rep[s-1], t, levels)) {
				j := int(s - 1)
				g.count[j] += src.count[i]
				if g.assign != nil {
					g.assign[i] = int32(j)
				}
				if ns > 0 {
					dst, add := g.hist[j*ns:(j+1)*ns], src.hist[i*ns:(i+1)*ns]
					for x := range dst {
						dst[x] += add[x]
					}
				}
				break
			}
			h = (h + 1) & g.mask
		}
	}
}

// sameClass reports whether tuples a and b generalise alike at levels (hashed keys only).
func (e *Engine) sameClass(a, b int32, levels []uint8) bool {
	ca, cb := e.codes[int(a)*e.d:], e.codes[int(b)*e.d:]
	for c, l := range levels {
		g := e.gen[c][l]
		if g[ca[c]-e.off[c]] != g[cb[c]-e.off[c]] {
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

// base is the source of the bottom node: the distinct tuples themselves.
func (e *Engine) base() *source {
	rep := make([]int32, e.nt)
	for i := range rep {
		rep[i] = int32(i)
	}
	return &source{node: 0, rep: rep, count: e.tcount, hist: e.thist}
}

// genOf returns the label id of tuple t's column c at level l.
func (e *Engine) genOf(t int32, c int, l uint8) int32 {
	return e.gen[c][l][e.codes[int(t)*e.d+c]-e.off[c]]
}
