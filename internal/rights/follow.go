package rights

import (
	"context"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// FollowErasures drops from this node's memory — profiles, tag values, segment
// memberships, the recommender's model — every person erased through any node sharing
// the store, by following the erasure log every interval until ctx ends. The node that
// erased already dropped them (erase); on the others an erased person would otherwise
// stay countable, and releasable in a segment export, until the next rebuild. onErr hears
// read errors (retried next interval).
func (s *Service) FollowErasures(ctx context.Context, log store.ChangeLog, every time.Duration, onErr func(error)) {
	f := &store.Follower{Log: log, Kind: store.LogErasures}
	started := false
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var err error
		if !started {
			err = f.Start(ctx)
			started = err == nil
		} else {
			var ids []string
			if ids, err = f.Next(ctx, 0); len(ids) > 0 {
				if s.cfg.Profiles != nil {
					s.cfg.Profiles.Forget(ids...)
				}
				for _, fg := range s.cfg.Forgetters {
					fg.Forget(ids...)
				}
			}
		}
		if err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
