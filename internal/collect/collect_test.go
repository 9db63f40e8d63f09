package collect_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
	"github.com/stewardhq/steward/internal/vault"
)

type hmacIndex struct{}

func (hmacIndex) Index(kind, v string) ([]byte, error) {
	m := hmac.New(sha256.New, []byte("test-index-key"))
	m.Write([]byte(kind + "\x00" + v))
	return m.Sum(nil), nil
}

// tagSeal marks payloads with their subject so tests can see which key sealed them.
type tagSeal struct{}

func (tagSeal) Seal(_ context.Context, _ store.KeyAccess, subject string, b vault.Binding, pt []byte) ([]byte, error) {
	return append([]byte(subject+"|"+b.Table+"."+b.Field+"|"), pt...), nil
}

// dropTrackNamed drops track events named "Secret" and keeps everything else.
type dropTrackNamed struct{}

func (dropTrackNamed) Check(_ context.Context, _ string, m *segmentspec.Message, _ *segmentspec.Request) (gate.Verdict, error) {
	if m.Event == "Secret" {
		return gate.Verdict{Keep: false, Reason: "no_legal_basis"}, nil
	}
	b, _ := m.MarshalJSON()
	return gate.Verdict{Keep: true, Body: b}, nil
}

// openStore opens a migrated SQLite store in the test's directory, closed at cleanup.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func newCollector(t *testing.T) (*collect.Collector, store.Store) {
	t.Helper()
	st := openStore(t)
	c, err := collect.New(collect.Config{Store: st, Index: hmacIndex{}, Gate: dropTrackNamed{}, Seal: tagSeal{}})
	if err != nil {
		t.Fatal(err)
	}
	return c, st
}

func decode(t *testing.T, body string) *segmentspec.Request {
	t.Helper()
	req, err := segmentspec.Decode(segmentspec.Input{Body: []byte(body), BasicUser: "stw_wk_test"}, segmentspec.EndpointBatch, time.Now(), segmentspec.Limits{})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return req
}

func subjectOf(t *testing.T, st store.Store, kind, v string) string {
	t.Helper()
	h, _ := hmacIndex{}.Index(kind, v)
	var got map[store.IdentityKey]string
	st.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		got, err = tx.LookupIdentities(context.Background(), []store.IdentityKey{{Kind: kind, Hash: string(h)}})
		return err
	})
	for _, s := range got {
		return s
	}
	return ""
}

func TestIdentityResolution(t *testing.T) {
	c, st := newCollector(t)
	ctx := context.Background()
	// An anonymous visitor browses, then signs in: the identify joins the two.
	res, err := c.Ingest(ctx, "src", decode(t, `{"batch":[
		{"type":"track","messageId":"m1","anonymousId":"anon-1","event":"Product Viewed"},
		{"type":"page","messageId":"m2","anonymousId":"anon-1","name":"Home"},
		{"type":"track","messageId":"m3","anonymousId":"anon-1","event":"Secret"}]}`))
	if err != nil || res.Stored != 2 || res.Dropped != 1 {
		t.Fatalf("first batch = %+v, %v", res, err)
	}
	anonSub := subjectOf(t, st, store.IdentityAnonymousID, "anon-1")
	if anonSub == "" {
		t.Fatal("anonymous visitor got no subject")
	}
	// The customer is already known from another device.
	if _, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"identify","messageId":"m4","userId":"u-42","anonymousId":"anon-phone","traits":{"plan":"gold"}}]}`)); err != nil {
		t.Fatal(err)
	}
	userSub := subjectOf(t, st, store.IdentityUserID, "u-42")
	if userSub == "" || userSub == anonSub {
		t.Fatalf("user subject %q, anon subject %q", userSub, anonSub)
	}
	// Signing in on the first device merges the anonymous history into the customer.
	if _, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"identify","messageId":"m5","userId":"u-42","anonymousId":"anon-1"}]}`)); err != nil {
		t.Fatal(err)
	}
	if got := subjectOf(t, st, store.IdentityAnonymousID, "anon-1"); got != userSub {
		t.Fatalf("after sign-in anon-1 -> %q, want the customer %q", got, userSub)
	}
	if sub, _ := st.Subject(ctx, anonSub); sub.MergedInto != userSub {
		t.Fatalf("anonymous subject not marked merged: %+v", sub)
	}
	// Alias: a previousId nobody has yet joins the current customer. From a client-side
	// call it is linked as an anonymousId: a public write key cannot claim a userId for
	// someone (issue 17 item 1).
	if _, err := c.Ingest(ctx, "src", decode(t, `{"batch":[{"type":"alias","messageId":"m6","previousId":"legacy-7","userId":"u-42"}]}`)); err != nil {
		t.Fatal(err)
	}
	if got := subjectOf(t, st, store.IdentityAnonymousID, "legacy-7"); got != userSub {
		t.Fatalf("alias: legacy-7 -> %q, want %q", got, userSub)
	}
	if got := subjectOf(t, st, store.IdentityUserID, "legacy-7"); got != "" {
		t.Fatalf("client-side alias claimed userId legacy-7 for %q", got)
	}
	// Retrying a batch stores nothing twice.
	res, err = c.Ingest(ctx, "src", decode(t, `{"batch":[
		{"type":"track","messageId":"m1","anonymousId":"anon-1","event":"Product Viewed"},
		{"type":"track","messageId":"m7","userId":"u-42","event":"Order Completed"}]}`))
	if err != nil || res.Stored != 1 || res.Duplicates != 1 {
		t.Fatalf("retry = %+v, %v", res, err)
	}
	if n, _ := st.CountEvents(ctx); n != 6 {
		t.Fatalf("CountEvents = %d, want 6 (m1 m2 m4 m5 m6 m7; m3 dropped)", n)
	}
	// Un-merge hands the anonymous history back (erasure of a wrongly linked device).
	if err := st.UnmergeSubject(ctx, anonSub); err != nil {
		t.Fatal(err)
	}
	if got := subjectOf(t, st, store.IdentityAnonymousID, "anon-1"); got != anonSub {
		t.Fatalf("after unmerge anon-1 -> %q, want %q", got, anonSub)
	}
}

func TestSameBatchCreatesOnePerson(t *testing.T) {
	c, st := newCollector(t)
	ctx := context.Background()
	_, err := c.Ingest(ctx, "src", decode(t, `{"batch":[
		{"type":"page","messageId":"a1","anonymousId":"anon-9","name":"Home"},
		{"type":"identify","messageId":"a2","anonymousId":"anon-9","userId":"u-9"},
		{"type":"track","messageId":"a3","userId":"u-9","event":"Order Completed"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a, u := subjectOf(t, st, store.IdentityAnonymousID, "anon-9"), subjectOf(t, st, store.IdentityUserID, "u-9")
	if a == "" || a != u {
		t.Fatalf("anon %q and user %q should be one subject", a, u)
	}
	if n, _ := st.CountSubjects(ctx); n != 1 {
		t.Fatalf("CountSubjects = %d, want 1", n)
	}
}
