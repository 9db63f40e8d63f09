package storetest

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func testErasure(t *testing.T, s store.Store) {
	ctx := context.Background()
	// anon (anonymous history) merged into known; other is another person.
	if err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSubjects(ctx, []store.Subject{{ID: "known", SourceID: "src", CreatedAt: ts(0)},
			{ID: "anon", SourceID: "src", CreatedAt: ts(0)}, {ID: "other", SourceID: "src", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		if err := tx.LinkIdentities(ctx, []store.IdentityLink{{Key: key("user_id", "hk"), SubjectID: "known", CreatedAt: ts(0)},
			{Key: key("anonymous_id", "ha"), SubjectID: "anon", CreatedAt: ts(0)}, {Key: key("user_id", "ho"), SubjectID: "other", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		evs := events("src", 0, 6)
		for i := range evs {
			evs[i].SubjectID = []string{"known", "anon", "other"}[i%3]
		}
		if _, err := tx.InsertEvents(ctx, evs); err != nil {
			return err
		}
		return tx.MergeSubjects(ctx, "anon", "known", "identify", ts(time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"known", "anon", "other"} {
		if err := s.PutSubjectKey(ctx, store.SubjectKey{SubjectID: id, KEKID: "k", Wrapped: []byte("w"), CreatedAt: ts(0)}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, store.Session{ID: "ses_" + id, Digest: []byte("d" + id), SubjectID: id, CreatedAt: ts(0), ExpiresAt: ts(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AppendConsent(ctx, []store.ConsentRecord{crec("cx", "known", "analytics.reporting", true, time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fam, err := s.SubjectFamily(ctx, "known")
	sort.Strings(fam)
	if err != nil || strings.Join(fam, ",") != "anon,known" {
		t.Fatalf("family = %v, %v", fam, err)
	}
	before, _ := s.SubjectFootprint(ctx, "known")
	if before["events.subject_id"] != 4 || before["subject_keys.subject_id"] != 1 {
		t.Fatalf("footprint before = %v", before)
	}
	if err := s.EraseSubjects(ctx, fam); err != nil {
		t.Fatal(err)
	}
	for _, id := range fam {
		fp, err := s.SubjectFootprint(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range fp {
			if n != 0 {
				t.Errorf("%s: %s still holds %d rows", id, k, n)
			}
		}
	}
	fp, _ := s.SubjectFootprint(ctx, "other")
	if fp["events.subject_id"] != 2 || fp["identities.subject_id"] != 1 || fp["subject_keys.subject_id"] != 1 || fp["subjects.id"] != 1 {
		t.Fatalf("another subject lost data: %v", fp)
	}
	// The consent proof stays (legal hold).
	if h, _ := s.ConsentHistory(ctx, "known"); len(h) != 1 {
		t.Fatalf("consent proof = %v", h)
	}
}
