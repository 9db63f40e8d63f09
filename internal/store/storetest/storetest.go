package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Opener returns a fresh, empty store for one test; the suite migrates it. The opener
// registers its own cleanup with t.
type Opener func(t *testing.T) store.Store

// Run runs every conformance check as a subtest and returns how many ran to the end (a
// check of an optional feature the store lacks skips and is not counted).
func Run(t *testing.T, open Opener) int {
	checks := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"MigrateIdempotent", testMigrateIdempotent},
		{"Operators", testOperators},
		{"Tokens", testTokens},
		{"Sources", testSources},
		{"EventsIdempotent", testEventsIdempotent},
		{"EventsConcurrentWriters", testEventsConcurrent},
		{"EventsLargeBatch", testEventsLargeBatch},
		{"RawSubjectEvents", testRawSubjectEvents},
		{"Settings", testSettings},
		{"Identities", testIdentities},
		{"IdentityEpoch", testIdentityEpoch},
		{"SubjectKeys", testSubjectKeys},
		{"Sessions", testSessions},
		{"ConsentLedger", testConsentLedger},
		{"Erasure", testErasure},
		{"Manifests", testManifests},
		{"Rights", testRights},
		{"RightsWork", testRightsWork},
		{"LegalHold", testLegalHold},
		{"Profiles", testProfiles},
		{"Suppressions", testSuppressions},
		{"PrivacyBudgets", testPrivacyBudgets},
		{"PrivacyBudgetsConcurrent", testPrivacyBudgetsConcurrent},
		{"Text", testText},
		{"KeyringLeases", testKeyringLeases},
		{"HeldLinks", testHeldLinks},
		{"Equity", testEquity},
		{"EquityConcurrent", testEquityConcurrent},
		{"Campaigns", testCampaigns},
		{"CampaignReservationsSerialise", testReservationsSerialise},
		{"CampaignErasure", testCampaignErasure},
		{"Algorithms", testAlgorithms},
		{"PriceQuotes", testPriceQuotes},
		{"ConsentChanges", testConsentChanges},
		{"ChangeLog", testChangeLog},
		{"Console", testConsole},
		{"CampaignMessagePages", testCampaignMessagePages},
		{"Changes", testChanges},
		{"Retention", testRetention},
		{"Transfers", testTransfers},
		{"Assessments", testAssessments},
		{"Incidents", testIncidents},
		{"CleanRoom", testCleanRoom},
		{"Dictionaries", testDictionaries},
		{"Ping", testPing},
	}
	ran := 0
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			if _, err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			c.fn(t, s)
			ran++ // not reached by a check that skips (optional features) or fails
		})
	}
	return ran
}

// ts returns a fixed instant truncated to microseconds, the precision both backends keep.
func ts(offset time.Duration) time.Time {
	return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).Add(offset).Truncate(time.Microsecond)
}

func testMigrateIdempotent(t *testing.T, s store.Store) {
	ctx := context.Background()
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want >= 1", v, err)
	}
	n, err := s.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
	}
	v2, _ := s.SchemaVersion(ctx)
	if v2 != v {
		t.Fatalf("version changed from %d to %d on re-migrate", v, v2)
	}
}

func testOperators(t *testing.T, s store.Store) {
	ctx := context.Background()
	ops := []store.Operator{
		{ID: "op_b", Name: "bea", Role: "marketer", CreatedAt: ts(time.Second)},
		{ID: "op_a", Name: "al", Role: "admin", CreatedAt: ts(0)},
	}
	for _, op := range ops {
		if err := s.CreateOperator(ctx, op); err != nil {
			t.Fatalf("CreateOperator: %v", err)
		}
	}
	err := s.CreateOperator(ctx, store.Operator{ID: "op_c", Name: "al", Role: "auditor", CreatedAt: ts(0)})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate name: err = %v, want ErrConflict", err)
	}
	got, err := s.GetOperator(ctx, "op_b")
	if err != nil || got != ops[0] {
		t.Fatalf("GetOperator = %+v, %v; want %+v", got, err, ops[0])
	}
	if _, err := s.GetOperator(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetOperator(missing) err = %v, want ErrNotFound", err)
	}
	list, err := s.ListOperators(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "op_a" || list[1].ID != "op_b" {
		t.Fatalf("ListOperators = %+v, %v; want op_a, op_b by creation", list, err)
	}
}

func testTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateOperator(ctx, store.Operator{ID: "op1", Name: "o", Role: "admin", CreatedAt: ts(0)}); err != nil {
		t.Fatal(err)
	}
	exp := ts(time.Hour)
	tok := store.Token{ID: "tk1", OperatorID: "op1", Name: "ci", Hash: []byte("0123456789abcdef0123456789abcdef"),
		Scopes: []string{"operators:read", "sources:write"}, CreatedAt: ts(0), ExpiresAt: &exp}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if err := s.CreateToken(ctx, store.Token{ID: "tk2", OperatorID: "op1", Name: "dup", Hash: tok.Hash, CreatedAt: ts(0)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate hash: err = %v, want ErrConflict", err)
	}
	if err := s.CreateToken(ctx, store.Token{ID: "tk3", OperatorID: "ghost", Name: "x", Hash: []byte("h3"), CreatedAt: ts(0)}); err == nil {
		t.Fatal("token for unknown operator was accepted")
	}
	got, err := s.TokenByHash(ctx, tok.Hash)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if got.ID != "tk1" || len(got.Scopes) != 2 || got.Scopes[1] != "sources:write" || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || got.RevokedAt != nil {
		t.Fatalf("TokenByHash = %+v", got)
	}
	if !got.Usable(ts(time.Minute)) || got.Usable(ts(2*time.Hour)) {
		t.Fatal("expiry not honoured by Usable")
	}
	if _, err := s.TokenByHash(ctx, []byte("other")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TokenByHash(unknown) err = %v", err)
	}
	if err := s.RevokeToken(ctx, "tk1", ts(time.Minute)); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if err := s.RevokeToken(ctx, "tk1", ts(time.Hour)); err != nil {
		t.Fatalf("RevokeToken again: %v", err)
	}
	got, _ = s.TokenByHash(ctx, tok.Hash)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(ts(time.Minute)) || got.Usable(ts(2*time.Minute)) {
		t.Fatalf("revocation not kept at first time: %+v", got.RevokedAt)
	}
	if err := s.RevokeToken(ctx, "missing", ts(0)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RevokeToken(missing) err = %v", err)
	}
	list, err := s.ListTokens(ctx, "op1")
	if err != nil || len(list) != 1 {
		t.Fatalf("ListTokens = %d tokens, %v", len(list), err)
	}
}

