package collect_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/store"
)

// slowStore makes every write transaction take a few milliseconds and counts them, so
// concurrent requests queue up behind each other.
type slowStore struct {
	store.Store
	txs atomic.Int64
}

func (s *slowStore) InTx(ctx context.Context, fn func(store.Tx) error) error {
	s.txs.Add(1)
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		time.Sleep(3 * time.Millisecond)
		return fn(tx)
	})
}

// boomGate fails on events named "Boom", before and inside the transaction alike.
type boomGate struct{ dropTrackNamed }

func (g boomGate) Check(ctx context.Context, sub string, m *segmentspec.Message, r *segmentspec.Request) (gate.Verdict, error) {
	if m.Event == "Boom" {
		return gate.Verdict{}, errors.New("boom")
	}
	return g.dropTrackNamed.Check(ctx, sub, m, r)
}

// Concurrent requests share write transactions; a request that fails inside a shared one
// fails alone: every other request's events are committed exactly once.
func TestGroupCommitIsolatesAFailingRequest(t *testing.T) {
	ctx := context.Background()
	inner := openStore(t)
	st := &slowStore{Store: inner}
	c, err := collect.New(collect.Config{Store: st, Index: hmacIndex{}, Gate: boomGate{}, Seal: tagSeal{}})
	if err != nil {
		t.Fatal(err)
	}
	const requests = 40
	run := func(phase string, boom bool) (failed, stored int64) {
		var wg sync.WaitGroup
		var f, n atomic.Int64
		for i := 0; i < requests; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ev := "Product Viewed"
				if boom && i%10 == 3 {
					ev = "Boom"
				}
				res, err := c.Ingest(ctx, "src", decode(t, fmt.Sprintf(`{"batch":[{"type":"track","messageId":"%s-%d-a","anonymousId":"anon-%d","event":"Product Viewed"},
					{"type":"track","messageId":"%s-%d-b","anonymousId":"anon-%d","event":%q}]}`, phase, i, i%7, phase, i, i%7, ev)))
				if err != nil {
					f.Add(1)
					return
				}
				n.Add(int64(res.Stored))
			}(i)
		}
		wg.Wait()
		return f.Load(), n.Load()
	}
	// All good: requests share transactions.
	if failed, stored := run("ok", false); failed != 0 || stored != 2*requests {
		t.Fatalf("failed %d, stored %d; want 0 and %d", failed, stored, 2*requests)
	}
	if n := st.txs.Load(); n >= requests {
		t.Fatalf("%d transactions for %d requests: nothing was grouped", n, requests)
	}
	t.Logf("%d requests in %d write transactions", requests, st.txs.Load())
	// Four bad requests among them: they fail, nobody else does, nothing is doubled.
	failed, stored := run("boom", true)
	if failed != 4 || stored != 2*(requests-4) {
		t.Fatalf("failed %d requests, stored %d events; want 4 and %d", failed, stored, 2*(requests-4))
	}
	if n, err := inner.CountEvents(ctx); err != nil || n != int64(2*requests+2*(requests-4)) {
		t.Fatalf("store holds %d events (%v), want %d", n, err, 2*requests+2*(requests-4))
	}
}
