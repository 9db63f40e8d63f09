package profile

import (
	"context"
	"sort"
)

// Segment entries: the moment someone starts matching a segment is what journeys with a
// segment entry wait for (issue 19). The engine notes who entered which segment as it
// recomputes people (a sync, a consent change, a refresh) and, once its locks are
// released, tells the function registered with OnSegmentEntry. Nothing is noted before the
// first Load finished: everyone "enters" every segment then, which is no entry at all.

// entries are the entries noted and not yet told: segment → dense ids. Guarded by e.mu.
type entries map[string][]uint32

// OnSegmentEntry registers fn to hear, after each recomputation, which people entered
// which segment. fn runs outside the engine's locks, so it may read the engine; an error
// it meets is its own to log (the next entry is told regardless).
func (e *Engine) OnSegmentEntry(fn func(ctx context.Context, segment string, subjectIDs []string)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onEntry = append(e.onEntry, fn)
}

// noteEntries remembers that the dense ids entered segment. Caller holds e.mu.
func (e *Engine) noteEntries(segment string, added []uint32) {
	if len(added) == 0 || !e.ready || len(e.onEntry) == 0 {
		return
	}
	if e.entries == nil {
		e.entries = entries{}
	}
	e.entries[segment] = append(e.entries[segment], added...)
}

// tellEntries hands the noted entries to the listeners. Callers must not hold e.mu.
func (e *Engine) tellEntries(ctx context.Context) {
	e.mu.Lock()
	pending, listeners := e.entries, e.onEntry
	e.entries = nil
	ids := make(map[string][]string, len(pending))
	for seg, dense := range pending {
		seen := map[uint32]bool{}
		for _, d := range dense {
			if !seen[d] && e.people[d].live {
				seen[d] = true
				ids[seg] = append(ids[seg], e.people[d].id)
			}
		}
	}
	e.mu.Unlock()
	segs := make([]string, 0, len(ids))
	for seg := range ids {
		segs = append(segs, seg)
	}
	sort.Strings(segs)
	for _, seg := range segs {
		for _, fn := range listeners {
			fn(ctx, seg, ids[seg])
		}
	}
}
