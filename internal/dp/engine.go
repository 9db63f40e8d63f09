package dp

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/differential-privacy/go/v3/dpagg"
	"github.com/google/differential-privacy/go/v3/noise"
)

// Aggregator is a report's first stage: it bounds each person's contributions (at most
// MaxPartitions cells, at most MaxContributions events per cell, every value clamped) and
// adds what is left to the cells. It releases nothing itself: only the Ledger turns an
// aggregation into a release, after charging the budget. It is exported so that the
// benchmark can time bounding alone.
type Aggregator struct {
	p       *plan
	inflate float64 // 1; a test breaks the mechanism with more (see the privacy audit)
	cells   map[cellKey]*cellAcc
	seen    map[uint64]struct{} // hashes of the ids of the people added
	// Bounding samples which cells and which events of a person to keep. Each person's
	// choices come from a stream seeded by (seed, person id), so they depend on that
	// person alone, never on who else is in the data or in which order.
	seed [2]uint64
	pcg  rand.PCG
	rng  *rand.Rand
	// Values of string dimensions are interned per dimension: ids[i] maps a value to its
	// id, names[i] back. A dimension with declared values has them as ids 0..k-1 and is
	// closed: a value not among them is left out.
	ids    []map[string]uint32
	names  [][]string
	closed []bool
	recent [][256]recentValue
	// Per-person scratch, reused.
	parts []partAcc
	table partTable // finds the person's cell by key
	pkey  cellKey   // the person-level dimensions' ids
}

// cellKey identifies a cell: one id per dimension (at most three group_by and a bin).
// String values are interned; a day is its day number since 1970-01-01 (UTC), a week the
// number of its Monday-based week since then, a bin its index, tag and segment membership
// 0 or 1.
type cellKey [4]uint32

// cellAcc is one cell's state before noise: what the library's mechanisms read.
type cellAcc struct {
	people int64   // distinct people (partition selection, count_people)
	n      int64   // bounded contributions (count, histogram, quantile's count)
	sum    float64 // bounded, clamped sum (sum)
	mean   *dpagg.BoundedMean
	quant  *dpagg.BoundedQuantiles
}

// partAcc is one of the current person's cells.
type partAcc struct {
	key  cellKey
	n    int64     // matching events seen
	vals []float64 // a uniform sample of at most MaxContributions clamped values
}

// NewAggregator returns an aggregator for spec (validated as Normalize does).
func NewAggregator(spec Spec) (*Aggregator, error) {
	p, err := compile(spec)
	if err != nil {
		return nil, err
	}
	return newAggregator(p, 1), nil
}

func newAggregator(p *plan, inflate float64) *Aggregator {
	a := &Aggregator{p: p, inflate: inflate, cells: map[cellKey]*cellAcc{}, seen: map[uint64]struct{}{},
		seed: newSeed()}
	a.rng = rand.New(&a.pcg)
	n := len(p.dims)
	a.ids, a.names, a.closed = make([]map[string]uint32, n), make([][]string, n), make([]bool, n)
	a.recent = make([][256]recentValue, n)
	for i, d := range p.dims {
		switch d.kind {
		case dimEvent, dimCampaign, dimTrait:
			a.ids[i] = map[string]uint32{}
			for _, v := range p.domains[i] {
				a.intern(i, v)
			}
			a.closed[i] = p.domains[i] != nil
		}
	}
	return a
}

func (a *Aggregator) intern(i int, v string) (uint32, bool) {
	// Most dimensions have few values (event names, campaigns, cities): a direct-mapped
	// cache on the value's length and end bytes answers most lookups with one comparison
	// instead of hashing the whole string.
	c := &a.recent[i]
	slot := 0
	if n := len(v); n > 0 {
		slot = (n*31 ^ int(v[0])*7 ^ int(v[n-1])) & (len(c) - 1)
	}
	if e := &c[slot]; e.set && e.s == v {
		return e.id, true
	}
	id, ok := a.ids[i][v]
	if !ok {
		if a.closed[i] {
			return 0, false
		}
		id = uint32(len(a.names[i]))
		a.ids[i][v] = id
		a.names[i] = append(a.names[i], v)
	}
	c[slot] = recentValue{s: v, id: id, set: true}
	return id, true
}

