package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testHeldLinks: which subjects are identified, links held once, decided once, listed by
// status, and erased with either subject (issue 17 item 1).
func testHeldLinks(t *testing.T, s store.Store) {
	ctx := context.Background()
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSubjects(ctx, []store.Subject{{ID: "sub_a", SourceID: "src", CreatedAt: ts(0)},
			{ID: "sub_b", SourceID: "src", CreatedAt: ts(0)}, {ID: "sub_anon", SourceID: "src", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		return tx.LinkIdentities(ctx, []store.IdentityLink{
			{Key: key(store.IdentityUserID, "\x01a"), SubjectID: "sub_a", CreatedAt: ts(0)},
			{Key: key(store.IdentityAnonymousID, "\x01a"), SubjectID: "sub_a", CreatedAt: ts(0)},
			{Key: key(store.IdentityUserID, "\x01b"), SubjectID: "sub_b", CreatedAt: ts(0)},
			{Key: key(store.IdentityAnonymousID, "\x01n"), SubjectID: "sub_anon", CreatedAt: ts(0)}})
	})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := s.IdentifiedSubjects(ctx, []string{"sub_a", "sub_b", "sub_anon", "nobody"})
	if err != nil || len(ids) != 2 || !ids["sub_a"] || !ids["sub_b"] {
		t.Fatalf("IdentifiedSubjects = %v, %v", ids, err)
	}
	hold := func(from, into string, at time.Duration) store.HeldLink {
		return store.HeldLink{ID: store.HeldLinkID(from, into), From: from, Into: into, Reason: "alias", SourceID: "src", CreatedAt: ts(at)}
	}
	err = s.InTx(ctx, func(tx store.Tx) error {
		in, err := tx.IdentifiedSubjects(ctx, []string{"sub_anon", "sub_b"})
		if err != nil || len(in) != 1 || !in["sub_b"] {
			t.Errorf("IdentifiedSubjects in tx = %v, %v", in, err)
		}
		for _, l := range []store.HeldLink{hold("sub_a", "sub_b", 0), hold("sub_a", "sub_b", time.Hour), hold("sub_b", "sub_a", time.Minute)} {
			if err := tx.HoldLink(ctx, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.HeldLinks(ctx, store.LinkPending, 10)
	if err != nil || len(all) != 2 || all[0].From != "sub_b" || all[1].From != "sub_a" || all[1].Status != store.LinkPending || !all[1].CreatedAt.Equal(ts(0)) || all[1].DecidedAt != nil {
		t.Fatalf("HeldLinks = %+v, %v; want 2 pending, newest first, the first holding kept", all, err)
	}
	id := store.HeldLinkID("sub_a", "sub_b")
	err = s.InTx(ctx, func(tx store.Tx) error {
		l, err := tx.DecideLink(ctx, id, store.LinkApproved, "op_x", ts(2*time.Hour))
		if err != nil || l.From != "sub_a" || l.Status != store.LinkPending {
			t.Errorf("DecideLink = %+v, %v", l, err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.DecideLink(ctx, id, store.LinkRejected, "op_y", ts(3*time.Hour))
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("deciding twice: %v", err)
	}
	err = s.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.DecideLink(ctx, "hl_none", store.LinkRejected, "op_y", ts(3*time.Hour))
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deciding nothing: %v", err)
	}
	got, err := s.HeldLink(ctx, id)
	if err != nil || got.Status != store.LinkApproved || got.DecidedBy != "op_x" || got.DecidedAt == nil || !got.DecidedAt.Equal(ts(2*time.Hour)) {
		t.Fatalf("HeldLink = %+v, %v", got, err)
	}
	if _, err := s.HeldLink(ctx, "hl_none"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("HeldLink(missing) = %v", err)
	}
	if l, _ := s.HeldLinks(ctx, "", 10); len(l) != 2 {
		t.Fatalf("all held links = %+v", l)
	}
	// Erasing a subject erases the links that name it.
	if err := s.EraseSubjects(ctx, []string{"sub_b"}); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.HeldLinks(ctx, "", 10); len(l) != 0 {
		t.Fatalf("held links after erasure = %+v", l)
	}
}
