package audit

import (
	"context"
	"errors"
	"sync"
)

// Appender batches concurrent appends into one store write (group commit) so
// auditing does not dominate the hot path. Append returns once its leaf is
// durably stored. One flusher runs at a time: leaves arriving while it writes
// form the next batch, so batches grow with load and an idle log pays no
// fixed delay; MaxBatch bounds one transaction.
type Appender struct {
	st       Store
	maxN     int
	mu       sync.Mutex
	pending  []req
	flushing bool
	size     uint64
	loaded   bool
	flushMu  sync.Mutex
}

type req struct {
	leaf Leaf
	done chan result
	pos  int // the leaf's position in an AppendAll call, echoed in its result
}

type result struct {
	index uint64
	pos   int
	err   error
}

// NewAppender returns an Appender writing at most 1024 leaves per batch.
func NewAppender(st Store) *Appender {
	return &Appender{st: st, maxN: 1024}
}

// Append stores l and returns its leaf index.
func (a *Appender) Append(ctx context.Context, l Leaf) (uint64, error) {
	idx, err := a.AppendAll(ctx, []Leaf{l})
	if err != nil {
		return 0, err
	}
	return idx[0], nil
}

// AppendAll stores leaves in order, queued together so they take consecutive indexes
// (barring an error), and returns their leaf indexes.
// It costs one wait instead of one per leaf. On error some leaves may have been stored,
// as with the same Appends made one after another.
func (a *Appender) AppendAll(ctx context.Context, leaves []Leaf) ([]uint64, error) {
	rs := make([]req, len(leaves))
	done := make(chan result, len(leaves))
	for i, l := range leaves {
		rs[i] = req{leaf: l, done: done, pos: i}
	}
	a.mu.Lock()
	a.pending = append(a.pending, rs...)
	if !a.flushing && len(rs) > 0 {
		a.flushing = true
		go a.loop()
	}
	a.mu.Unlock()
	idx := make([]uint64, len(leaves))
	var first error
	for range leaves {
		select {
		case res := <-done:
			if res.err != nil && first == nil {
				first = res.err
			}
			idx[res.pos] = res.index
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return idx, first
}

// loop flushes pending batches until none are left.
func (a *Appender) loop() {
	for {
		a.mu.Lock()
		if len(a.pending) == 0 {
			a.flushing = false
			a.mu.Unlock()
			return
		}
		k := min(len(a.pending), a.maxN)
		batch := a.pending[:k:k]
		a.pending = a.pending[k:]
		a.mu.Unlock()
		a.flush(batch)
	}
}

// flush writes one batch; flushMu keeps batches in order. On a size mismatch
// (another process appended) it reloads the size and retries.
func (a *Appender) flush(batch []req) {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	ctx := context.Background()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if !a.loaded {
			if a.size, err = a.st.Size(ctx); err != nil {
				break
			}
			a.loaded = true
		}
		leaves := make([][]byte, len(batch))
		hashes := make([][]byte, len(batch))
		for i := range batch {
			l := batch[i].leaf
			l.Seq = a.size + uint64(i)
			if leaves[i], err = l.Canonical(); err != nil {
				break
			}
			hashes[i] = LeafHash(leaves[i])
		}
		if err != nil {
			break
		}
		err = a.st.AppendLeaves(ctx, a.size, leaves, hashes)
		if errors.Is(err, ErrSizeMismatch) {
			a.loaded = false
			continue
		}
		if err == nil {
			for i, r := range batch {
				r.done <- result{index: a.size + uint64(i), pos: r.pos}
			}
			a.size += uint64(len(batch))
			return
		}
		break
	}
	a.loaded = false
	for _, r := range batch {
		r.done <- result{err: err, pos: r.pos}
	}
}