// recentValue is an entry of the interning cache.
type recentValue struct {
	s   string
	id  uint32
	set bool
}

// errDuplicate: a source that yields a person twice would let them contribute twice the
// bound, so the report stops instead.
var errDuplicate = errors.New("report: the source yielded one person twice")

// Add bounds one person's contributions and adds them to the cells.
func (a *Aggregator) Add(person *Person) error {
	// A 64-bit hash tells people apart well enough: a collision (about one in 10⁷ reports
	// over a million people) refuses the report, it never merges two people.
	h := fnv64a(person.ID)
	if _, dup := a.seen[h]; dup {
		return errDuplicate
	}
	a.seen[h] = struct{}{}
	p := a.p
	a.pcg.Seed(a.seed[0]^h, a.seed[1]^(h*0x9e3779b97f4a7c15))
	a.parts = a.parts[:0]
	a.table.reset()

	// The person's own values; a value outside a declared domain leaves them out.
	a.pkey = cellKey{}
	for i, d := range p.dims {
		switch d.kind {
		case dimTrait:
			id, ok := a.intern(i, person.Traits[d.Name])
			if !ok {
				return nil
			}
			a.pkey[i] = id
		case dimTag:
			a.pkey[i] = bit(hasString(person.Tags, d.Name))
		case dimSegment:
			a.pkey[i] = bit(hasString(person.Segments, d.Name))
		}
	}

	if p.personLevel() {
		a.part(a.pkey).n = 1
	} else {
		a.addEvents(person)
	}
	if len(a.parts) == 0 {
		return nil
	}
	// At most MaxPartitions cells, chosen uniformly.
	keep := a.parts
	if int64(len(keep)) > p.p {
		for i := 0; i < int(p.p); i++ {
			j := i + a.rng.IntN(len(keep)-i)
			keep[i], keep[j] = keep[j], keep[i]
		}
		keep = keep[:p.p]
	}
	for i := range keep {
		a.contribute(&keep[i])
	}
	return nil
}

func (a *Aggregator) addEvents(person *Person) {
	p := a.p
	spec := &p.spec
	valued := spec.Property != ""
	from, to := spec.From, spec.To
events:
	for k := range person.Events {
		e := &person.Events[k]
		if spec.Event != "" && e.Name != spec.Event {
			continue
		}
		if !from.IsZero() && e.At.Before(from) || !to.IsZero() && !e.At.Before(to) {
			continue
		}
		var v float64
		if valued {
			x, ok := e.Props[spec.Property]
			if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			v = min(max(x, p.lo), p.hi)
		}
		key := a.pkey
		for i, d := range p.dims {
			switch d.kind {
			case dimEvent:
				id, ok := a.intern(i, e.Name)
				if !ok {
					continue events
				}
				key[i] = id
			case dimCampaign:
				id, ok := a.intern(i, e.Campaign)
				if !ok {
					continue events
				}
				key[i] = id
			case dimDay:
				key[i] = uint32(int32(dayNumber(e.At)))
			case dimWeek:
				key[i] = uint32(int32(floorDiv(dayNumber(e.At)+3, 7)))
			case dimBin:
				key[i] = uint32(binOf(v, p.lo, p.hi, spec.Bins))
			}
		}
		pa := a.part(key)
		pa.n++
		if valued {
			// Reservoir sampling keeps a uniform sample of MaxContributions values.
			if int64(len(pa.vals)) < p.c {
				pa.vals = append(pa.vals, v)
			} else if j := a.rng.Int64N(pa.n); j < p.c {
				pa.vals[j] = v
			}
		}
	}
}

