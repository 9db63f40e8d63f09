package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testEquity checks the points ledger and subscriptions (issue 25 item 2, 3): one earn entry
// per person and month, entries in order, a redemption that checks the balance and starts
// its subscription in one step, and subscriptions that end and close.
func testEquity(t *testing.T, s store.Store) {
	ctx := context.Background()
	earn := func(id, sub, period string, pts int64) bool {
		t.Helper()
		ok, err := s.EarnPoints(ctx, store.PointsEntry{ID: id, SubjectID: sub, Period: period, Points: pts, Tier: "contributor", Reason: "held contributor through " + period, At: ts(0)})
		if err != nil {
			t.Fatalf("EarnPoints %s: %v", id, err)
		}
		return ok
	}
	if !earn("pe_1", "sp_1", "2026-04", 100) || !earn("pe_2", "sp_1", "2026-05", 50) || !earn("pe_3", "sp_2", "2026-04", 20) {
		t.Fatal("a first earn for a period was refused")
	}
	if earn("pe_4", "sp_1", "2026-04", 100) {
		t.Fatal("a period was paid twice")
	}
	spend := store.PointsEntry{ID: "pe_5", SubjectID: "sp_1", Points: 120, Tier: "contributor", Reason: "privacy subscription, 1 month", At: ts(1 * time.Hour)}
	sub := store.Subscription{ID: "sub_1", SubjectID: "sp_1", StartsAt: ts(1 * time.Hour), EndsAt: ts(100 * time.Hour), Source: "points", Ref: "pe_5", CreatedAt: ts(1 * time.Hour)}
	if err := s.Redeem(ctx, spend, &sub); err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	over := store.PointsEntry{ID: "pe_6", SubjectID: "sp_1", Points: 31, Reason: "too much", At: ts(2 * time.Hour)}
	sub2 := store.Subscription{ID: "sub_2", SubjectID: "sp_1", StartsAt: ts(2 * time.Hour), EndsAt: ts(50 * time.Hour), Source: "points", Ref: "pe_6", CreatedAt: ts(2 * time.Hour)}
	if err := s.Redeem(ctx, over, &sub2); !errors.Is(err, store.ErrInsufficientPoints) {
		t.Fatalf("overspend: %v", err)
	}
	es, err := s.PointsEntries(ctx, "sp_1")
	if err != nil || len(es) != 3 {
		t.Fatalf("entries = %+v, %v", es, err)
	}
	if es[0].ID != "pe_1" || es[0].Kind != "earn" || es[0].Period != "2026-04" || es[2].Kind != "spend" || es[2].Points != 120 || es[2].Period != "" || !es[2].At.Equal(ts(1*time.Hour)) {
		t.Fatalf("entries = %+v", es)
	}
	subs, err := s.Subscriptions(ctx, "sp_1")
	if err != nil || len(subs) != 1 || subs[0].ID != "sub_1" || !subs[0].EndsAt.Equal(ts(100*time.Hour)) || subs[0].Source != "points" || subs[0].Closed {
		t.Fatalf("a refused redemption left a subscription, or the first is wrong: %+v %v", subs, err)
	}
	paid := store.Subscription{ID: "sub_3", SubjectID: "sp_2", StartsAt: ts(0), EndsAt: ts(10 * time.Hour), Source: "paid", Ref: "order-77", CreatedAt: ts(0)}
	if err := s.AddSubscription(ctx, paid); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSubscription(ctx, paid); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("the same subscription twice: %v", err)
	}
	ended, err := s.EndedSubscriptions(ctx, ts(20*time.Hour), 10)
	if err != nil || len(ended) != 1 || ended[0].ID != "sub_3" {
		t.Fatalf("ended = %+v, %v", ended, err)
	}
	if err := s.CloseSubscription(ctx, "sub_3"); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseSubscription(ctx, "sub_nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("closing nothing: %v", err)
	}
	if ended, _ := s.EndedSubscriptions(ctx, ts(200*time.Hour), 10); len(ended) != 1 || ended[0].ID != "sub_1" {
		t.Fatalf("after closing: %+v", ended)
	}
	// Erasure takes the ledger with the person.
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateSubjects(ctx, []store.Subject{{ID: "sp_1", SourceID: "src", CreatedAt: ts(0)}})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.EraseSubjects(ctx, []string{"sp_1"}); err != nil {
		t.Fatal(err)
	}
	if es, _ := s.PointsEntries(ctx, "sp_1"); len(es) != 0 {
		t.Fatalf("erasure left points: %+v", es)
	}
	if subs, _ := s.Subscriptions(ctx, "sp_1"); len(subs) != 0 {
		t.Fatalf("erasure left subscriptions: %+v", subs)
	}
}

// testEquityConcurrent: many redemptions at once never spend more than the balance.
func testEquityConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 3 {
		if _, err := s.EarnPoints(ctx, store.PointsEntry{ID: fmt.Sprintf("e%d", i), SubjectID: "sp_c", Period: fmt.Sprintf("2026-0%d", i+1), Points: 100, Tier: "t", Reason: "r", At: ts(0)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, short := 0, 0
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Redeem(ctx, store.PointsEntry{ID: fmt.Sprintf("s%d", i), SubjectID: "sp_c", Points: 70, Reason: "r", At: ts(1 * time.Hour)},
				&store.Subscription{ID: fmt.Sprintf("sub%d", i), SubjectID: "sp_c", StartsAt: ts(1 * time.Hour), EndsAt: ts(2 * time.Hour), Source: "points", Ref: fmt.Sprintf("s%d", i), CreatedAt: ts(1 * time.Hour)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrInsufficientPoints):
				short++
			default:
				t.Errorf("redeem %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if won != 4 || short != 8 {
		t.Fatalf("300 points, 12 redemptions of 70: %d went through, %d were short; want 4 and 8", won, short)
	}
	if subs, _ := s.Subscriptions(ctx, "sp_c"); len(subs) != 4 {
		t.Fatalf("%d subscriptions for 4 redemptions", len(subs))
	}
}
