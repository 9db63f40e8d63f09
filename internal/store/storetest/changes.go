package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testChanges: every kind of change to personal data moves the data version, and consent
// changes name their subjects in seq order.
func testChanges(t *testing.T, s store.Store) {
	ctx := context.Background()
	v0, err := s.DataVersion(ctx)
	if err != nil || v0 != (store.DataVersion{}) {
		t.Fatalf("empty store's version = %+v, %v", v0, err)
	}
	moved := func(what string, prev store.DataVersion, check func(v store.DataVersion) bool) store.DataVersion {
		t.Helper()
		v, err := s.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v == prev || !check(v) {
			t.Fatalf("after %s the version is %+v (before %+v)", what, v, prev)
		}
		return v
	}

	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateSubjects(ctx, []store.Subject{{ID: "s1", SourceID: "src", CreatedAt: ts(0)},
			{ID: "s2", SourceID: "src", CreatedAt: ts(0)}, {ID: "s3", SourceID: "src", CreatedAt: ts(0)}})
	}); err != nil {
		t.Fatal(err)
	}
	v1 := moved("three subjects", v0, func(v store.DataVersion) bool { return v.Subjects == 3 })

	var evs []store.Event
	for i, sub := range []string{"s1", "s2", "s3", "s1"} {
		evs = append(evs, store.Event{SourceID: "src", MessageID: string(rune('a' + i)), SubjectID: sub, Type: "track", Name: "x",
			OccurredAt: ts(0), ReceivedAt: ts(0), Body: []byte("sealed")})
	}
	if _, err := s.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	v2 := moved("four events", v1, func(v store.DataVersion) bool { return v.Events == 4 && v.EventSeq >= 4 })
	// A retried batch stores nothing: the version stays.
	if _, err := s.InsertEvents(ctx, evs[:1]); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.DataVersion(ctx); v != v2 {
		t.Fatalf("a duplicate moved the version: %+v, was %+v", v, v2)
	}

	if err := s.AppendConsent(ctx, []store.ConsentRecord{crec("k1", "s2", "analytics.reporting", true, 0),
		crec("k2", "s1", "analytics.reporting", true, 0), crec("k3", "s2", "personalize.content", false, time.Minute)}); err != nil {
		t.Fatal(err)
	}
	v3 := moved("three consent records", v2, func(v store.DataVersion) bool { return v.Consents == 3 && v.ConsentSeq > v2.ConsentSeq })
	ids, last, err := s.ConsentChanges(ctx, 0, 2)
	if err != nil || !slices.Equal(ids, []string{"s2", "s1"}) || last <= 0 {
		t.Fatalf("consent changes = %v, %d, %v", ids, last, err)
	}
	ids, last2, err := s.ConsentChanges(ctx, last, 10)
	if err != nil || !slices.Equal(ids, []string{"s2"}) || last2 != v3.ConsentSeq {
		t.Fatalf("consent changes after %d = %v, %d, %v (version %d)", last, ids, last2, err, v3.ConsentSeq)
	}
	if none, same, err := s.ConsentChanges(ctx, last2, 10); err != nil || len(none) != 0 || same != last2 {
		t.Fatalf("consent changes after the last = %v, %d, %v", none, same, err)
	}

	for _, id := range []string{"s1", "s2", "s3"} {
		if err := s.PutSubjectKey(ctx, store.SubjectKey{SubjectID: id, KEKID: "k", Wrapped: []byte("w"), CreatedAt: ts(0)}); err != nil {
			t.Fatal(err)
		}
	}
	v4 := moved("three keys", v3, func(v store.DataVersion) bool { return v.Keys == 3 })
	if err := s.DeleteSubjectKey(ctx, "s3"); err != nil {
		t.Fatal(err)
	}
	v5 := moved("a shredded key", v4, func(v store.DataVersion) bool { return v.Keys == 2 && v.Events == 4 })

	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.MergeSubjects(ctx, "s2", "s1", "identify", ts(time.Hour)) }); err != nil {
		t.Fatal(err)
	}
	v6 := moved("a merge", v5, func(v store.DataVersion) bool { return v.Subjects == 2 && v.Events == 4 })

	if err := s.EraseSubjects(ctx, []string{"s3"}); err != nil {
		t.Fatal(err)
	}
	moved("an erasure", v6, func(v store.DataVersion) bool {
		return v.Events == 3 && v.Subjects == 1 && v.EventSeq == v6.EventSeq && v.Consents == 3
	})
}
