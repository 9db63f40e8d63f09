package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// The privacy-budget tables refuse UPDATE and DELETE even from SQL run beside the store:
// a spent budget cannot be refunded, a limit cannot be rewritten, a release cannot be
// swapped (issue 20 item 2).
func TestPrivacyBudgetsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	s, db := migratedBeside(t)
	now := time.Now()
	if err := s.CreatePrivacyBudget(ctx, store.PrivacyBudget{Name: "b", Consumer: "c", CreatedAt: now, CreatedBy: "op",
		Limits: store.PrivacyLimits{Epsilon: 1, At: now, Actor: "op"}}); err != nil {
		t.Fatal(err)
	}
	c := store.PrivacyCharge{ID: "ch", Budget: "b", Fingerprint: "f", At: now, Epsilon: 0.5, Purpose: "p", Measure: "count", Actor: "op"}
	if _, _, err := s.ChargePrivacyBudget(ctx, c, func(store.PrivacyBudget, store.PrivacySpend) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPrivacyRelease(ctx, store.PrivacyRelease{ID: "r", Budget: "b", Fingerprint: "f", ChargeID: "ch", At: now, Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE privacy_charges SET epsilon = 0", "DELETE FROM privacy_charges",
		"UPDATE privacy_budget_limits SET epsilon = 100", "DELETE FROM privacy_budget_limits",
		"UPDATE privacy_budgets SET consumer = 'x'", "DELETE FROM privacy_budgets",
		"UPDATE privacy_releases SET body = x'00'", "DELETE FROM privacy_releases",
	} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v", q, err)
		}
	}
	if _, sp, _ := s.PrivacySpent(ctx, "b", now); sp.Charges != 1 || sp.Epsilon != 0.5 {
		t.Fatalf("spend changed: %+v", sp)
	}
}

// Points entries refuse UPDATE from SQL run beside the store: points earned are never
// rewritten or taken back (issue 25 item 2).
func TestPointsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	s, db := migratedBeside(t)
	if _, err := s.EarnPoints(ctx, store.PointsEntry{ID: "p", SubjectID: "s", Period: "2026-11", Points: 100, Tier: "t", Reason: "r", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE points_entries SET points = 1"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("update: err = %v", err)
	}
	if es, _ := s.PointsEntries(ctx, "s"); len(es) != 1 || es[0].Points != 100 {
		t.Fatalf("points changed: %+v", es)
	}
}
