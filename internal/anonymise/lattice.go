package anonymise

import (
	"fmt"
	"slices"
)

// MaxNodes bounds the lattice the search keeps state for (ARX's Flash stops at 2^31-1;
// this engine keeps a few bytes per node, so it stops sooner and says so).
const MaxNodes = 1 << 22

// lattice is the generalisation lattice: one node per combination of levels, numbered in
// mixed radix (level of dimension 0 varies fastest). A node's successors raise one level
// by one; its predecessors lower one.
type lattice struct {
	d       int
	heights []int
	mult    []int32
	size    int
	levels  []uint8 // size×d
	sum     []int16 // sum of levels: the node's height in the lattice
}

func newLattice(heights []int) (*lattice, error) {
	l := &lattice{d: len(heights), heights: heights, mult: make([]int32, len(heights))}
	size := 1
	for c, h := range heights {
		l.mult[c] = int32(size)
		size *= h + 1
		if size > MaxNodes {
			return nil, fmt.Errorf("prepare: %w: the lattice has more than %d transformations; use fewer quasi-identifiers or shorter hierarchies", ErrTooLarge, MaxNodes)
		}
	}
	// Node heights (sums of levels) stay far below 1<<10, which prepareOrder packs them
	// into: a dimension of h+1 levels adds h to the height and a factor h+1 to the size,
	// so at most 63/6 per bit of MaxNodes, about 231.
	l.size = size
	l.levels = make([]uint8, size*l.d)
	l.sum = make([]int16, size)
	for id := 0; id < size; id++ {
		x, s := id, 0
		for c, h := range heights {
			v := x % (h + 1)
			x /= h + 1
			l.levels[id*l.d+c] = uint8(v)
			s += v
		}
		l.sum[id] = int16(s)
	}
	return l, nil
}

func (l *lattice) node(id int32) []uint8 { return l.levels[int(id)*l.d : int(id+1)*l.d] }

func (l *lattice) id(levels []int) int32 {
	var id int32
	for c, v := range levels {
		id += int32(v) * l.mult[c]
	}
	return id
}

func (l *lattice) top() int32 { return int32(l.size - 1) }

// leq reports whether node a is at or below node b in every dimension.
func (l *lattice) leq(a, b []uint8) bool {
	for c := range a {
		if a[c] > b[c] {
			return false
		}
	}
	return true
}

func (l *lattice) ints(id int32) []int {
	out := make([]int, l.d)
	for c, v := range l.node(id) {
		out[c] = int(v)
	}
	return out
}

// prepareOrder sorts the nodes as Flash does: by level, then by the mean relative
// generalisation height, then by how many distinct values remain (more first). The three
// criteria and the node id pack into one integer per node (the two shares to 16 bits
// each, which only matters for nodes the heuristic would rank within 1/65535 of each
// other), so the order is one sort of integers.
func (e *Engine) prepareOrder() {
	lat := e.lat
	prec := make([][]float64, lat.d) // per column and level: the share of the height
	dist := make([][]float64, lat.d) // per column and level: the share of values merged
	for c, h := range lat.heights {
		prec[c] = make([]float64, h+1)
		dist[c] = make([]float64, h+1)
		for l := range h + 1 {
			if h > 0 {
				prec[c][l] = float64(l) / float64(h)
			}
			dist[c][l] = 1 - float64(e.width[c][l])/float64(e.width[c][0])
		}
	}
	keys := make([]uint64, lat.size)
	scale := 65535 / float64(max(lat.d, 1))
	for id := range keys {
		var p, q float64
		for c, l := range lat.node(int32(id)) {
			p += prec[c][l]
			q += dist[c][l]
		}
		keys[id] = uint64(lat.sum[id])<<54 | uint64(p*scale)<<38 | uint64(q*scale)<<22 | uint64(id)
	}
	slices.Sort(keys)
	e.flashOrder = make([]int32, lat.size)
	e.flashRank = make([]int32, lat.size)
	for i, k := range keys {
		id := int32(k & (1<<22 - 1))
		e.flashOrder[i] = id
		e.flashRank[id] = int32(i)
	}
}
