package dp

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
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
	inflate float64 // 1; a test breaks the mechanism with more (see export_test.go)
	cells   map[string]*cellAcc
	seen    map[string]struct{}
	// Bounding samples which cells and which events of a person to keep. Each person's
	// choices come from a stream seeded by (seed, person id), so they depend on that
	// person alone, never on who else is in the data or in which order.
	seed [2]uint64
	pcg  rand.PCG
	rng  *rand.Rand
	// Per-person scratch, reused.
	parts   []partAcc
	index   map[string]int
	key     []byte
	pvals   []string // the person's values of the person-level dimensions
	domains []map[string]struct{}
	labels  map[int64][2]string // unix day → day, week label
}

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
	key  string
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
	a := &Aggregator{p: p, inflate: inflate, cells: map[string]*cellAcc{}, seen: map[string]struct{}{},
		seed: newSeed(), index: map[string]int{}, labels: map[int64][2]string{}}
	a.rng = rand.New(&a.pcg)
	a.domains = make([]map[string]struct{}, len(p.dims))
	for i, d := range p.domains {
		if d == nil || p.dims[i].kind == dimBin {
			continue
		}
		a.domains[i] = map[string]struct{}{}
		for _, v := range d {
			a.domains[i][v] = struct{}{}
		}
	}
	return a
}

// errDuplicate: a source that yields a person twice would let them contribute twice the
// bound, so the report stops instead.
var errDuplicate = errors.New("report: the source yielded one person twice")

// Add bounds one person's contributions and adds them to the cells.
func (a *Aggregator) Add(person *Person) error {
	if _, dup := a.seen[person.ID]; dup {
		return errDuplicate
	}
	a.seen[person.ID] = struct{}{}
	p := a.p
	h := fnv64a(person.ID)
	a.pcg.Seed(a.seed[0]^h, a.seed[1]^(h*0x9e3779b97f4a7c15))
	a.parts = a.parts[:0]
	clear(a.index)

	// The person's own values, and whether they fall outside a declared domain.
	a.pvals = a.pvals[:0]
	for i, d := range p.dims {
		v := ""
		switch d.kind {
		case dimTrait:
			v = person.Traits[d.Name]
		case dimTag:
			v = boolString(hasString(person.Tags, d.Name))
		case dimSegment:
			v = boolString(hasString(person.Segments, d.Name))
		default:
			a.pvals = append(a.pvals, "")
			continue
		}
		if dom := a.domains[i]; dom != nil {
			if _, ok := dom[v]; !ok {
				return nil
			}
		}
		a.pvals = append(a.pvals, v)
	}

	if p.personLevel() {
		a.key = a.key[:0]
		for _, v := range a.pvals {
			a.key = appendKeyPart(a.key, v)
		}
		a.part(a.key).n = 1
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
	for k := range person.Events {
		e := &person.Events[k]
		if spec.Event != "" && e.Name != spec.Event {
			continue
		}
		if !spec.From.IsZero() && e.At.Before(spec.From) || !spec.To.IsZero() && !e.At.Before(spec.To) {
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
		a.key = a.key[:0]
		skip := false
		for i, d := range p.dims {
			var val string
			switch d.kind {
			case dimEvent:
				val = e.Name
			case dimDay:
				val = a.label(e.At)[0]
			case dimWeek:
				val = a.label(e.At)[1]
			case dimCampaign:
				val = e.Campaign
			case dimBin:
				a.key = appendBin(a.key, v, p.lo, p.hi, spec.Bins)
				continue
			default:
				val = a.pvals[i]
			}
			if dom := a.domains[i]; dom != nil && !d.personal() {
				if _, ok := dom[val]; !ok {
					skip = true
					break
				}
			}
			a.key = appendKeyPart(a.key, val)
		}
		if skip {
			continue
		}
		pa := a.part(a.key)
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
func (a *Aggregator) part(key []byte) *partAcc {
	if len(a.parts) <= 8 {
		for i := range a.parts {
			if a.parts[i].key == string(key) {
				return &a.parts[i]
			}
		}
	} else if i, ok := a.index[string(key)]; ok {
		return &a.parts[i]
	}
	if len(a.parts) < cap(a.parts) {
		a.parts = a.parts[:len(a.parts)+1]
		last := &a.parts[len(a.parts)-1]
		last.key, last.n, last.vals = string(key), 0, last.vals[:0]
	} else {
		a.parts = append(a.parts, partAcc{key: string(key)})
	}
	if len(a.parts) > 8 {
		if len(a.index) == 0 {
			for i := range a.parts {
				a.index[a.parts[i].key] = i
			}
		} else {
			a.index[string(key)] = len(a.parts) - 1
		}
	}
	return &a.parts[len(a.parts)-1]
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

// label returns the day and ISO week of t, cached per day.
func (a *Aggregator) label(t time.Time) [2]string {
	day := t.Unix()
	if day < 0 {
		day = (day - 86399) / 86400
	} else {
		day /= 86400
	}
	if l, ok := a.labels[day]; ok {
		return l
	}
	d := time.Unix(day*86400, 0).UTC()
	l := [2]string{dayLabel(d), weekLabel(d)}
	a.labels[day] = l
	return l
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// A cell's key is its values in dimension order, each as uvarint length and bytes.
func appendKeyPart(b []byte, v string) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendBin(b []byte, v, lo, hi float64, bins int) []byte {
	i := int((v - lo) / (hi - lo) * float64(bins))
	i = min(max(i, 0), bins-1)
	return binary.AppendUvarint(append(b, 0xff), uint64(i))
}

// splitKey decodes a key into its values, naming histogram bins by their label.
func (p *plan) splitKey(key string) []string {
	out := make([]string, 0, len(p.dims))
	b := []byte(key)
	for _, d := range p.dims {
		if d.kind == dimBin {
			i, _ := binary.Uvarint(b[1:])
			return append(out, p.domains[len(p.dims)-1][i])
		}
		n, w := binary.Uvarint(b)
		out = append(out, string(b[w:w+int(n)]))
		b = b[w+int(n):]
	}
	return out
}

// joinKey encodes values (bins by label) into a key.
func (p *plan) joinKey(vals []string) string {
	var b []byte
	for i, d := range p.dims {
		if d.kind == dimBin {
			for j, l := range p.domains[i] {
				if l == vals[i] {
					b = binary.AppendUvarint(append(b, 0xff), uint64(j))
				}
			}
			continue
		}
		b = appendKeyPart(b, vals[i])
	}
	return string(b)
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