// part returns the person's cell for key, adding it if new.
func (a *Aggregator) part(key cellKey) *partAcc {
	e := a.table.find(key)
	if e.gen == a.table.cur {
		return &a.parts[e.idx]
	}
	if len(a.parts) < cap(a.parts) {
		a.parts = a.parts[:len(a.parts)+1]
		last := &a.parts[len(a.parts)-1]
		last.key, last.n, last.vals = key, 0, last.vals[:0]
	} else {
		a.parts = append(a.parts, partAcc{key: key})
	}
	a.table.put(e, key, int32(len(a.parts)-1))
	return &a.parts[len(a.parts)-1]
}

// partTable is an open-addressing hash table from a cell key to the index of the current
// person's cell. It is emptied per person by moving to a new generation rather than by
// clearing, and hashes four small integers with one multiplication: a person's dozens of
// events cost a few nanoseconds each to place instead of a Go map's hashing.
type partTable struct {
	slots []partSlot
	shift uint32 // 32 − log2(len(slots)): the hash's top bits pick the slot
	cur   uint32 // a slot is in use when its generation is the current one
	used  int
}

type partSlot struct {
	key cellKey
	idx int32
	gen uint32
}

func (t *partTable) reset() {
	t.cur++
	t.used = 0
	if t.slots == nil {
		t.slots, t.shift = make([]partSlot, 64), 32-6
	}
	if t.cur == 0 { // wrapped: clear once every 2³² people
		clear(t.slots)
		t.cur = 1
	}
}

// find returns key's slot, or the empty slot where it goes.
func (t *partTable) find(key cellKey) *partSlot {
	// Fibonacci hashing of the ids folded into one word: ids are small integers (interned
	// values, day numbers), which the multiplication spreads over the top bits.
	v := key[0] ^ bits.RotateLeft32(key[1], 8) ^ bits.RotateLeft32(key[2], 16) ^ bits.RotateLeft32(key[3], 24)
	h := v * 0x9e3779b1
	mask := len(t.slots) - 1
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		e := &t.slots[i]
		if e.gen != t.cur || e.key == key {
			return e
		}
	}
}

// put fills the empty slot e, growing the table past half full.
func (t *partTable) put(e *partSlot, key cellKey, idx int32) {
	*e = partSlot{key: key, idx: idx, gen: t.cur}
	t.used++
	if t.used*2 <= len(t.slots) {
		return
	}
	old := t.slots
	t.slots, t.shift = make([]partSlot, 2*len(old)), t.shift-1
	for i := range old {
		if old[i].gen == t.cur {
			*t.find(old[i].key) = old[i]
		}
	}
}

// contribute adds one person's bounded contribution to a cell.
func (a *Aggregator) contribute(pa *partAcc) {
	c := a.cells[pa.key]
	if c == nil {
		c = a.newCell()
		a.cells[pa.key] = c
	}
	c.people++
	switch a.p.spec.Measure {
	case Count, Histogram:
		c.n += min(pa.n, a.p.c)
	case Sum:
		for _, v := range pa.vals {
			c.sum += v
		}
	case Mean:
		for _, v := range pa.vals {
			c.mean.Add(v)
		}
	case Quantile:
		for _, v := range pa.vals {
			c.quant.Add(v)
		}
		c.n += int64(len(pa.vals))
	}
}

