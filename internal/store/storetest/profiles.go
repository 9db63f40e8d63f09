package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func testProfiles(t *testing.T, s store.Store) {
	ctx := context.Background()
	// Definitions: upsert, list by kind and name, delete, not found.
	for _, d := range []store.Definition{
		{Kind: store.DefinitionTag, Name: "b", Spec: []byte(`{"v":1}`), Actor: "op_1", UpdatedAt: ts(0)},
		{Kind: store.DefinitionTag, Name: "a", Spec: []byte(`{"v":1}`), Actor: "op_1", UpdatedAt: ts(0)},
		{Kind: store.DefinitionSegment, Name: "a", Spec: []byte(`{"s":1}`), Actor: "op_1", UpdatedAt: ts(0)},
		{Kind: store.DefinitionTag, Name: "b", Spec: []byte(`{"v":2}`), Actor: "op_2", UpdatedAt: ts(time.Minute)},
	} {
		if err := s.PutDefinition(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	tags, err := s.Definitions(ctx, store.DefinitionTag)
	if err != nil || len(tags) != 2 || tags[0].Name != "a" || string(tags[1].Spec) != `{"v":2}` || tags[1].Actor != "op_2" ||
		!tags[1].UpdatedAt.Equal(ts(time.Minute)) {
		t.Fatalf("tag definitions = %+v, %v", tags, err)
	}
	if err := s.DeleteDefinition(ctx, store.DefinitionTag, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDefinition(ctx, store.DefinitionTag, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete = %v, want ErrNotFound", err)
	}
	if segs, _ := s.Definitions(ctx, store.DefinitionSegment); len(segs) != 1 {
		t.Fatalf("segments = %+v", segs)
	}

	// Subjects and events: live subjects skip merged ones; changed subjects follow seq.
	if err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSubjects(ctx, []store.Subject{{ID: "s1", SourceID: "src", CreatedAt: ts(0)},
			{ID: "s2", SourceID: "src", CreatedAt: ts(0)}, {ID: "s3", SourceID: "src", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		return tx.MergeSubjects(ctx, "s3", "s1", "identify", ts(time.Second))
	}); err != nil {
		t.Fatal(err)
	}
	live, err := s.LiveSubjects(ctx, "", 10)
	if err != nil || !slices.Equal(live, []string{"s1", "s2"}) {
		t.Fatalf("live subjects = %v, %v", live, err)
	}
	if page, _ := s.LiveSubjects(ctx, "s1", 10); !slices.Equal(page, []string{"s2"}) {
		t.Fatalf("live subjects after s1 = %v", page)
	}
	var evs []store.Event
	for i, sub := range []string{"s1", "s2", "s1", "s2", "s1"} {
		evs = append(evs, store.Event{SourceID: "src", MessageID: string(rune('a' + i)), SubjectID: sub, Type: "track", Name: "x",
			OccurredAt: ts(0), ReceivedAt: ts(0), Body: []byte("sealed")})
	}
	if _, err := s.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	ids, last, err := s.ChangedSubjects(ctx, 0, 3)
	if err != nil || !slices.Equal(ids, []string{"s1", "s2"}) || last <= 0 {
		t.Fatalf("changed = %v, %d, %v", ids, last, err)
	}
	ids2, last2, _ := s.ChangedSubjects(ctx, last, 100)
	if !slices.Equal(ids2, []string{"s2", "s1"}) || last2 <= last {
		t.Fatalf("changed after %d = %v, %d", last, ids2, last2)
	}
	if none, same, _ := s.ChangedSubjects(ctx, last2, 100); len(none) != 0 || same != last2 {
		t.Fatalf("changed after the last = %v, %d", none, same)
	}

	// Suppressions: idempotent (first time kept), listed, erased with the subject.
	for _, sp := range []store.TagSuppression{{SubjectID: "s1", Tag: "vip", At: ts(0)}, {SubjectID: "s1", Tag: "vip", At: ts(time.Hour)},
		{SubjectID: "s2", Tag: "vip", At: ts(0)}} {
		if err := s.SuppressTag(ctx, sp); err != nil {
			t.Fatal(err)
		}
	}
	sup, err := s.TagSuppressions(ctx)
	if err != nil || len(sup) != 2 || sup[0].SubjectID != "s1" || !sup[0].At.Equal(ts(0)) {
		t.Fatalf("suppressions = %+v, %v", sup, err)
	}
	if err := s.EraseSubjects(ctx, []string{"s1"}); err != nil {
		t.Fatal(err)
	}
	fp, err := s.SubjectFootprint(ctx, "s1")
	if err != nil || fp["tag_suppressions.subject_id"] != 0 {
		t.Fatalf("footprint after erasure = %v, %v", fp, err)
	}
	if sup, _ := s.TagSuppressions(ctx); len(sup) != 1 || sup[0].SubjectID != "s2" {
		t.Fatalf("suppressions after erasure = %+v", sup)
	}
}
