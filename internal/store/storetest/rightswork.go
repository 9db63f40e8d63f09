package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func testRightsWork(t *testing.T, s store.Store) {
	ctx := context.Background()
	req := store.RightsRequest{ID: "rw1", SubjectID: "visitor_1", Type: "erasure", State: "received", Jurisdiction: "EU",
		ReceivedAt: ts(0), DueAt: ts(30 * 24 * time.Hour), Source: "GDPR", UpdatedAt: ts(0), Origin: store.OriginVisitor,
		Requester: []byte{1, 2, 3}, Details: []byte{4}}
	if err := s.CreateRightsRequest(ctx, req, store.RightsStep{State: "received", Actor: "visitor", At: ts(0)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.RightsRequest(ctx, "rw1")
	if err != nil || got.Origin != store.OriginVisitor || string(got.Requester) != "\x01\x02\x03" || got.Assignee != "" || got.ExtendedAt != nil {
		t.Fatalf("created: %+v %v", got, err)
	}
	// A request created without an origin is a session's.
	plain := req
	plain.ID, plain.Origin, plain.Requester = "rw2", "", nil
	if err := s.CreateRightsRequest(ctx, plain, store.RightsStep{State: "received", Actor: "subject", At: ts(0)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.RightsRequest(ctx, "rw2"); got.Origin != store.OriginSession || got.Requester != nil {
		t.Fatalf("default origin: %+v", got)
	}

	// Assignment.
	if err := s.AssignRightsRequest(ctx, "rw1", "op_1", ts(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.AssignRightsRequest(ctx, "nope", "op_1", ts(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("assign unknown: %v", err)
	}
	if got, _ := s.RightsRequest(ctx, "rw1"); got.Assignee != "op_1" {
		t.Fatalf("assignee %q", got.Assignee)
	}

	// Notes, sealed bytes kept as given, oldest first.
	for i, b := range [][]byte{{9, 1}, {9, 2}} {
		if err := s.AddRightsNote(ctx, store.RightsNote{RequestID: "rw1", Actor: "op_1", At: ts(time.Duration(i) * time.Minute), Body: b}); err != nil {
			t.Fatal(err)
		}
	}
	notes, err := s.RightsNotes(ctx, "rw1")
	if err != nil || len(notes) != 2 || notes[1].Body[1] != 2 || !notes[0].At.Equal(ts(0)) {
		t.Fatalf("notes: %+v %v", notes, err)
	}

	// Extension: once, with its step; not twice, not of a closed request.
	due := ts(90 * 24 * time.Hour)
	if err := s.ExtendRightsRequest(ctx, "rw1", due, store.RightsStep{State: "received", Actor: "op_1", Note: "extended: complexity", At: ts(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.RightsRequest(ctx, "rw1")
	if !got.DueAt.Equal(due) || got.ExtendedAt == nil || !got.ExtendedAt.Equal(ts(2*time.Hour)) || len(got.Steps) != 2 || got.Steps[1].Note != "extended: complexity" {
		t.Fatalf("extended: %+v", got)
	}
	if err := s.ExtendRightsRequest(ctx, "rw1", due.Add(time.Hour), store.RightsStep{State: "received", At: ts(3 * time.Hour)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second extension: %v", err)
	}
	if err := s.ExtendRightsRequest(ctx, "nope", due, store.RightsStep{State: "received", At: ts(3 * time.Hour)}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("extend unknown: %v", err)
	}

	// Linking moves the request and re-seals its notes, only from the subject it is under.
	if err := s.LinkRightsRequest(ctx, "rw1", "visitor_1", "s9", []byte{5}, []byte{6}, [][]byte{{7, 1}, {7, 2}}, ts(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.RightsRequest(ctx, "rw1")
	notes, _ = s.RightsNotes(ctx, "rw1")
	if got.SubjectID != "s9" || string(got.Details) != "\x05" || string(got.Requester) != "\x06" || notes[0].Body[0] != 7 || notes[1].Body[1] != 2 {
		t.Fatalf("linked: %+v %+v", got, notes)
	}
	if err := s.LinkRightsRequest(ctx, "rw1", "visitor_1", "s8", nil, nil, [][]byte{{1}, {2}}, ts(5*time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale link: %v", err)
	}
	if err := s.LinkRightsRequest(ctx, "rw1", "s9", "s8", nil, nil, [][]byte{{1}}, ts(5*time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("link with the wrong number of notes: %v", err)
	}
	if got, _ := s.RightsRequest(ctx, "rw1"); got.SubjectID != "s9" {
		t.Fatalf("a refused link changed the request: %+v", got)
	}
	if err := s.StepRightsRequest(ctx, "rw2", "received", store.RightsStep{State: "refused", Note: "x", At: ts(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.ExtendRightsRequest(ctx, "rw2", due, store.RightsStep{State: "refused", At: ts(3 * time.Hour)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("extending a closed request: %v", err)
	}

	// Challenges: attempts counted up to the maximum, used once, expired refused.
	mac := []byte("email-mac")
	c := store.RightsChallenge{ID: "ch1", EmailMAC: mac, CodeMAC: []byte("code-mac"), Type: "erasure", Jurisdiction: "EU", CreatedAt: ts(0), ExpiresAt: ts(10 * time.Minute)}
	if err := s.PutRightsChallenge(ctx, c); err != nil {
		t.Fatal(err)
	}
	c2 := c
	c2.ID, c2.CreatedAt, c2.ExpiresAt = "ch2", ts(time.Minute), ts(11*time.Minute)
	if err := s.PutRightsChallenge(ctx, c2); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountRightsChallenges(ctx, mac, ts(30*time.Second)); err != nil || n != 1 {
		t.Fatalf("count since: %d %v", n, err)
	}
	for i := 1; i <= 3; i++ {
		got, err := s.AttemptRightsChallenge(ctx, "ch1", ts(time.Minute), 3)
		if err != nil || got.Attempts != i || string(got.CodeMAC) != "code-mac" {
			t.Fatalf("attempt %d: %+v %v", i, got, err)
		}
	}
	if _, err := s.AttemptRightsChallenge(ctx, "ch1", ts(time.Minute), 3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a fourth attempt: %v", err)
	}
	if _, err := s.AttemptRightsChallenge(ctx, "ch2", ts(12*time.Minute), 3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an expired challenge: %v", err)
	}
	if _, err := s.AttemptRightsChallenge(ctx, "nope", ts(time.Minute), 3); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown challenge: %v", err)
	}
	if err := s.UseRightsChallenge(ctx, "ch2", ts(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.UseRightsChallenge(ctx, "ch2", ts(2*time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("used twice: %v", err)
	}
	if _, err := s.AttemptRightsChallenge(ctx, "ch2", ts(3*time.Minute), 3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("attempt on a used challenge: %v", err)
	}
	if n, err := s.PurgeRightsChallenges(ctx, ts(10*time.Minute+time.Second)); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}

	// The notice outbox: claimed when due, leased, finished.
	for i, id := range []string{"n1", "n2", "n3"} {
		n := store.RightsNotice{ID: id, RequestID: "rw1", Kind: "state", CreatedAt: ts(time.Duration(i) * time.Second), Payload: []byte{byte(i)},
			NextAt: ts(time.Duration(i) * time.Second)}
		if err := s.EnqueueRightsNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := s.ClaimRightsNotices(ctx, ts(time.Second), time.Minute, 10)
	if err != nil || len(claimed) != 2 || claimed[0].ID != "n1" || claimed[1].ID != "n2" || !claimed[0].NextAt.Equal(ts(time.Minute+time.Second)) {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	if again, _ := s.ClaimRightsNotices(ctx, ts(2*time.Second), time.Minute, 10); len(again) != 1 || again[0].ID != "n3" {
		t.Fatalf("leased notices claimed again: %+v", again)
	}
	at := ts(3 * time.Second)
	d := claimed[0]
	d.Attempts, d.DeliveredAt, d.Payload = 1, &at, nil
	if err := s.FinishRightsNotice(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRightsNotice(ctx, store.RightsNotice{ID: "nope", NextAt: at}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("finish unknown: %v", err)
	}
	all, err := s.RightsNotices(ctx, "rw1")
	if err != nil || len(all) != 3 || all[0].DeliveredAt == nil || all[0].Payload != nil || all[0].Attempts != 1 || string(all[1].Payload) != "\x01" {
		t.Fatalf("notices: %+v %v", all, err)
	}
	// A delivered notice is never claimed again, even after its lease.
	if later, _ := s.ClaimRightsNotices(ctx, ts(time.Hour), time.Minute, 10); len(later) != 2 {
		t.Fatalf("after the lease: %+v", later)
	}
}
