package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testKeyringLeases: servers share the keyring, a rotation excludes them, leases lapse and
// renew, and two processes racing for an exclusive lease never both get it (issue 17 item 4).
func testKeyringLeases(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := ts(0)
	lease := func(holder string, excl bool, until time.Duration) store.KeyringLease {
		return store.KeyringLease{Holder: holder, Exclusive: excl, Info: "test " + holder, Until: now.Add(until)}
	}
	if _, err := s.AcquireKeyringLease(ctx, lease("srv1", false, time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireKeyringLease(ctx, lease("srv2", false, time.Minute), now); err != nil {
		t.Fatalf("second server: %v", err)
	}
	in, err := s.AcquireKeyringLease(ctx, lease("rot", true, time.Minute), now)
	if !errors.Is(err, store.ErrConflict) || len(in) != 2 || in[0].Holder != "srv1" || in[0].Info != "test srv1" || !in[0].Until.Equal(now.Add(time.Minute)) {
		t.Fatalf("rotation beside servers: %+v, %v", in, err)
	}
	// Renewing extends; a lapsed lease is in nobody's way.
	if _, err := s.AcquireKeyringLease(ctx, lease("srv1", false, 3*time.Minute), now); err != nil {
		t.Fatalf("renew: %v", err)
	}
	later := now.Add(2 * time.Minute) // srv2 lapsed, srv1 renewed
	if in, err := s.AcquireKeyringLease(ctx, lease("rot", true, time.Minute), later); !errors.Is(err, store.ErrConflict) || len(in) != 1 || in[0].Holder != "srv1" {
		t.Fatalf("after srv2 lapsed: %+v, %v", in, err)
	}
	if err := s.ReleaseKeyringLease(ctx, "srv1"); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseKeyringLease(ctx, "nobody"); err != nil {
		t.Fatalf("release of nothing: %v", err)
	}
	if _, err := s.AcquireKeyringLease(ctx, lease("rot", true, 3*time.Minute), later); err != nil {
		t.Fatalf("rotation alone: %v", err)
	}
	// While the rotation holds it, neither a server nor another rotation gets in.
	if in, err := s.AcquireKeyringLease(ctx, lease("srv3", false, 3*time.Minute), later); !errors.Is(err, store.ErrConflict) || len(in) != 1 || !in[0].Exclusive {
		t.Fatalf("server during rotation: %+v, %v", in, err)
	}
	if err := s.ReleaseKeyringLease(ctx, "rot"); err != nil {
		t.Fatal(err)
	}
	// Racing exclusive acquirers: exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := string(rune('a' + i))
			if _, err := s.AcquireKeyringLease(ctx, lease(h, true, 3*time.Minute), later); err == nil {
				wins <- h
			} else if !errors.Is(err, store.ErrConflict) {
				t.Errorf("racer %s: %v", h, err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d exclusive leases granted at once", n)
	}
}
