package segment

import (
	"context"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
)

// Live holds one plan's current members and keeps them current as events arrive: the
// collector calls Recheck with the subjects an event batch touched, which costs per-subject
// lookups instead of a full evaluation (issue 8 item 5). Windows also slide with time, so
// callers run Refresh periodically (the segment's refresh interval).
type Live struct {
	mu      sync.Mutex
	plan    *Plan
	idx     Index
	members *roaring.Bitmap
}

// Delta is what one Recheck changed.
type Delta struct {
	Added, Removed []uint32
}

// NewLive evaluates plan in full once and returns the live membership.
func NewLive(ctx context.Context, plan *Plan, idx Index, now time.Time) (*Live, error) {
	bm, err := Evaluate(ctx, plan, idx, now)
	if err != nil {
		return nil, err
	}
	return &Live{plan: plan, idx: idx, members: bm}, nil
}

// Members returns a copy of the current members.
func (l *Live) Members() *roaring.Bitmap {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.members.Clone()
}

// Contains reports whether id is currently a member.
func (l *Live) Contains(id uint32) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.members.Contains(id)
}

// Recheck re-evaluates the given subjects and updates membership. With a SubjectIndex it
// touches only those subjects; otherwise it falls back to a full evaluation restricted to them.
func (l *Live) Recheck(ctx context.Context, now time.Time, ids ...uint32) (Delta, error) {
	var d Delta
	if si, ok := l.idx.(SubjectIndex); ok {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, id := range ids {
			in := si.Contains(id) && matchOne(l.plan.root, si, id, now)
			switch was := l.members.Contains(id); {
			case in && !was:
				l.members.Add(id)
				d.Added = append(d.Added, id)
			case !in && was:
				l.members.Remove(id)
				d.Removed = append(d.Removed, id)
			}
		}
		return d, nil
	}
	full, err := Evaluate(ctx, l.plan, l.idx, now)
	if err != nil {
		return d, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		in, was := full.Contains(id), l.members.Contains(id)
		switch {
		case in && !was:
			l.members.Add(id)
			d.Added = append(d.Added, id)
		case !in && was:
			l.members.Remove(id)
			d.Removed = append(d.Removed, id)
		}
	}
	return d, nil
}

// Refresh re-evaluates everyone (windows slide even without new events).
func (l *Live) Refresh(ctx context.Context, now time.Time) error {
	bm, err := Evaluate(ctx, l.plan, l.idx, now)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.members = bm
	l.mu.Unlock()
	return nil
}

// Forget removes id from the members (the person was erased or merged away).
func (l *Live) Forget(id uint32) {
	l.mu.Lock()
	l.members.Remove(id)
	l.mu.Unlock()
}
