package consent

import (
	"context"
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Follow tells the OnChange listeners of every consent change recorded through any node —
// the privacy center or the API on another node, an event's consent signals on any — by
// following the store's consent log every interval until ctx ends. Listeners drop what
// they cached about the person and recompute them (the gate's consent cache, the
// recommender's check, profiles), so a withdrawal anywhere is in force on this node
// within one interval. A change recorded through this node's ledger reaches its
// listeners twice: at once, and again from the log; listeners are idempotent.
// It starts at the log's end (what was recorded before the node started is read fresh
// anyway). onErr hears read errors (retried next interval); it returns when ctx ends.
func (l *Ledger) Follow(ctx context.Context, log store.ChangeLog, every time.Duration, onErr func(error)) {
	f := &store.Follower{Log: log, Kind: store.LogConsents}
	for {
		if err := f.Start(ctx); err == nil {
			break
		} else if onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids, err := f.Next(ctx, 0)
		if err != nil && onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		if len(ids) == 0 {
			continue
		}
		l.mu.Lock()
		ls := slices.Clone(l.listeners)
		l.mu.Unlock()
		for _, id := range ids {
			for _, fn := range ls {
				fn(ctx, id)
			}
		}
	}
}
