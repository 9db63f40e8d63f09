package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/bidding"
)

// Encrypted bid ranking reads people through the product's purpose-scoped reader (issue 23
// item 3): someone whose consent refuses advertising is not read and not ranked; the
// others' features are what marketing.advertising.profiling may see of their events.
func TestBidRankingReadsOnlyWhoAllowsAdvertising(t *testing.T) {
	r := startApp(t)
	at := time.Now().Add(-time.Hour)
	viewedItem := `"type":"track","event":"Product Viewed","properties":{"product_id":"p1","category":"baby"}`
	r.track(t, shopperBatch("bid-a", "anon-bid-a", at, viewedItem, viewedItem, order))
	r.track(t, shopperBatch("bid-b", "anon-bid-b", at, viewedItem))
	// bid-c allows analytics and personalisation, not advertising.
	noAds := strings.ReplaceAll(shopperBatch("bid-c", "anon-bid-c", at, viewedItem, viewedItem, viewedItem), `"Advertising":true`, `"Advertising":false`)
	r.track(t, noAds)
	ids := make([]string, 3)
	waitFor(t, func() bool {
		for i, u := range []string{"bid-a", "bid-b", "bid-c"} {
			if ids[i] = mustSubject(t, r, u); ids[i] == "" {
				return false
			}
		}
		return true
	}, "the three shoppers stored")

	ctx := context.Background()
	src := bidding.ReaderFeatures{Reader: r.app.Reader, Events: []string{"Product Viewed", "Order Completed"}}
	var people []bidding.Person
	waitFor(t, func() bool {
		var err error
		if people, err = src.AdFeatures(ctx, ids); err != nil {
			t.Fatal(err)
		}
		return len(people) == 2 && people[0].Features[0] == 2
	}, "bid-a and bid-b readable for advertising")
	got := map[string][]int64{}
	for _, p := range people {
		got[p.ID] = p.Features
	}
	if _, ok := got[ids[2]]; ok {
		t.Fatal("bid-c refused advertising but was read for it")
	}
	if f := got[ids[0]]; fmt.Sprint(f) != "[2 1]" {
		t.Fatalf("bid-a's features %v, want [2 1]", f)
	}

	bidder := func(w ...int64) bidding.Call {
		b := &bidding.Bidder{Weights: w}
		return func(ctx context.Context, step string, body []byte) ([]byte, error) { return b.Handle(ctx, step, body) }
	}
	shop := &bidding.Shop{Features: src, Recorder: r.app.Recorder}
	ranked, err := shop.Rank(ctx, "app-rank", ids, []bidding.Advertiser{{ID: "views", Call: bidder(10, 0)}, {ID: "orders", Call: bidder(0, 15)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ranked) != 2 {
		t.Fatalf("ranked %d people, want 2", len(ranked))
	}
	for _, rk := range ranked {
		switch rk.ID {
		case ids[0]: // 2 views, 1 order: 20 vs 15
			if rk.Advertisers[0] != "views" || rk.Bids[0] != 20 || rk.Bids[1] != 15 {
				t.Fatalf("bid-a: %+v", rk)
			}
		case ids[1]: // 1 view, no order: 10 vs 0
			if rk.Advertisers[0] != "views" || rk.Bids[0] != 10 {
				t.Fatalf("bid-b: %+v", rk)
			}
		default:
			t.Fatalf("ranked %s", rk.ID)
		}
	}
}
