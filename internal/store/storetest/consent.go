package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func crec(id, subject, purpose string, granted bool, at time.Duration) store.ConsentRecord {
	return store.ConsentRecord{ID: id, SubjectID: subject, Purpose: purpose, Granted: granted, NoticeVersion: "1",
		NoticeHash: "h1", Method: store.MethodBanner, Jurisdiction: "CN", At: ts(at), Evidence: []byte(`{"variant":"a"}`), Actor: "subject"}
}

func testConsentLedger(t *testing.T, s store.Store) {
	ctx := context.Background()
	recs := []store.ConsentRecord{
		crec("c1", "sub_1", "analytics.reporting", true, time.Hour),
		crec("c2", "sub_1", "personalize.content", true, time.Hour),
		crec("c3", "sub_2", "analytics.reporting", false, time.Hour),
		crec("c4", "sub_1", "analytics.reporting", false, 2*time.Hour),
		crec("c0", "sub_1", "analytics.reporting", true, 30*time.Minute), // recorded late, happened earlier
	}
	if err := s.AppendConsent(ctx, recs); err != nil {
		t.Fatal(err)
	}
	h, err := s.ConsentHistory(ctx, "sub_1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range h {
		ids = append(ids, r.ID)
	}
	if fmt.Sprint(ids) != "[c0 c1 c2 c4]" {
		t.Fatalf("history order = %v", ids)
	}
	if r := h[3]; r.Granted || !r.At.Equal(ts(2*time.Hour)) || string(r.Evidence) != `{"variant":"a"}` || r.Method != store.MethodBanner || r.Seq == 0 {
		t.Fatalf("record = %+v", r)
	}
	all, err := s.ConsentHistories(ctx, []string{"sub_1", "sub_2", "sub_none"})
	if err != nil || len(all["sub_1"]) != 4 || len(all["sub_2"]) != 1 || len(all["sub_none"]) != 0 {
		t.Fatalf("histories = %v, %v", all, err)
	}
	ids = ids[:0]
	for _, r := range all["sub_1"] {
		ids = append(ids, r.ID)
	}
	if fmt.Sprint(ids) != "[c0 c1 c2 c4]" {
		t.Fatalf("histories order for sub_1 = %v, want the order of its history", ids)
	}
	// All or nothing: one invalid record stores none of the batch.
	bad := []store.ConsentRecord{crec("c5", "sub_3", "analytics.reporting", true, time.Hour), crec("c6", "sub_3", "", true, time.Hour)}
	if err := s.AppendConsent(ctx, bad); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("invalid batch: %v", err)
	}
	noMethod := crec("c7", "sub_3", "x", true, time.Hour)
	noMethod.Method = "telepathy"
	if err := s.AppendConsent(ctx, []store.ConsentRecord{noMethod}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("unknown method: %v", err)
	}
	// A duplicate id in a batch rolls back the records before it too. (Ids are unique per
	// subject: PostgreSQL partitions the ledger by subject.)
	dup := []store.ConsentRecord{crec("c8", "sub_3", "analytics.reporting", true, time.Hour), crec("c8", "sub_3", "analytics.reporting", false, time.Hour)}
	if err := s.AppendConsent(ctx, dup); err == nil {
		t.Fatal("duplicate id accepted")
	}
	if h, _ := s.ConsentHistory(ctx, "sub_3"); len(h) != 0 {
		t.Fatalf("half-written batch: %v", h)
	}
	// In a transaction, with the events it came with.
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.AppendConsent(ctx, []store.ConsentRecord{crec("c9", "sub_4", "analytics.reporting", true, time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	counts, err := s.ConsentCounts(ctx, ts(0), ts(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.ConsentCount{}
	for _, c := range counts {
		got[c.Purpose] = c
	}
	if a := got["analytics.reporting"]; a.Granted != 3 || a.Withdrawn != 2 || a.Day != ts(0).Format("2006-01-02") {
		t.Fatalf("counts = %+v", counts)
	}
}
