package profile

import (
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
)

// TagMembers returns who carries a tag now, as sorted subject ids, and the purpose the tag
// was built for. It serves aggregate reports that group by the tag (internal/dp/stored),
// which release only noisy counts; no route lists the people.
func (e *Engine) TagMembers(name string) (purpose string, subjects []string, ok bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, ok := e.byName[name]
	if !ok {
		return "", nil, false
	}
	subjects = make([]string, 0, len(t.values))
	for d := range t.values {
		subjects = append(subjects, e.people[d].id)
	}
	slices.Sort(subjects)
	return t.def.Purpose, subjects, true
}

// SegmentMembers returns who matches a segment now (before the eligibility of an
// activation), as sorted subject ids, and the purpose it was built for; see TagMembers.
func (e *Engine) SegmentMembers(name string) (purpose string, subjects []string, ok bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.segs[name]
	if !ok {
		return "", nil, false
	}
	return s.def.Purpose, e.ids(s.live.Members()), true
}

// ids turns dense ids into sorted subject ids. Caller holds e.mu.
func (e *Engine) ids(bm *roaring.Bitmap) []string {
	out := make([]string, 0, bm.GetCardinality())
	for it := bm.Iterator(); it.HasNext(); {
		out = append(out, e.people[it.Next()].id)
	}
	slices.Sort(out)
	return out
}
