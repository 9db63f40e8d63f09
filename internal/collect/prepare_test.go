package collect_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// recordingGate keeps everything and, like the app's gate, records a consent signal the
// first time it sees one for a subject and caches that it did (before the records commit).
// race, when set, runs once, at the first Check of a message named "Race": it stands for a
// concurrent request committing between a request's prepare and its transaction.
type recordingGate struct {
	mu      sync.Mutex
	granted map[string]bool
	forgot  int
	race    func()
	raced   atomic.Bool
	n       atomic.Int64
}

func (g *recordingGate) Check(_ context.Context, sub string, m *segmentspec.Message, _ *segmentspec.Request) (gate.Verdict, error) {
	if m.Event == "Race" && g.race != nil && !g.raced.Swap(true) {
		g.race()
	}
	v := gate.Verdict{Keep: true}
	v.Body, _ = m.MarshalJSON()
	if _, ok := m.Context.Consent(); ok {
		g.mu.Lock()
		if !g.granted[sub] {
			g.granted[sub] = true
			v.Consent = []store.ConsentRecord{{ID: "rec-" + sub + "-" + time.Now().Format("150405.000000000") + "-" + string(rune('a'+g.n.Add(1)%26)),
				SubjectID: sub, Purpose: "analytics.reporting", Granted: true, NoticeVersion: "1", NoticeHash: "h", Method: store.MethodSDK,
				At: time.Now().UTC(), Evidence: []byte(`{}`), Actor: "subject"}}
		}
		g.mu.Unlock()
	}
	return v, nil
}

func (g *recordingGate) Forget(ids []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.forgot++
	for _, id := range ids {
		delete(g.granted, id)
	}
}

// newRecordingCollector returns a collector over st gating with a fresh recordingGate.
func newRecordingCollector(t *testing.T, st store.Store) (*collect.Collector, *recordingGate) {
	t.Helper()
	g := &recordingGate{granted: map[string]bool{}}
	c, err := collect.New(collect.Config{Store: st, Index: hmacIndex{}, Gate: g, Seal: tagSeal{}})
	if err != nil {
		t.Fatal(err)
	}
	return c, g
}

// A concurrent request commits between this request's prepare and its transaction, so the
// prepared plan is stale (the anonymousId now belongs to someone): the transaction resolves
// again, merges, gates inside the transaction, and the consent signal the prepared gate
// saw — and cached — is still recorded, once, for the right person.
func TestPreparedWorkIsRedoneWhenIdentitiesChanged(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c, g := newRecordingCollector(t, st)
	if _, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"identify","messageId":"i1","userId":"u-1"}]}`)); err != nil {
		t.Fatal(err)
	}
	customer := subjectOf(t, st, store.IdentityUserID, "u-1")
	g.race = func() {
		if _, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"track","messageId":"r0","anonymousId":"anon-9","event":"Product Viewed"}]}`)); err != nil {
			t.Errorf("racing request: %v", err)
		}
	}
	res, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"track","messageId":"r1","userId":"u-1","anonymousId":"anon-9","event":"Race",
		"context":{"consent":{"categoryPreferences":{"Analytics":true}}}}]}`))
	if err != nil || res.Stored != 1 {
		t.Fatalf("ingest = %+v, %v", res, err)
	}
	if !g.raced.Load() || g.forgot == 0 {
		t.Fatalf("the race did not happen or the prepared gate's cache was kept (forgot %d)", g.forgot)
	}
	if a := subjectOf(t, st, store.IdentityAnonymousID, "anon-9"); a != customer {
		t.Fatalf("anon-9 -> %s, want the customer %s (merged)", a, customer)
	}
	hist, err := st.ConsentHistory(ctx, customer)
	if err != nil || len(hist) != 1 {
		t.Fatalf("consent records for the customer = %d, %v; want exactly 1", len(hist), err)
	}
	evs, err := st.RawSubjectEvents(ctx, customer, 0, 100)
	if err != nil || len(evs) != 3 {
		t.Fatalf("customer's events = %d, %v; want identify, the racing track (merged in) and r1", len(evs), err)
	}
	for _, ev := range evs {
		if ev.Name == "Race" && !strings.HasPrefix(string(ev.Body), customer+"|") {
			t.Fatalf("r1 sealed for %q, want the customer", strings.SplitN(string(ev.Body), "|", 2)[0])
		}
	}
}

// Without a race the prepared work is used as is: the gate runs once per message.
func TestPreparedWorkIsUsedWhenNothingChanged(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c, g := newRecordingCollector(t, st)
	res, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"track","messageId":"a","anonymousId":"anon-1","event":"X"},
		{"type":"identify","messageId":"b","userId":"u-1","anonymousId":"anon-1","context":{"consent":{"categoryPreferences":{"Analytics":true}}}}]}`))
	if err != nil || res.Stored != 2 {
		t.Fatalf("ingest = %+v, %v", res, err)
	}
	if n := g.n.Load(); n != 1 || g.forgot != 0 {
		t.Fatalf("gate recorded %d signals and forgot %d times; want 1 and 0", n, g.forgot)
	}
	sub := subjectOf(t, st, store.IdentityUserID, "u-1")
	if hist, _ := st.ConsentHistory(ctx, sub); len(hist) != 1 || sub == "" || subjectOf(t, st, store.IdentityAnonymousID, "anon-1") != sub {
		t.Fatalf("subject %q, history %d", sub, len(hist))
	}
}

