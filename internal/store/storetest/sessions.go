package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func testSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := store.Session{ID: "ses_a", Digest: []byte("digest-a"), SubjectID: "sub_1", CreatedAt: ts(0), ExpiresAt: ts(30 * time.Minute)}
	b := store.Session{ID: "ses_b", Digest: []byte("digest-b"), SubjectID: "sub_1", CreatedAt: ts(0), ExpiresAt: ts(30 * time.Minute)}
	c := store.Session{ID: "ses_c", Digest: []byte("digest-c"), SubjectID: "sub_2", CreatedAt: ts(0), ExpiresAt: ts(30 * time.Minute)}
	for _, ss := range []store.Session{a, b, c} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	dup := a
	dup.ID = "ses_dup"
	if err := s.CreateSession(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate digest: %v", err)
	}
	got, err := s.SessionByDigest(ctx, []byte("digest-a"))
	if err != nil || got.SubjectID != "sub_1" || !got.ExpiresAt.Equal(a.ExpiresAt) || !got.Usable(ts(time.Minute)) || got.Usable(ts(31*time.Minute)) {
		t.Fatalf("session = %+v, %v", got, err)
	}
	if _, err := s.SessionByDigest(ctx, []byte("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown digest: %v", err)
	}
	if err := s.RevokeSessions(ctx, "sub_1", ts(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"digest-a", "digest-b"} {
		if got, _ := s.SessionByDigest(ctx, []byte(d)); got.Usable(ts(2 * time.Minute)) {
			t.Fatalf("%s still usable after revocation", d)
		}
	}
	if got, _ := s.SessionByDigest(ctx, []byte("digest-c")); !got.Usable(ts(2 * time.Minute)) {
		t.Fatal("another subject's session was revoked")
	}
}
