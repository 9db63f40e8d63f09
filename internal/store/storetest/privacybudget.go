package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// errOver is what the test's decide returns when a charge would overspend.
var errOver = errors.New("over budget")

// underLimit allows a charge of eps while the pure-ε spend stays within the limit.
func underLimit(eps float64) func(store.PrivacyBudget, store.PrivacySpend) error {
	return func(b store.PrivacyBudget, sp store.PrivacySpend) error {
		if sp.Epsilon+eps > b.Limits.Epsilon+1e-9 {
			return errOver
		}
		return nil
	}
}

// testPrivacyBudgets checks the privacy-budget ledger (issue 20 item 2): budgets with
// appended limits, charges that see the window, one charge per fingerprint, releases once
// per fingerprint, and no overspend under concurrent charges.
func testPrivacyBudgets(t *testing.T, s store.Store) {
	pb, ok := s.(store.PrivacyBudgets)
	if !ok {
		t.Skip("this store keeps no privacy budgets")
	}
	ctx := context.Background()
	b := store.PrivacyBudget{Name: "team", Consumer: "growth team", CreatedAt: ts(0), CreatedBy: "op_1",
		Limits: store.PrivacyLimits{Epsilon: 1, Delta: 1e-6, Window: 24 * time.Hour, At: ts(0), Actor: "op_1"}}
	if err := pb.CreatePrivacyBudget(ctx, b); err != nil {
		t.Fatalf("CreatePrivacyBudget: %v", err)
	}
	if err := pb.CreatePrivacyBudget(ctx, b); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate budget: err = %v, want ErrConflict", err)
	}
	got, err := pb.GetPrivacyBudget(ctx, "team")
	if err != nil || got != b {
		t.Fatalf("GetPrivacyBudget = %+v, %v; want %+v", got, err, b)
	}
	if _, err := pb.GetPrivacyBudget(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing budget: err = %v, want ErrNotFound", err)
	}
	// Limits change only by appending; the latest is in force, the history keeps both.
	raised := store.PrivacyLimits{Epsilon: 2, Delta: 1e-6, Window: 24 * time.Hour, At: ts(time.Minute), Actor: "op_2"}
	if err := pb.AppendPrivacyLimits(ctx, "team", raised); err != nil {
		t.Fatalf("AppendPrivacyLimits: %v", err)
	}
	if err := pb.AppendPrivacyLimits(ctx, "nope", raised); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("limits for a missing budget: err = %v, want ErrNotFound", err)
	}
	if got, _ := pb.GetPrivacyBudget(ctx, "team"); got.Limits != raised || got.Consumer != "growth team" {
		t.Fatalf("budget after raise = %+v, want limits %+v", got, raised)
	}
	if h, err := pb.PrivacyLimitsHistory(ctx, "team"); err != nil || len(h) != 2 || h[0] != b.Limits || h[1] != raised {
		t.Fatalf("limits history = %+v, %v", h, err)
	}
	other := store.PrivacyBudget{Name: "partner", Consumer: "ad partner", CreatedAt: ts(0), CreatedBy: "op_1",
		Limits: store.PrivacyLimits{Epsilon: 0.5, At: ts(0), Actor: "op_1"}}
	if err := pb.CreatePrivacyBudget(ctx, other); err != nil {
		t.Fatal(err)
	}
	if list, err := pb.ListPrivacyBudgets(ctx); err != nil || len(list) != 2 || list[0].Name != "partner" || list[1].Limits != raised {
		t.Fatalf("ListPrivacyBudgets = %+v, %v", list, err)
	}

	// Charges: decide sees the spend inside the window; one charge per fingerprint.
	charge := func(id, fp string, at time.Time, rho, eps, delta float64) store.PrivacyCharge {
		return store.PrivacyCharge{ID: id, Budget: "team", Fingerprint: fp, At: at, Rho: rho, Epsilon: eps, Delta: delta,
			Purpose: "analytics.reporting", Measure: "count", Actor: "op_1"}
	}
	c1 := charge("ch_1", "fp_1", ts(time.Hour), 0.01, 0.5, 1e-8)
	gotC, fresh, err := pb.ChargePrivacyBudget(ctx, c1, func(bb store.PrivacyBudget, sp store.PrivacySpend) error {
		if bb.Limits != raised || sp != (store.PrivacySpend{}) {
			return fmt.Errorf("decide saw %+v, %+v", bb, sp)
		}
		return nil
	})
	if err != nil || !fresh || gotC != c1 {
		t.Fatalf("first charge = %+v, %v, %v", gotC, fresh, err)
	}
	again := charge("ch_again", "fp_1", ts(2*time.Hour), 9, 9, 0)
	gotC, fresh, err = pb.ChargePrivacyBudget(ctx, again, func(store.PrivacyBudget, store.PrivacySpend) error {
		return errors.New("decide called for a fingerprint already charged")
	})
	if err != nil || fresh || gotC != c1 {
		t.Fatalf("same fingerprint = %+v, %v, %v; want the first charge, not fresh", gotC, fresh, err)
	}
	c2 := charge("ch_2", "fp_2", ts(3*time.Hour), 0.02, 0.25, 2e-8)
	var seen store.PrivacySpend
	if _, fresh, err := pb.ChargePrivacyBudget(ctx, c2, func(_ store.PrivacyBudget, sp store.PrivacySpend) error { seen = sp; return nil }); err != nil || !fresh {
		t.Fatalf("second charge: %v, %v", fresh, err)
	}
	if seen.Charges != 1 || !near(seen.Rho, 0.01) || !near(seen.Epsilon, 0.5) || !near(seen.Delta, 1e-8) {
		t.Fatalf("decide saw spend %+v, want the first charge's", seen)
	}
	refused := errors.New("refused")
	if _, _, err := pb.ChargePrivacyBudget(ctx, charge("ch_3", "fp_3", ts(4*time.Hour), 0, 5, 0), func(store.PrivacyBudget, store.PrivacySpend) error { return refused }); err != refused {
		t.Fatalf("refused charge: err = %v, want decide's error unchanged", err)
	}
	if _, _, err := pb.ChargePrivacyBudget(ctx, store.PrivacyCharge{ID: "ch_x", Budget: "nope", Fingerprint: "f", At: ts(0)}, underLimit(0)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("charge to a missing budget: err = %v, want ErrNotFound", err)
	}
	cs, err := pb.PrivacyCharges(ctx, "team")
	if err != nil || len(cs) != 2 || cs[0] != c1 || cs[1].ID != "ch_2" {
		t.Fatalf("PrivacyCharges = %+v, %v; want ch_1, ch_2 (the refused one absent)", cs, err)
	}
	// The window: at 25h the first charge (at 1h) has left it, the second (at 3h) not yet.
	_, sp, err := pb.PrivacySpent(ctx, "team", ts(25*time.Hour))
	if err != nil || sp.Charges != 1 || !near(sp.Epsilon, 0.25) || !near(sp.Rho, 0.02) {
		t.Fatalf("spend at 25h = %+v, %v; want only ch_2", sp, err)
	}
	_, sp, _ = pb.PrivacySpent(ctx, "team", ts(4*time.Hour))
	if sp.Charges != 2 || !near(sp.Epsilon, 0.75) || !near(sp.Delta, 3e-8) {
		t.Fatalf("spend at 4h = %+v; want both charges", sp)
	}
	if _, _, err := pb.PrivacySpent(ctx, "nope", ts(0)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("spend of a missing budget: err = %v", err)
	}
	// A lifetime budget counts every charge however old.
	lc := store.PrivacyCharge{ID: "ch_p", Budget: "partner", Fingerprint: "fp_p", At: ts(0), Epsilon: 0.1, Purpose: "p", Measure: "count", Actor: "a"}
	if _, _, err := pb.ChargePrivacyBudget(ctx, lc, underLimit(0.1)); err != nil {
		t.Fatal(err)
	}
	if _, sp, _ := pb.PrivacySpent(ctx, "partner", ts(10*365*24*time.Hour)); sp.Charges != 1 || !near(sp.Epsilon, 0.1) {
		t.Fatalf("lifetime spend ten years on = %+v", sp)
	}

	// Releases: one per fingerprint; the second put conflicts and the first stays.
	r := store.PrivacyRelease{ID: "rel_1", Budget: "team", Fingerprint: "fp_1", ChargeID: "ch_1", At: ts(time.Hour), Body: []byte(`{"cells":[]}`)}
	if err := pb.PutPrivacyRelease(ctx, r); err != nil {
		t.Fatalf("PutPrivacyRelease: %v", err)
	}
	if err := pb.PutPrivacyRelease(ctx, store.PrivacyRelease{ID: "rel_2", Budget: "team", Fingerprint: "fp_1", ChargeID: "ch_1", At: ts(2 * time.Hour), Body: []byte(`{}`)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second release for a fingerprint: err = %v, want ErrConflict", err)
	}
	if gr, err := pb.GetPrivacyRelease(ctx, "team", "fp_1"); err != nil || gr.ID != "rel_1" || string(gr.Body) != `{"cells":[]}` || !gr.At.Equal(r.At) || gr.ChargeID != "ch_1" {
		t.Fatalf("GetPrivacyRelease = %+v, %v", gr, err)
	}
	if gr, err := pb.PrivacyReleaseByID(ctx, "rel_1"); err != nil || gr.Fingerprint != "fp_1" {
		t.Fatalf("PrivacyReleaseByID = %+v, %v", gr, err)
	}
	if _, err := pb.GetPrivacyRelease(ctx, "team", "fp_2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing release: err = %v", err)
	}
	if _, err := pb.PrivacyReleaseByID(ctx, "rel_9"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing release by id: err = %v", err)
	}
	if err := pb.PutPrivacyRelease(ctx, store.PrivacyRelease{ID: "rel_3", Budget: "team", Fingerprint: "fp_2", ChargeID: "ch_2", At: ts(3 * time.Hour), Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if rs, err := pb.PrivacyReleases(ctx, "team", 10); err != nil || len(rs) != 2 || rs[0].ID != "rel_3" || rs[1].ID != "rel_1" {
		t.Fatalf("PrivacyReleases = %+v, %v; want rel_3, rel_1 (newest first)", rs, err)
	}
	if rs, err := pb.PrivacyReleases(ctx, "team", 1); err != nil || len(rs) != 1 || rs[0].ID != "rel_3" {
		t.Fatalf("PrivacyReleases limit 1 = %+v, %v", rs, err)
	}
	if rs, err := pb.PrivacyReleases(ctx, "partner", 10); err != nil || len(rs) != 0 {
		t.Fatalf("PrivacyReleases of a budget without any = %+v, %v", rs, err)
	}
}

// testPrivacyBudgetsConcurrent: many goroutines charge one budget at once; exactly as many
// charges as fit are appended and the spend never exceeds the limit (no overspend under
// concurrent requests, issue 20 item 2).
func testPrivacyBudgetsConcurrent(t *testing.T, s store.Store) {
	pb, ok := s.(store.PrivacyBudgets)
	if !ok {
		t.Skip("this store keeps no privacy budgets")
	}
	ctx := context.Background()
	if err := pb.CreatePrivacyBudget(ctx, store.PrivacyBudget{Name: "race", Consumer: "c", CreatedAt: ts(0), CreatedBy: "op",
		Limits: store.PrivacyLimits{Epsilon: 1, At: ts(0), Actor: "op"}}); err != nil {
		t.Fatal(err)
	}
	const workers, each, eps = 16, 4, 0.07 // 64 attempts; 14 fit under ε = 1
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, refused := 0, 0
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c := store.PrivacyCharge{ID: fmt.Sprintf("c_%d_%d", w, i), Budget: "race", Fingerprint: fmt.Sprintf("f_%d_%d", w, i),
					At: ts(time.Duration(w*each+i) * time.Millisecond), Epsilon: eps, Purpose: "p", Measure: "count", Actor: "op"}
				_, fresh, err := pb.ChargePrivacyBudget(ctx, c, underLimit(eps))
				mu.Lock()
				switch {
				case errors.Is(err, errOver):
					refused++
				case err != nil:
					errs <- err
				case fresh:
					accepted++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent charge: %v", err)
	}
	want := int(math.Floor(1/eps + 1e-9))
	_, sp, err := pb.PrivacySpent(ctx, "race", ts(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if accepted != want || refused != workers*each-want || sp.Charges != want || sp.Epsilon > 1+1e-9 {
		t.Fatalf("accepted %d, refused %d, stored %d charges spending ε=%.4f; want %d accepted and ε <= 1", accepted, refused, sp.Charges, sp.Epsilon, want)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12+1e-9*math.Abs(b) }
