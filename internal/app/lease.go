package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/store"
)

// keyringLeaseTTL is how long a keyring lease lasts without renewal: a crashed server
// blocks a key rotation for at most this long. Serve renews at a third of it.
const keyringLeaseTTL = time.Minute

// ErrKeyringBusy: another process holds the keyring in a way that excludes this one (a
// key rotation while a server starts, a server while a rotation starts).
var ErrKeyringBusy = errors.New("the keyring is in use")

// keyringLease is this process's lease on the store's keyring.
type keyringLease struct {
	st    store.KeyringLeases
	lease store.KeyringLease
	stop  context.CancelFunc // ends keep
}

// acquireKeyringLease takes a shared (serving) or exclusive (rotating) lease, or says who
// is in the way.
func acquireKeyringLease(ctx context.Context, st store.KeyringLeases, exclusive bool, what string) (*keyringLease, error) {
	host, _ := os.Hostname()
	now := time.Now()
	l := &keyringLease{st: st, lease: store.KeyringLease{Holder: auth.NewID("lease"), Exclusive: exclusive,
		Info: fmt.Sprintf("%s on %s, pid %d", what, host, os.Getpid()), Until: now.Add(keyringLeaseTTL)}}
	in, err := st.AcquireKeyringLease(ctx, l.lease, now)
	if errors.Is(err, store.ErrConflict) {
		var who []string
		for _, o := range in {
			who = append(who, fmt.Sprintf("%s (lease until %s)", o.Info, o.Until.Format(time.RFC3339)))
		}
		return nil, fmt.Errorf("%w: %s", ErrKeyringBusy, strings.Join(who, "; "))
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

// renew extends the lease; it fails with ErrKeyringBusy if the lease had lapsed and an
// excluding process took the keyring meanwhile.
func (l *keyringLease) renew(ctx context.Context) error {
	now := time.Now()
	l.lease.Until = now.Add(keyringLeaseTTL)
	if _, err := l.st.AcquireKeyringLease(ctx, l.lease, now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: the keyring lease lapsed and another process took it", ErrKeyringBusy)
		}
		return err
	}
	return nil
}

// keep renews the lease until ctx ends; if it is lost to an excluding process it calls
// lost (the caller stops what it does with the keyring).
func (l *keyringLease) keep(ctx context.Context, lost func(error)) {
	t := time.NewTicker(keyringLeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.renew(ctx); errors.Is(err, ErrKeyringBusy) {
				lost(err)
				return
			}
			// Other errors (a store blip) are retried at the next tick; the lease has
			// two more ticks before it lapses.
		}
	}
}

func (l *keyringLease) release() {
	if l == nil {
		return
	}
	if l.stop != nil {
		l.stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.st.ReleaseKeyringLease(ctx, l.lease.Holder)
}

// AcquireExclusiveKeyring takes the store's exclusive keyring lease for a process that
// changes the keyring (steward keys rotate) and keeps it renewed until release is called.
// It fails with ErrKeyringBusy, naming the holders, while a server serves from the store,
// and servers refuse to start while it is held.
func AcquireExclusiveKeyring(ctx context.Context, st store.Store, what string) (release func(), err error) {
	l, err := acquireKeyringLease(ctx, st, true, what)
	if err != nil {
		return nil, err
	}
	kctx, cancel := context.WithCancel(context.Background())
	l.stop = cancel
	go l.keep(kctx, func(error) {})
	return l.release, nil
}
