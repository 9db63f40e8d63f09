package regime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Follow puts in force, every interval until ctx ends, the versions published through
// other nodes sharing the store, oldest first, and runs the OnPublish listeners for
// them as Publish does on the node that published. Without it a node would keep
// collecting and deciding under the manifest it started with. onErr hears failures
// (retried next interval).
func (s *Service) Follow(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.CatchUp(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
	}
}

// CatchUp puts in force the stored versions newer than the one in force (published
// through another node) and tells the listeners. It does nothing when there are none.
func (s *Service) CatchUp(ctx context.Context) error {
	vs, err := s.st.ManifestVersions(ctx)
	if err != nil {
		return err
	}
	cur := s.cur.Load()
	var newer []int64
	for _, v := range vs {
		if v.Seq > cur.seq {
			newer = append(newer, v.Seq)
		}
	}
	if len(newer) == 0 {
		return nil
	}
	s.apply.Lock()
	defer s.apply.Unlock()
	slices.Sort(newer)
	r := s.cur.Load() // Publish on this node may have put some in force meanwhile
	for _, seq := range newer {
		if seq <= r.seq {
			continue
		}
		v, m, err := s.load(ctx, seq)
		if err != nil {
			return err
		}
		r = New(m, seq, r)
		s.mu.Lock()
		s.hashes[seq] = v.Hash
		s.mu.Unlock()
	}
	if r == s.cur.Load() {
		return nil
	}
	s.cur.Store(r)
	s.mu.Lock()
	ls := slices.Clone(s.listeners)
	s.mu.Unlock()
	var errs []error
	for _, fn := range ls {
		if err := fn(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: version %d: %v", ErrNotApplied, r.seq, err)
	}
	return nil
}
