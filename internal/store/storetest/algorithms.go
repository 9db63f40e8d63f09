package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testAlgorithms checks the algorithm register's storage (issue 24 item 2): operator
// entries are replaced by id; assessments are appended, listed newest first, per algorithm
// or all, and an id is never reused.
func testAlgorithms(t *testing.T, s store.Store) {
	al, ok := s.(store.Algorithms)
	if !ok {
		t.Skip("this store keeps no algorithm register")
	}
	ctx := context.Background()
	if rs, err := al.AlgorithmRecords(ctx); err != nil || len(rs) != 0 {
		t.Fatalf("empty register = %+v, %v", rs, err)
	}
	put := func(id, spec, actor string, at time.Time) {
		t.Helper()
		if err := al.PutAlgorithm(ctx, store.AlgorithmRecord{ID: id, Spec: []byte(spec), Actor: actor, UpdatedAt: at}); err != nil {
			t.Fatalf("PutAlgorithm %s: %v", id, err)
		}
	}
	put("recommender", `{"filing_number":"A"}`, "op_1", ts(0))
	put("bid_ranking", `{"name":"x"}`, "op_1", ts(time.Minute))
	put("recommender", `{"filing_number":"B"}`, "op_2", ts(2*time.Minute))
	rs, err := al.AlgorithmRecords(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("AlgorithmRecords = %+v, %v", rs, err)
	}
	if rs[0].ID != "bid_ranking" || rs[1].ID != "recommender" || string(rs[1].Spec) != `{"filing_number":"B"}` ||
		rs[1].Actor != "op_2" || !rs[1].UpdatedAt.Equal(ts(2*time.Minute)) {
		t.Fatalf("AlgorithmRecords after replace = %+v", rs)
	}

	as := []store.AlgorithmAssessment{
		{ID: "as_1", Algorithm: "recommender", ReviewedAt: ts(0), NextDue: ts(365 * 24 * time.Hour), Reviewer: "op_1", Outcome: "approved", Summary: "first", Reference: "PIA-1"},
		{ID: "as_2", Algorithm: "pricing", ReviewedAt: ts(time.Hour), NextDue: ts(200 * 24 * time.Hour), Reviewer: "op_2", Outcome: "changes_required", Summary: "fix", Reference: ""},
		{ID: "as_3", Algorithm: "recommender", ReviewedAt: ts(48 * time.Hour), NextDue: ts(400 * 24 * time.Hour), Reviewer: "op_2", Outcome: "approved", Summary: "second", Reference: "PIA-2"},
	}
	for _, a := range as {
		if err := al.AddAlgorithmAssessment(ctx, a); err != nil {
			t.Fatalf("AddAlgorithmAssessment %s: %v", a.ID, err)
		}
	}
	if err := al.AddAlgorithmAssessment(ctx, as[0]); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("assessment id reused: err = %v, want ErrConflict", err)
	}
	got, err := al.AlgorithmAssessments(ctx, "recommender")
	if err != nil || len(got) != 2 || got[0] != as[2] || got[1] != as[0] {
		t.Fatalf("AlgorithmAssessments(recommender) = %+v, %v", got, err)
	}
	all, err := al.AlgorithmAssessments(ctx, "")
	if err != nil || len(all) != 3 || all[0].ID != "as_3" || all[1].ID != "as_2" || all[2].ID != "as_1" {
		t.Fatalf("AlgorithmAssessments(all) = %+v, %v", all, err)
	}
	if none, err := al.AlgorithmAssessments(ctx, "nope"); err != nil || len(none) != 0 {
		t.Fatalf("assessments of an unknown algorithm = %+v, %v", none, err)
	}
}

// testPriceQuotes checks the quotes the fairness audit reads (issue 24 item 3): appended
// once per id, read back whole (rules in order, no rule as none), listed by time window.
func testPriceQuotes(t *testing.T, s store.Store) {
	pq, ok := s.(store.PriceQuotes)
	if !ok {
		t.Skip("this store keeps no price quotes")
	}
	ctx := context.Background()
	qs := []store.PriceQuote{
		{ID: "q_1", At: ts(0), Item: "p-1", Channel: "web", Currency: "CNY", BasePrice: 10000, Price: 9500, Personalised: true,
			TenureBand: "1y_3y", DeviceClass: "mobile", SpendBand: "high", Jurisdiction: "CN", Rules: []string{"loyalty", "summer sale"}},
		{ID: "q_2", At: ts(time.Minute), Item: "p-1", Channel: "app", Currency: "CNY", BasePrice: 10000, Price: 10000,
			TenureBand: "new", DeviceClass: "desktop", SpendBand: "none", Jurisdiction: "EU"},
		{ID: "q_3", At: ts(2 * time.Hour), Item: "p-2", Channel: "web", Currency: "EUR", BasePrice: 500, Price: 450,
			TenureBand: "new", DeviceClass: "unknown", SpendBand: "low", Jurisdiction: "EU", Rules: []string{"summer sale"}},
	}
	for _, q := range qs {
		if err := pq.AddPriceQuote(ctx, q); err != nil {
			t.Fatalf("AddPriceQuote %s: %v", q.ID, err)
		}
	}
	if err := pq.AddPriceQuote(ctx, qs[0]); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("quote id reused: err = %v, want ErrConflict", err)
	}
	eq := func(a, b store.PriceQuote) bool {
		if !slices.Equal(a.Rules, b.Rules) || !a.At.Equal(b.At) {
			return false
		}
		a.Rules, b.Rules, a.At = nil, nil, b.At
		return reflect.DeepEqual(a, b)
	}
	got, err := pq.PriceQuote(ctx, "q_1")
	if err != nil || !eq(got, qs[0]) {
		t.Fatalf("PriceQuote = %+v, %v; want %+v", got, err, qs[0])
	}
	if _, err := pq.PriceQuote(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing quote: err = %v, want ErrNotFound", err)
	}
	win, err := pq.PriceQuotes(ctx, ts(0), ts(time.Hour), 100)
	if err != nil || len(win) != 2 || !eq(win[0], qs[0]) || !eq(win[1], qs[1]) {
		t.Fatalf("PriceQuotes(first hour) = %+v, %v", win, err)
	}
	if all, err := pq.PriceQuotes(ctx, ts(-time.Hour), ts(3*time.Hour), 100); err != nil || len(all) != 3 || !eq(all[2], qs[2]) {
		t.Fatalf("PriceQuotes(all) = %+v, %v", all, err)
	}
	if two, err := pq.PriceQuotes(ctx, ts(-time.Hour), ts(3*time.Hour), 2); err != nil || len(two) != 2 || two[1].ID != "q_2" {
		t.Fatalf("PriceQuotes(limit 2) = %+v, %v", two, err)
	}
}
