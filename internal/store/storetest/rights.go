package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func testRights(t *testing.T, s store.Store) {
	ctx := context.Background()
	mk := func(id, sub string, due time.Duration) store.RightsRequest {
		return store.RightsRequest{ID: id, SubjectID: sub, Type: "access", State: "verified", Jurisdiction: "EU",
			ReceivedAt: ts(0), DueAt: ts(due), Source: "GDPR Art. 12(3)", UpdatedAt: ts(0)}
	}
	withDetails := mk("r3", "s2", 48*time.Hour)
	withDetails.Details = []byte{0x01, 0x00, 0xff, 'x'} // sealed bytes, opaque to the store
	for _, r := range []store.RightsRequest{mk("r1", "s1", 72*time.Hour), mk("r2", "s1", 24*time.Hour), withDetails} {
		if err := s.CreateRightsRequest(ctx, r, store.RightsStep{State: "received", Actor: "subject", At: ts(0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.StepRightsRequest(ctx, "r2", "verified", store.RightsStep{State: "done", Actor: "op_1", Note: "sent", At: ts(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.RightsRequest(ctx, "r3"); err != nil || string(got.Details) != "\x01\x00\xffx" {
		t.Fatalf("details: %q %v", got.Details, err)
	}
	if got, _ := s.RightsRequest(ctx, "r1"); got.Details != nil {
		t.Fatalf("a request without details reads back %q", got.Details)
	}
	// A stale step (someone else moved it) conflicts; an unknown id is not found.
	if err := s.StepRightsRequest(ctx, "r2", "verified", store.RightsStep{State: "refused", At: ts(time.Hour)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale step: %v", err)
	}
	if err := s.StepRightsRequest(ctx, "nope", "verified", store.RightsStep{State: "done", At: ts(time.Hour)}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	r, err := s.RightsRequest(ctx, "r2")
	if err != nil || r.State != "done" || len(r.Steps) != 2 || r.Steps[1].Note != "sent" || !r.DueAt.Equal(ts(24*time.Hour)) {
		t.Fatalf("r2 = %+v, %v", r, err)
	}
	all, _ := s.ListRightsRequests(ctx, "")
	if len(all) != 3 || all[0].ID != "r3" || all[1].ID != "r1" || all[2].ID != "r2" {
		t.Fatalf("open first by deadline, done last: %+v", all)
	}
	mine, _ := s.ListRightsRequests(ctx, "s1")
	if len(mine) != 2 {
		t.Fatalf("s1 has %d", len(mine))
	}
}
