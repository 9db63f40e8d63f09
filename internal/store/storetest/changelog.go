package storetest

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/store"
)

// testChangeLog checks the logs a node follows (store.ChangeLog): rows by seq between two
// bounds, paged, and a Follower over them handing each subject out once.
func testChangeLog(t *testing.T, s store.Store) {
	cl, ok := s.(store.ChangeLog)
	if !ok {
		t.Skip("this store has no change log")
	}
	ctx := context.Background()
	f := &store.Follower{Log: cl, Kind: store.LogEvents}
	if err := f.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertEvents(ctx, events("cl", 0, 10)); err != nil {
		t.Fatal(err)
	}
	all, err := cl.LogSince(ctx, store.LogEvents, 0, 0, 1000)
	if err != nil || len(all) < 10 {
		t.Fatalf("events log: %d rows, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("not in seq order: %v", all)
		}
	}
	tail := all[len(all)-10:]
	mid, err := cl.LogSince(ctx, store.LogEvents, tail[2].Seq, tail[6].Seq, 1000)
	if err != nil || len(mid) != 3 || mid[0].Seq != tail[3].Seq || mid[2].Seq != tail[5].Seq {
		t.Fatalf("between %d and %d: %v %v", tail[2].Seq, tail[6].Seq, mid, err)
	}
	if page, _ := cl.LogSince(ctx, store.LogEvents, 0, 0, 2); len(page) != 2 {
		t.Fatalf("limit 2: %v", page)
	}
	ids, err := f.Next(ctx, 0)
	if err != nil || len(ids) != 7 { // events() spreads 10 events over 7 subjects
		t.Fatalf("follower: %v %v", ids, err)
	}
	// A retried batch stores nothing new (ON CONFLICT may burn seqs: a gap, not a row).
	if _, err := s.InsertEvents(ctx, events("cl", 0, 10)); err != nil {
		t.Fatal(err)
	}
	if ids, err := f.Next(ctx, 0); err != nil || len(ids) != 0 {
		t.Fatalf("nothing new: %v %v", ids, err)
	}
	if err := s.AppendConsent(ctx, []store.ConsentRecord{crec("cl1", "sub_cl", "analytics.reporting", true, 0)}); err != nil {
		t.Fatal(err)
	}
	cs, err := cl.LogSince(ctx, store.LogConsents, 0, 0, 1000)
	if err != nil || len(cs) == 0 || cs[len(cs)-1].SubjectID != "sub_cl" {
		t.Fatalf("consent log: %v %v", cs, err)
	}
	// An erasure is logged in its own transaction, for other nodes to drop the person.
	ef := &store.Follower{Log: cl, Kind: store.LogErasures}
	if err := ef.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EraseSubjects(ctx, []string{"s1", "s2"}); err != nil {
		t.Fatal(err)
	}
	if ids, err := ef.Next(ctx, 0); err != nil || len(ids) != 2 || ids[0] != "s1" || ids[1] != "s2" {
		t.Fatalf("erasure log: %v %v", ids, err)
	}
	if _, err := cl.LogSince(ctx, store.Log("nope"), 0, 0, 1); err == nil {
		t.Fatal("an unknown log was read")
	}
}
