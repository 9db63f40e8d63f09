package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testConsentChanges checks the consent-change feed a node polls to drop what it cached:
// the subjects of records appended after a seq, each once, in append order, paged by limit,
// the cursor staying put when nothing is new.
func testConsentChanges(t *testing.T, s store.Store) {
	cc, ok := s.(store.ConsentChanges)
	if !ok {
		t.Skip("this store has no consent-change feed")
	}
	ctx := context.Background()
	ids, last, err := cc.ConsentChangesSince(ctx, 0, 100)
	if err != nil || len(ids) != 0 || last != 0 {
		t.Fatalf("empty ledger: %v %d %v", ids, last, err)
	}
	if err := s.AppendConsent(ctx, []store.ConsentRecord{crec("a1", "sub_a", "analytics.reporting", true, 0),
		crec("b1", "sub_b", "analytics.reporting", true, 0), crec("a2", "sub_a", "personalize.content", true, 0)}); err != nil {
		t.Fatal(err)
	}
	ids, last, err = cc.ConsentChangesSince(ctx, 0, 100)
	if err != nil || !slices.Equal(ids, []string{"sub_a", "sub_b"}) || last == 0 {
		t.Fatalf("after three records: %v %d %v", ids, last, err)
	}
	if again, same, err := cc.ConsentChangesSince(ctx, last, 100); err != nil || len(again) != 0 || same != last {
		t.Fatalf("nothing new: %v %d %v", again, same, err)
	}
	first, at, err := cc.ConsentChangesSince(ctx, 0, 1)
	if err != nil || !slices.Equal(first, []string{"sub_a"}) || at == 0 || at >= last {
		t.Fatalf("one record: %v %d %v", first, at, err)
	}
	if err := s.AppendConsent(ctx, []store.ConsentRecord{crec("c1", "sub_c", "analytics.reporting", false, time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if ids, _, err := cc.ConsentChangesSince(ctx, last, 100); err != nil || !slices.Equal(ids, []string{"sub_c"}) {
		t.Fatalf("after one more: %v %v", ids, err)
	}
}
