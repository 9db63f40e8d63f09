package storetest

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/store"
)

// testSuppressions: erasing suppresses the person's userIds (held and merged-in ones), not
// their anonymous ids; a lifted suppression stops counting and comes back if they are erased
// again.
func testSuppressions(t *testing.T, s store.Store) {
	ctx := context.Background()
	u1, u2, a1 := key(store.IdentityUserID, "\x10u1"), key(store.IdentityUserID, "\x10u2\x00"), key(store.IdentityAnonymousID, "\x10a1")
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSubjects(ctx, []store.Subject{{ID: "sp_1", SourceID: "src", CreatedAt: ts(0)}, {ID: "sp_2", SourceID: "src", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		return tx.LinkIdentities(ctx, []store.IdentityLink{{Key: u1, SubjectID: "sp_1", CreatedAt: ts(0)}, {Key: a1, SubjectID: "sp_1", CreatedAt: ts(0)},
			{Key: u2, SubjectID: "sp_2", CreatedAt: ts(0)}})
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.SuppressSubjectIdentities(ctx, []string{"sp_1"}, ts(1))
	if err != nil || n != 1 {
		t.Fatalf("suppress: %d %v", n, err)
	}
	got, err := s.SuppressedIdentities(ctx, []store.IdentityKey{u1, u2, a1, key(store.IdentityUserID, "nobody")})
	if err != nil || !got[u1] || got[u2] || got[a1] || len(got) != 1 {
		t.Fatalf("suppressed = %v, %v", got, err)
	}
	if ok, err := s.LiftSuppression(ctx, u1, ts(2)); !ok || err != nil {
		t.Fatalf("lift: %v %v", ok, err)
	}
	if ok, _ := s.LiftSuppression(ctx, u1, ts(3)); ok {
		t.Fatal("lifted twice")
	}
	if got, _ := s.SuppressedIdentities(ctx, []store.IdentityKey{u1}); got[u1] {
		t.Fatal("a lifted suppression still counts")
	}
	if n, err := s.SuppressSubjectIdentities(ctx, []string{"sp_1", "sp_2"}, ts(4)); err != nil || n != 2 {
		t.Fatalf("suppress again: %d %v", n, err)
	}
	if got, _ := s.SuppressedIdentities(ctx, []store.IdentityKey{u1, u2}); !got[u1] || !got[u2] {
		t.Fatalf("after a second erasure: %v", got)
	}
}
