package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func key(kind, h string) store.IdentityKey { return store.IdentityKey{Kind: kind, Hash: h} }

func testIdentities(t *testing.T, s store.Store) {
	ctx := context.Background()
	anon, user := key(store.IdentityAnonymousID, "\x01anon"), key(store.IdentityUserID, "\x02user")
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSubjects(ctx, []store.Subject{{ID: "sub_a", SourceID: "src", CreatedAt: ts(0)}, {ID: "sub_u", SourceID: "src", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		if err := tx.LinkIdentities(ctx, []store.IdentityLink{{Key: anon, SubjectID: "sub_a", CreatedAt: ts(0)}, {Key: user, SubjectID: "sub_u", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		evs := events("src", 0, 4)
		for i := range evs {
			evs[i].SubjectID = "sub_a"
		}
		_, err := tx.InsertEvents(ctx, evs)
		return err
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	var got map[store.IdentityKey]string
	s.InTx(ctx, func(tx store.Tx) error {
		got, err = tx.LookupIdentities(ctx, []store.IdentityKey{anon, user, key(store.IdentityUserID, "unknown")})
		return err
	})
	if err != nil || len(got) != 2 || got[anon] != "sub_a" || got[user] != "sub_u" {
		t.Fatalf("LookupIdentities = %v, %v", got, err)
	}
	// The same lookup outside a transaction sees what was committed.
	if got, err := s.LookupIdentities(ctx, []store.IdentityKey{anon, user, key(store.IdentityUserID, "unknown")}); err != nil || len(got) != 2 || got[anon] != "sub_a" || got[user] != "sub_u" {
		t.Fatalf("Store.LookupIdentities = %v, %v", got, err)
	}
	// Linking a known identifier again conflicts, and the failed transaction leaves nothing.
	err = s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSubjects(ctx, []store.Subject{{ID: "sub_x", SourceID: "src", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		return tx.LinkIdentities(ctx, []store.IdentityLink{{Key: anon, SubjectID: "sub_x", CreatedAt: ts(0)}})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("relink err = %v, want ErrConflict", err)
	}
	if _, err := s.Subject(ctx, "sub_x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rolled-back subject exists: %v", err)
	}
	// Each has an event; the anonymous one's follows the merge and comes back on un-merge.
	if _, err := s.InsertEvents(ctx, []store.Event{
		{SourceID: "src", MessageID: "ev-a", SubjectID: "sub_a", Type: "track", Name: "X", OccurredAt: ts(0), ReceivedAt: ts(0), Body: []byte("ev-a")},
		{SourceID: "src", MessageID: "ev-u", SubjectID: "sub_u", Type: "track", Name: "X", OccurredAt: ts(0), ReceivedAt: ts(0), Body: []byte("ev-u")},
	}); err != nil {
		t.Fatalf("insert events: %v", err)
	}
	eventsOf := func(sub string) string {
		t.Helper()
		evs, err := s.RawSubjectEvents(ctx, sub, 0, 1000)
		if err != nil {
			t.Fatalf("events of %s: %v", sub, err)
		}
		var ids []string
		for _, e := range evs {
			// Other tests' events share the store; the body names the event (message ids are
			// kept only as a key).
			if b := string(e.Body); strings.HasPrefix(b, "ev-") {
				ids = append(ids, b+"<"+e.OriginSubjectID)
			}
		}
		return strings.Join(ids, " ")
	}
	// Merge the anonymous history into the known customer.
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.MergeSubjects(ctx, "sub_a", "sub_u", "identify", ts(time.Minute))
	}); err != nil {
		t.Fatalf("merge: %v", err)
	}
	s.InTx(ctx, func(tx store.Tx) error { got, err = tx.LookupIdentities(ctx, []store.IdentityKey{anon}); return err })
	if got[anon] != "sub_u" {
		t.Fatalf("after merge anon -> %q, want sub_u", got[anon])
	}
	if got, err := s.LookupIdentities(ctx, []store.IdentityKey{anon}); err != nil || got[anon] != "sub_u" {
		t.Fatalf("Store.LookupIdentities after merge = %v, %v", got, err)
	}
	if got := eventsOf("sub_u"); got != "ev-a<sub_a ev-u<sub_u" {
		t.Fatalf("after merge sub_u has events %q", got)
	}
	if sub, _ := s.Subject(ctx, "sub_a"); sub.MergedInto != "sub_u" {
		t.Fatalf("merged subject MergedInto = %q", sub.MergedInto)
	}
	if n, _ := s.CountSubjects(ctx); n != 1 {
		t.Fatalf("CountSubjects = %d, want 1 live subject", n)
	}
	// Un-merge returns identities and events to their origin.
	if err := s.UnmergeSubject(ctx, "sub_a"); err != nil {
		t.Fatalf("unmerge: %v", err)
	}
	s.InTx(ctx, func(tx store.Tx) error {
		got, err = tx.LookupIdentities(ctx, []store.IdentityKey{anon, user})
		return err
	})
	if got[anon] != "sub_a" || got[user] != "sub_u" {
		t.Fatalf("after unmerge = %v", got)
	}
	if a, u := eventsOf("sub_a"), eventsOf("sub_u"); a != "ev-a<sub_a" || u != "ev-u<sub_u" {
		t.Fatalf("after unmerge sub_a has %q, sub_u has %q", a, u)
	}
	if sub, _ := s.Subject(ctx, "sub_a"); sub.MergedInto != "" {
		t.Fatalf("unmerged subject still MergedInto %q", sub.MergedInto)
	}
	if n, _ := s.CountSubjects(ctx); n != 2 {
		t.Fatalf("CountSubjects = %d, want 2", n)
	}
}
