package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// memLog is a log whose rows become visible when "committed", in any order.
type memLog struct {
	mu   sync.Mutex
	rows []store.Change
}

func (m *memLog) commit(seq int64, subject string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows = append(m.rows, store.Change{Seq: seq, SubjectID: subject})
	slices.SortFunc(m.rows, func(a, b store.Change) int { return int(a.Seq - b.Seq) })
}

func (m *memLog) LogSince(_ context.Context, _ store.Log, after, before int64, limit int) ([]store.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Change
	for _, r := range m.rows {
		if r.Seq > after && (before <= 0 || r.Seq < before) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// A row that commits after a higher seq was seen is still handed out; a seq that never
// commits stops being looked for after Grace; nothing is handed out twice.
func TestFollowerSeesLateCommits(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	log := &memLog{}
	f := &store.Follower{Log: log, Kind: store.LogEvents, Grace: 5 * time.Second, Now: func() time.Time { return now }}
	log.commit(1, "a")
	log.commit(3, "c") // 2 is still in an open transaction
	log.commit(5, "e") // 4 was rolled back
	if got, _ := f.Next(ctx, 0); !slices.Equal(got, []string{"a", "c", "e"}) {
		t.Fatalf("first: %v", got)
	}
	if f.Gaps() != 2 || f.High() != 5 {
		t.Fatalf("gaps %d high %d", f.Gaps(), f.High())
	}
	now = now.Add(time.Second)
	log.commit(2, "b")
	log.commit(6, "f")
	if got, _ := f.Next(ctx, 0); !slices.Equal(got, []string{"b", "f"}) {
		t.Fatalf("late commit: %v", got)
	}
	if f.Gaps() != 1 {
		t.Fatalf("gaps after the late commit: %d", f.Gaps())
	}
	if got, _ := f.Next(ctx, 0); len(got) != 0 {
		t.Fatalf("again: %v", got)
	}
	now = now.Add(5 * time.Second)
	if got, _ := f.Next(ctx, 0); len(got) != 0 || f.Gaps() != 0 {
		t.Fatalf("after grace: %v, %d gaps", got, f.Gaps())
	}
	// Start skips what is there.
	g := &store.Follower{Log: log, Kind: store.LogEvents}
	if err := g.Start(ctx); err != nil || g.High() != 6 {
		t.Fatalf("start: %d %v", g.High(), err)
	}
	log.commit(7, "g")
	if got, _ := g.Next(ctx, 0); !slices.Equal(got, []string{"g"}) {
		t.Fatalf("after start: %v", got)
	}
}
