package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/store"
)

// testIdentityEpoch checks the promise ingestion relies on to skip its second identity
// lookup: every committed change to identities moves the epoch, inside the transaction
// too; nothing else needs to, and a rolled-back change must not be mistaken for none
// (moving then is harmless, so only "committed changes move it" is required).
func testIdentityEpoch(t *testing.T, s store.Store) {
	se, ok := s.(store.IdentityEpochs)
	if !ok {
		t.Skip("this store keeps no identity epoch; ingestion looks identities up twice")
	}
	ctx := context.Background()
	epoch := func() int64 {
		t.Helper()
		n, err := se.IdentityEpoch(ctx)
		if err != nil {
			t.Fatalf("IdentityEpoch: %v", err)
		}
		return n
	}
	moved := func(what string, before int64) int64 {
		t.Helper()
		after := epoch()
		if after == before {
			t.Fatalf("%s did not move the identity epoch (%d)", what, before)
		}
		return after
	}
	anon, user := key(store.IdentityAnonymousID, "\x01ep-anon"), key(store.IdentityUserID, "\x02ep-user")
	e := epoch()
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSubjects(ctx, []store.Subject{{ID: "ep_a", SourceID: "src", CreatedAt: ts(0)}, {ID: "ep_u", SourceID: "src", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		if err := tx.LinkIdentities(ctx, []store.IdentityLink{{Key: anon, SubjectID: "ep_a", CreatedAt: ts(0)}, {Key: user, SubjectID: "ep_u", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		te, ok := tx.(store.IdentityEpochs)
		if !ok {
			return errors.New("the store keeps an epoch but its transaction does not show it")
		}
		if n, err := te.IdentityEpoch(ctx); err != nil || n == e {
			return errors.New("a link is not visible in the transaction's own epoch")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e = moved("a committed link", e)
	if _, err := s.InsertEvents(ctx, events("src", 0, 3)); err != nil {
		t.Fatal(err)
	}
	if n := epoch(); n != e {
		t.Fatalf("inserting events moved the identity epoch %d -> %d: every ingest would look up twice", e, n)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.MergeSubjects(ctx, "ep_a", "ep_u", "identify", ts(1)) }); err != nil {
		t.Fatal(err)
	}
	e = moved("a merge", e)
	if err := s.UnmergeSubject(ctx, "ep_a"); err != nil {
		t.Fatal(err)
	}
	e = moved("an un-merge", e)
	if err := s.EraseSubjects(ctx, []string{"ep_a"}); err != nil {
		t.Fatal(err)
	}
	moved("an erasure", e)
}