// lookupCounter counts the identity keys ingestion asks the store about outside the
// write transaction.
type lookupCounter struct {
	store.Store
	keys atomic.Int64
}

func (s *lookupCounter) LookupIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	s.keys.Add(int64(len(keys)))
	return s.Store.LookupIdentities(ctx, keys)
}

// A batch of one visitor's messages looks each identifier up once, and every message
// still lands with that visitor.
func TestRepeatedIdentifiersAreLookedUpOnce(t *testing.T) {
	ctx := context.Background()
	sq := openStore(t)
	st := &lookupCounter{Store: sq}
	c, _ := newRecordingCollector(t, st)
	var b strings.Builder
	b.WriteString(`{"batch":[`)
	for i := range 50 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"track","messageId":"m%d","anonymousId":"anon-1","userId":"u-1","event":"X"}`, i)
	}
	b.WriteString(`]}`)
	res, err := c.Ingest(ctx, "src", decode(t, b.String()))
	if err != nil || res.Stored != 50 {
		t.Fatalf("ingest = %+v, %v", res, err)
	}
	if n := st.keys.Load(); n != 2 {
		t.Fatalf("looked up %d identity keys for one userId and one anonymousId, want 2", n)
	}
	sub := subjectOf(t, sq, store.IdentityUserID, "u-1")
	if evs, err := sq.RawSubjectEvents(ctx, sub, 0, 100); err != nil || len(evs) != 50 || subjectOf(t, sq, store.IdentityAnonymousID, "anon-1") != sub {
		t.Fatalf("u-1 has %d events (%v); anon-1 -> %s, u-1 -> %s", len(evs), err, subjectOf(t, sq, store.IdentityAnonymousID, "anon-1"), sub)
	}
}

// txLookupCounter counts the identity lookups ingestion makes inside write transactions,
// keeping the SQLite store's identity epoch visible (inside and outside).
type txLookupCounter struct {
	*sqlite.Store
	inTx atomic.Int64
}

func (s *txLookupCounter) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.InTx(ctx, func(tx store.Tx) error { return fn(countingTx{tx, s}) })
}

type countingTx struct {
	store.Tx
	s *txLookupCounter
}

func (t countingTx) LookupIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error) {
	t.s.inTx.Add(1)
	return t.Tx.LookupIdentities(ctx, keys)
}

func (t countingTx) IdentityEpoch(ctx context.Context) (int64, error) {
	return t.Tx.(store.IdentityEpochs).IdentityEpoch(ctx)
}

// While no identity changes between prepare and the transaction, the transaction trusts
// prepare's lookup (the epoch did not move); when one does, it looks again and the event
// lands with the person the identifier now belongs to.
func TestSecondLookupOnlyWhenIdentitiesChanged(t *testing.T) {
	ctx := context.Background()
	st := &txLookupCounter{Store: openStore(t)}
	c, g := newRecordingCollector(t, st)
	for i, body := range []string{
		`{"batch":[{"type":"identify","messageId":"i1","userId":"u-1"}]}`, // new person: links in its own transaction
		`{"batch":[{"type":"track","messageId":"t1","userId":"u-1","event":"X"}]}`,
		`{"batch":[{"type":"track","messageId":"t2","anonymousId":"anon-3","event":"X"}]}`, // a visitor, not known as the customer yet
	} {
		if res, err := c.Ingest(ctx, "src", decode(t, body)); err != nil || res.Stored != 1 {
			t.Fatalf("request %d: %+v, %v", i, res, err)
		}
	}
	if n := st.inTx.Load(); n != 0 {
		t.Fatalf("%d lookups inside transactions with no identity change in between, want 0", n)
	}
	customer := subjectOf(t, st.Store, store.IdentityUserID, "u-1")
	// Between this request's prepare and its transaction the visitor identifies as the
	// customer and is merged into them: no link of r1's conflicts, only the epoch tells.
	g.race = func() {
		if _, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"identify","messageId":"i2","userId":"u-1","anonymousId":"anon-3"}]}`)); err != nil {
			t.Errorf("racing request: %v", err)
		}
	}
	if res, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"track","messageId":"r1","anonymousId":"anon-3","event":"Race"}]}`)); err != nil || res.Stored != 1 {
		t.Fatalf("ingest = %+v, %v", res, err)
	}
	if !g.raced.Load() || st.inTx.Load() == 0 {
		t.Fatalf("raced %v, lookups inside transactions %d: the moved epoch was not noticed", g.raced.Load(), st.inTx.Load())
	}
	evs, err := st.RawSubjectEvents(ctx, customer, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, ev := range evs {
		found = found || ev.Name == "Race" // r1 (the store keeps message ids only as a key)
	}
	if !found || subjectOf(t, st.Store, store.IdentityAnonymousID, "anon-3") != customer {
		t.Fatalf("r1 is not with the customer anon-3 was linked to (%d events)", len(evs))
	}
}
