package segment

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/stewardhq/steward/internal/segment/expr"
)

// MemIndex is an in-memory SubjectIndex. Traits are dictionary-encoded (one bitmap per
// distinct value, one small integer per subject); events are kept per event name as a
// time-sorted list per subject, so a windowed count is two binary searches.
// It is safe for concurrent use.
type MemIndex struct {
	mu       sync.RWMutex
	universe *roaring.Bitmap
	tags     map[string]*roaring.Bitmap
	traits   map[string]*traitCol
	events   map[string]*eventCol
}

type valueKey struct {
	kind expr.Kind
	str  string
	num  float64
	dur  expr.Duration
}

func keyOf(v expr.Value) valueKey { return valueKey{v.Kind, v.Str, v.Num, v.Dur} }

type traitCol struct {
	dict []expr.Value
	ids  map[valueKey]int32
	sets []*roaring.Bitmap
	of   []int32 // per subject: dictionary index + 1, 0 = absent
}

type memEvent struct {
	at    int64 // unix nanoseconds
	props map[string]float64
}

type eventCol struct {
	subjects *roaring.Bitmap
	of       [][]memEvent // per subject, sorted by at
}

var (
	_ SubjectIndex = (*MemIndex)(nil)
	_ NarrowIndex  = (*MemIndex)(nil)
)

// NewMemIndex returns an empty index.
func NewMemIndex() *MemIndex {
	return &MemIndex{
		universe: roaring.New(),
		tags:     map[string]*roaring.Bitmap{},
		traits:   map[string]*traitCol{},
		events:   map[string]*eventCol{},
	}
}

// AddSubject makes id part of the universe.
func (m *MemIndex) AddSubject(id uint32) {
	m.mu.Lock()
	m.universe.Add(id)
	m.mu.Unlock()
}

// AddTag tags id (and adds it to the universe).
func (m *MemIndex) AddTag(id uint32, tag string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.universe.Add(id)
	bm := m.tags[tag]
	if bm == nil {
		bm = roaring.New()
		m.tags[tag] = bm
	}
	bm.Add(id)
}

// RemoveTag untags id.
func (m *MemIndex) RemoveTag(id uint32, tag string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bm := m.tags[tag]; bm != nil {
		bm.Remove(id)
	}
}

// SetTrait sets (or replaces) id's trait value.
func (m *MemIndex) SetTrait(id uint32, name string, v expr.Value) {
	v.At = expr.Pos{}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.universe.Add(id)
	c := m.traits[name]
	if c == nil {
		c = &traitCol{ids: map[valueKey]int32{}}
		m.traits[name] = c
	}
	k := keyOf(v)
	d, ok := c.ids[k]
	if !ok {
		d = int32(len(c.dict))
		c.ids[k] = d
		c.dict = append(c.dict, v)
		c.sets = append(c.sets, roaring.New())
	}
	if int(id) >= len(c.of) {
		c.of = grow(c.of, int(id)+1)
	}
	if old := c.of[id]; old != 0 {
		c.sets[old-1].Remove(id)
	}
	c.of[id] = d + 1
	c.sets[d].Add(id)
}

// AddEvent records one event for id; props holds its numeric properties (may be nil).
func (m *MemIndex) AddEvent(id uint32, event string, at time.Time, props map[string]float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.universe.Add(id)
	c := m.events[event]
	if c == nil {
		c = &eventCol{subjects: roaring.New()}
		m.events[event] = c
	}
	if int(id) >= len(c.of) {
		c.of = grow(c.of, int(id)+1)
	}
	c.subjects.Add(id)
	ev := memEvent{at: at.UnixNano(), props: props}
	es := c.of[id]
	i := sort.Search(len(es), func(i int) bool { return es[i].at > ev.at })
	es = append(es, memEvent{})
	copy(es[i+1:], es[i:])
	es[i] = ev
	c.of[id] = es
}

// grow extends s to length n, doubling capacity so bulk loads stay linear.
func grow[T any](s []T, n int) []T {
	if n <= cap(s) {
		return s[:n]
	}
	out := make([]T, n, max(n, 2*cap(s)))
	copy(out, s)
	return out
}

func (m *MemIndex) Universe(context.Context) (*roaring.Bitmap, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.universe.Clone(), nil
}

func (m *MemIndex) Tag(_ context.Context, name string) (*roaring.Bitmap, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if bm := m.tags[name]; bm != nil {
		return bm.Clone(), nil
	}
	return roaring.New(), nil
}

func (m *MemIndex) TraitEq(_ context.Context, name string, v expr.Value) (*roaring.Bitmap, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if c := m.traits[name]; c != nil {
		if d, ok := c.ids[keyOf(expr.Value{Kind: v.Kind, Str: v.Str, Num: v.Num, Dur: v.Dur})]; ok {
			return c.sets[d].Clone(), nil
		}
	}
	return roaring.New(), nil
}

func (m *MemIndex) TraitCmp(_ context.Context, name string, op expr.CmpOp, v expr.Value) (*roaring.Bitmap, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := m.traits[name]
	if c == nil {
		return roaring.New(), nil
	}
	var sets []*roaring.Bitmap
	for d, have := range c.dict {
		if CompareValues(have, op, v) {
			sets = append(sets, c.sets[d])
		}
	}
	return roaring.FastOr(sets...), nil
}

// window returns the index range of es inside (now-w, now].
func window(es []memEvent, w time.Duration, now time.Time) (int, int) {
	hi := now.UnixNano()
	lo := hi - int64(w)
	i := sort.Search(len(es), func(i int) bool { return es[i].at > lo })
	j := sort.Search(len(es), func(j int) bool { return es[j].at > hi })
	return i, j
}