func (a *Aggregator) newCell() *cellAcc {
	p := a.p
	c := &cellAcc{}
	var err error
	switch p.spec.Measure {
	case Mean:
		c.mean, err = dpagg.NewBoundedMean(&dpagg.BoundedMeanOptions{Epsilon: p.epsAgg * a.inflate, Delta: p.deltaAgg,
			MaxPartitionsContributed: p.p, MaxContributionsPerPartition: p.c, Lower: p.lo, Upper: p.hi, Noise: p.noise()})
	case Quantile:
		c.quant, err = dpagg.NewBoundedQuantiles(&dpagg.BoundedQuantilesOptions{Epsilon: p.parts[0].eps * a.inflate, Delta: p.deltaAgg,
			MaxPartitionsContributed: p.p, MaxContributionsPerPartition: p.c, Lower: p.lo, Upper: p.hi, Noise: p.noise(),
			TreeHeight: quantileTreeHeight, BranchingFactor: quantileBranchingFactor})
	}
	if err != nil {
		// compile checked every parameter these constructors check.
		panic(fmt.Sprintf("dp: plan passed validation but the library refused it: %v", err))
	}
	return c
}

func (p *plan) noise() noise.Noise {
	if p.gauss {
		return noise.Gaussian()
	}
	return noise.Laplace()
}

func bit(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// dayNumber is t's day since 1970-01-01, UTC.
func dayNumber(t time.Time) int64 { return floorDiv(t.Unix(), 86400) }

func binOf(v, lo, hi float64, bins int) int {
	i := int((v - lo) / (hi - lo) * float64(bins))
	return min(max(i, 0), bins-1)
}

// values names a cell's key: its value per dimension, bins by label.
func (a *Aggregator) values(k cellKey) []string {
	p := a.p
	out := make([]string, len(p.dims))
	for i, d := range p.dims {
		id := k[i]
		switch d.kind {
		case dimEvent, dimCampaign, dimTrait:
			out[i] = a.names[i][id]
		case dimTag, dimSegment:
			out[i] = boolString(id == 1)
		case dimDay:
			out[i] = dayLabel(time.Unix(int64(int32(id))*86400, 0))
		case dimWeek:
			out[i] = weekLabel(time.Unix((int64(int32(id))*7-3)*86400, 0))
		case dimBin:
			out[i] = p.domains[i][id]
		}
	}
	return out
}

// key finds the cell key of values (as values names them); false if a value is unknown.
func (a *Aggregator) key(vals []string) (cellKey, bool) {
	var k cellKey
	for i := range a.p.dims {
		id, ok := a.keyOne(i, vals[i])
		if !ok {
			return k, false
		}
		k[i] = id
	}
	return k, true
}

// keyOne finds the id of value v of dimension i.
func (a *Aggregator) keyOne(i int, v string) (uint32, bool) {
	switch d := a.p.dims[i]; d.kind {
	case dimEvent, dimCampaign, dimTrait:
		id, ok := a.ids[i][v]
		return id, ok
	case dimTag, dimSegment:
		return bit(v == "true"), v == "true" || v == "false"
	case dimDay:
		t, err := time.Parse("2006-01-02", v)
		return uint32(int32(dayNumber(t))), err == nil
	case dimWeek:
		var y, w int
		if _, err := fmt.Sscanf(v, "%04d-W%02d", &y, &w); err != nil {
			return 0, false
		}
		// The Monday of ISO week w: January 4th is always in week 1.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		monday := jan4.AddDate(0, 0, -int((jan4.Weekday()+6)%7)+7*(w-1))
		return uint32(int32(floorDiv(dayNumber(monday)+3, 7))), true
	default: // dimBin
		j := slices.Index(a.p.domains[i], v)
		return uint32(j), j >= 0
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// newSeed returns a random seed for the bounding streams.
func newSeed() [2]uint64 {
	var b [16]byte
	crand.Read(b[:])
	return [2]uint64{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}
}

// fnv64a is FNV-1a: a cheap, fixed hash of a person's id for their bounding stream.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// aggregate runs a whole source through a fresh aggregator.
func aggregate(ctx context.Context, p *plan, src Source, inflate float64) (*Aggregator, error) {
	a := newAggregator(p, inflate)
	if err := src.People(ctx, p.query(), a.Add); err != nil {
		return nil, fmt.Errorf("report: read the data: %w", err)
	}
	return a, nil
}
