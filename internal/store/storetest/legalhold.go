package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func testLegalHold(t *testing.T, s store.Store) {
	ctx := context.Background()
	recs := []store.HeldRecord{
		{Pseudonym: "p1", Kind: "order", OccurredAt: ts(0), KeptUntil: ts(24 * time.Hour), Basis: "law", Record: []byte(`{"order_id":"o1"}`)},
		{Pseudonym: "p1", Kind: "order", OccurredAt: ts(time.Hour), KeptUntil: ts(24 * time.Hour), Basis: "law", Record: []byte(`{"order_id":"o2"}`)},
		{Pseudonym: "p2", Kind: "order", OccurredAt: ts(0), KeptUntil: ts(24 * time.Hour), Basis: "law", Record: []byte(`{"order_id":"o3"}`)},
	}
	if err := s.HoldRecords(ctx, recs); err != nil {
		t.Fatal(err)
	}
	got, err := s.HeldRecords(ctx, "p1")
	if err != nil || len(got) != 2 || string(got[1].Record) != `{"order_id":"o2"}` || !got[0].KeptUntil.Equal(ts(24*time.Hour)) {
		t.Fatalf("held = %+v, %v", got, err)
	}
}