func (m *MemIndex) CountAtLeast(ctx context.Context, event string, w time.Duration, n int64, now time.Time) (*roaring.Bitmap, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := m.events[event]
	if c == nil {
		return roaring.New(), nil
	}
	out := make([]uint32, 0, 1024)
	it := c.subjects.Iterator()
	for it.HasNext() {
		id := it.Next()
		es := c.of[id]
		if int64(len(es)) < n {
			continue
		}
		if i, j := window(es, w, now); int64(j-i) >= n {
			out = append(out, id)
		}
	}
	return roaring.BitmapOf(out...), ctx.Err()
}

func (m *MemIndex) CountAtLeastIn(ctx context.Context, event string, w time.Duration, n int64, now time.Time, within *roaring.Bitmap) (*roaring.Bitmap, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := m.events[event]
	if c == nil {
		return roaring.New(), nil
	}
	var out []uint32
	it := within.Iterator()
	for it.HasNext() {
		id := it.Next()
		if int(id) >= len(c.of) || int64(len(c.of[id])) < n {
			continue
		}
		if i, j := window(c.of[id], w, now); int64(j-i) >= n {
			out = append(out, id)
		}
	}
	return roaring.BitmapOf(out...), ctx.Err()
}

func (m *MemIndex) SumCmp(ctx context.Context, event, prop string, w time.Duration, op expr.CmpOp, x float64, now time.Time) (*roaring.Bitmap, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []uint32
	c := m.events[event]
	if c != nil {
		it := c.subjects.Iterator()
		for it.HasNext() {
			id := it.Next()
			if cmpFloat(sumOf(c.of[id], prop, w, now), op, x) {
				out = append(out, id)
			}
		}
	}
	bm := roaring.BitmapOf(out...)
	if cmpFloat(0, op, x) { // subjects with no such event sum to 0
		none := m.universe.Clone()
		if c != nil {
			none.AndNot(c.subjects)
		}
		bm.Or(none)
	}
	return bm, ctx.Err()
}

func sumOf(es []memEvent, prop string, w time.Duration, now time.Time) float64 {
	i, j := window(es, w, now)
	s := 0.0
	for _, e := range es[i:j] {
		s += e.props[prop]
	}
	return s
}

func (m *MemIndex) LastSeenWithin(ctx context.Context, event string, d time.Duration, now time.Time) (*roaring.Bitmap, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := m.events[event]
	if c == nil {
		return roaring.New(), nil
	}
	var out []uint32
	it := c.subjects.Iterator()
	for it.HasNext() {
		id := it.Next()
		if age, ok := lastSeen(c.of[id], now); ok && age <= d {
			out = append(out, id)
		}
	}
	return roaring.BitmapOf(out...), ctx.Err()
}

func lastSeen(es []memEvent, now time.Time) (time.Duration, bool) {
	hi := now.UnixNano()
	j := sort.Search(len(es), func(j int) bool { return es[j].at > hi })
	if j == 0 {
		return 0, false
	}
	age := hi - es[j-1].at
	if age < 0 || age > math.MaxInt64 {
		return 0, false
	}
	return time.Duration(age), true
}

func (m *MemIndex) Contains(id uint32) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.universe.Contains(id)
}

func (m *MemIndex) HasTag(id uint32, name string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	bm := m.tags[name]
	return bm != nil && bm.Contains(id)
}

func (m *MemIndex) TraitOf(id uint32, name string) (expr.Value, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := m.traits[name]
	if c == nil || int(id) >= len(c.of) || c.of[id] == 0 {
		return expr.Value{}, false
	}
	return c.dict[c.of[id]-1], true
}

func (m *MemIndex) eventsOf(id uint32, event string) []memEvent {
	c := m.events[event]
	if c == nil || int(id) >= len(c.of) {
		return nil
	}
	return c.of[id]
}

func (m *MemIndex) CountOf(id uint32, event string, w time.Duration, now time.Time) int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, j := window(m.eventsOf(id, event), w, now)
	return int64(j - i)
}

func (m *MemIndex) SumOf(id uint32, event, prop string, w time.Duration, now time.Time) float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return sumOf(m.eventsOf(id, event), prop, w, now)
}

func (m *MemIndex) LastSeenOf(id uint32, event string, now time.Time) (time.Duration, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return lastSeen(m.eventsOf(id, event), now)
}

// Forget removes everything about id — tags, traits, events — and drops it from the
// universe, so a reload starts clean and an erased or merged-away person leaves no trace.
func (m *MemIndex) Forget(id uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.universe.Remove(id)
	for _, bm := range m.tags {
		bm.Remove(id)
	}
	for _, c := range m.traits {
		if int(id) < len(c.of) && c.of[id] != 0 {
			c.sets[c.of[id]-1].Remove(id)
			c.of[id] = 0
		}
	}
	for _, c := range m.events {
		if int(id) < len(c.of) && c.of[id] != nil {
			c.of[id] = nil
			c.subjects.Remove(id)
		}
	}
}

// LastValueOf is the numeric property prop of id's latest such event at or before now.
func (m *MemIndex) LastValueOf(id uint32, event, prop string, now time.Time) (float64, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	es := m.eventsOf(id, event)
	t := now.UnixNano()
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].at > t {
			continue
		}
		if v, ok := es[i].props[prop]; ok {
			return v, true
		}
	}
	return 0, false
}