func testSources(t *testing.T, s store.Store) {
	ctx := context.Background()
	src := store.Source{ID: "src1", Name: "web", KeyHash: []byte("k1"), CreatedAt: ts(0)}
	if err := s.CreateSource(ctx, src); err != nil {
		t.Fatalf("CreateSource: %v", err)
	}
	if err := s.CreateSource(ctx, store.Source{ID: "src2", Name: "web", KeyHash: []byte("k2"), CreatedAt: ts(0)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate name err = %v", err)
	}
	got, err := s.SourceByKeyHash(ctx, []byte("k1"))
	if err != nil || got.ID != "src1" || !bytes.Equal(got.KeyHash, []byte("k1")) || !got.CreatedAt.Equal(src.CreatedAt) {
		t.Fatalf("SourceByKeyHash = %+v, %v", got, err)
	}
	if _, err := s.SourceByKeyHash(ctx, []byte("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key err = %v", err)
	}
	list, err := s.ListSources(ctx)
	if err != nil || len(list) != 1 || list[0].ServerSide {
		t.Fatalf("ListSources = %v, %v", list, err)
	}
	// A server-side source keeps its flag (issue 17 item 1).
	if err := s.CreateSource(ctx, store.Source{ID: "src3", Name: "backend", KeyHash: []byte("k3"), CreatedAt: ts(time.Second), ServerSide: true}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SourceByKeyHash(ctx, []byte("k3")); err != nil || !got.ServerSide {
		t.Fatalf("server-side source = %+v, %v", got, err)
	}
	if list, _ := s.ListSources(ctx); len(list) != 2 || !list[1].ServerSide {
		t.Fatalf("ListSources = %+v", list)
	}
}

func events(src string, from, n int) []store.Event {
	out := make([]store.Event, n)
	for i := range out {
		k := from + i
		out[i] = store.Event{SourceID: src, MessageID: fmt.Sprintf("m-%06d", k), SubjectID: fmt.Sprintf("s%d", k%7),
			Type: "track", Name: "Product Viewed", OccurredAt: ts(time.Duration(k) * time.Second), ReceivedAt: ts(time.Hour),
			Body: []byte(fmt.Sprintf(`{"k":%d}`, k))}
	}
	return out
}

func testEventsIdempotent(t *testing.T, s store.Store) {
	ctx := context.Background()
	n, err := s.InsertEvents(ctx, events("a", 0, 10))
	if err != nil || n != 10 {
		t.Fatalf("first batch = %d, %v; want 10", n, err)
	}
	// A retried, overlapping batch stores only the new rows.
	n, err = s.InsertEvents(ctx, events("a", 5, 10))
	if err != nil || n != 5 {
		t.Fatalf("overlapping batch = %d, %v; want 5", n, err)
	}
	// The same message id from another source is a different event.
	n, err = s.InsertEvents(ctx, events("b", 0, 3))
	if err != nil || n != 3 {
		t.Fatalf("other source = %d, %v; want 3", n, err)
	}
	// Duplicates inside one batch collapse to one row.
	dup := append(events("c", 0, 2), events("c", 0, 2)...)
	n, err = s.InsertEvents(ctx, dup)
	if err != nil || n != 2 {
		t.Fatalf("batch with inner duplicates = %d, %v; want 2", n, err)
	}
	if n, err := s.InsertEvents(ctx, nil); err != nil || n != 0 {
		t.Fatalf("empty batch = %d, %v", n, err)
	}
	total, err := s.CountEvents(ctx)
	if err != nil || total != 20 {
		t.Fatalf("CountEvents = %d, %v; want 20", total, err)
	}
}

func testEventsConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const writers, per = 8, 250
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := 0; b < per; b += 50 {
				if _, err := s.InsertEvents(ctx, events(fmt.Sprintf("w%d", w), b, 50)); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent insert: %v", err)
	}
	total, err := s.CountEvents(ctx)
	if err != nil || total != writers*per {
		t.Fatalf("CountEvents = %d, %v; want %d", total, err, writers*per)
	}
}

func testEventsLargeBatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	n, err := s.InsertEvents(ctx, events("big", 0, 1234))
	if err != nil || n != 1234 {
		t.Fatalf("large batch = %d, %v", n, err)
	}
	// A cancelled context must not leave half a batch behind.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.InsertEvents(cctx, events("cancelled", 0, 600)); err == nil {
		t.Fatal("insert with cancelled context succeeded")
	}
	total, _ := s.CountEvents(ctx)
	if total != 1234 {
		t.Fatalf("after cancelled batch CountEvents = %d, want 1234 (no partial write)", total)
	}
}

func testSettings(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.GetSetting(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing setting err = %v", err)
	}
	for _, v := range []string{"1", "二"} {
		if err := s.PutSetting(ctx, "x", v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetSetting(ctx, "x"); err != nil || got != v {
			t.Fatalf("GetSetting = %q, %v; want %q", got, err, v)
		}
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testRawSubjectEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	evs := events("a", 0, 30)
	for i := range evs {
		evs[i].SubjectID = fmt.Sprintf("sub_%d", i%3)
	}
	evs[3].OriginSubjectID = "sub_origin"
	if _, err := s.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	var got []store.Event
	after := int64(0)
	for {
		page, err := s.RawSubjectEvents(ctx, "sub_0", after, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].Seq
	}
	if len(got) != 10 {
		t.Fatalf("sub_0 has %d events, want 10", len(got))
	}
	for i, e := range got {
		want := evs[i*3]
		// Source and message ids are kept only as their key (store.EventKey): the body and
		// the order say which event this is.
		if e.SubjectID != "sub_0" || string(e.Body) != string(want.Body) || e.Type != want.Type || e.Name != want.Name ||
			!e.OccurredAt.Equal(want.OccurredAt) || (i > 0 && e.Seq <= got[i-1].Seq) {
			t.Fatalf("event %d = %+v, want %+v", i, e, want)
		}
	}
	if got[1].OriginSubjectID != "sub_origin" || got[0].OriginSubjectID != "sub_0" {
		t.Fatalf("origins = %q, %q", got[0].OriginSubjectID, got[1].OriginSubjectID)
	}
	if none, err := s.RawSubjectEvents(ctx, "sub_nobody", 0, 10); err != nil || len(none) != 0 {
		t.Fatalf("unknown subject = %v, %v", none, err)
	}
}
