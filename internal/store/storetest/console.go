package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// testConsole: contact identities are indexed without conflicts and counted by kind (and
// move with a merge); ingest counts add up across calls; consent is counted by the day of
// the choice its evidence names, never later than its arrival; operators are found by
// issuer and subject before email.
func testConsole(t *testing.T, s store.Store) {
	ctx := context.Background()
	cs, ok := s.(store.Console)
	if !ok {
		t.Skip("store keeps no console data")
	}
	email := key(store.IdentityEmail, "\x01mail")
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSubjects(ctx, []store.Subject{{ID: "cs_1", SourceID: "src", CreatedAt: ts(0)}, {ID: "cs_2", SourceID: "src", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		if err := tx.LinkIdentities(ctx, []store.IdentityLink{{Key: key(store.IdentityUserID, "\x01u1"), SubjectID: "cs_1", CreatedAt: ts(0)}}); err != nil {
			return err
		}
		ci, ok := tx.(store.ContactIndexer)
		if !ok {
			return errors.New("the transaction cannot index contacts")
		}
		// The second link of the same address (to another person) is left out, not refused.
		return ci.IndexContacts(ctx, []store.IdentityLink{{Key: email, SubjectID: "cs_1", CreatedAt: ts(0)},
			{Key: key(store.IdentityPhone, "\x01tel"), SubjectID: "cs_1", CreatedAt: ts(0)}, {Key: email, SubjectID: "cs_2", CreatedAt: ts(0)}})
	})
	if err != nil {
		t.Fatal(err)
	}
	found, err := s.LookupIdentities(ctx, []store.IdentityKey{email})
	if err != nil || found[email] != "cs_1" {
		t.Fatalf("lookup email = %v, %v", found, err)
	}
	kinds, err := cs.IdentityKinds(ctx, "cs_1")
	if err != nil || kinds[store.IdentityUserID] != 1 || kinds[store.IdentityEmail] != 1 || kinds[store.IdentityPhone] != 1 || len(kinds) != 3 {
		t.Fatalf("kinds = %v, %v", kinds, err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.MergeSubjects(ctx, "cs_1", "cs_2", "test", ts(1)) }); err != nil {
		t.Fatal(err)
	}
	if kinds, _ := cs.IdentityKinds(ctx, "cs_2"); kinds[store.IdentityEmail] != 1 {
		t.Fatalf("a merge did not move the email: %v", kinds)
	}

	for range 2 {
		if err := cs.AddIngestCounts(ctx, []store.IngestCount{{Day: "2026-05-01", Outcome: store.OutcomeReceived, N: 3},
			{Day: "2026-05-01", Outcome: store.OutcomeDropped, Reason: "no_legal_basis", N: 1}, {Day: "2026-05-03", Outcome: store.OutcomeStored, N: 5}}); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := cs.IngestCounts(ctx, "2026-05-01", "2026-05-02")
	if err != nil || len(counts) != 2 || counts[0].N+counts[1].N != 8 {
		t.Fatalf("ingest counts = %+v, %v", counts, err)
	}
	for _, c := range counts {
		if c.Outcome == store.OutcomeDropped && (c.Reason != "no_legal_basis" || c.N != 2) {
			t.Fatalf("dropped = %+v", c)
		}
	}

	// Three records arrive on May 1: one chosen on April 20 (its message's time), one
	// with no message time, one claiming a time after its arrival (counted at arrival).
	rec := func(id string, granted bool, evidence string) store.ConsentRecord {
		r := crec(id, "cs_2", "analytics.reporting", granted, 0)
		r.Evidence = []byte(evidence)
		return r
	}
	if err := s.AppendConsent(ctx, []store.ConsentRecord{rec("cc1", true, `{"message_id":"m1","message_time":"2026-04-20T08:00:00Z"}`),
		rec("cc2", false, `{}`), rec("cc3", true, `{"message_time":"2026-06-01T00:00:00Z"}`)}); err != nil {
		t.Fatal(err)
	}
	choice, err := cs.ConsentChoiceCounts(ctx, ts(-30*24*time.Hour), ts(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{"2026-04-20": {1, 0}, "2026-05-01": {1, 1}}
	if len(choice) != len(want) {
		t.Fatalf("choice counts = %+v", choice)
	}
	for _, c := range choice {
		if w := want[c.Day]; c.Purpose != "analytics.reporting" || c.Granted != w[0] || c.Withdrawn != w[1] {
			t.Fatalf("choice counts = %+v", choice)
		}
	}
	// A window that starts after the choice leaves it out though the record arrived inside.
	if late, _ := cs.ConsentChoiceCounts(ctx, ts(-2*24*time.Hour), ts(24*time.Hour)); len(late) != 1 || late[0].Day != "2026-05-01" {
		t.Fatalf("window from April 29 = %+v", late)
	}

	for _, op := range []store.Operator{{ID: "op_a", Name: "a", Role: "admin", CreatedAt: ts(0)}, {ID: "op_b", Name: "b", Role: "marketer", CreatedAt: ts(0)}} {
		if err := s.CreateOperator(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	if err := cs.SetOperatorLogin(ctx, store.OperatorLogin{OperatorID: "op_a", Email: "Li.Na@Example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := cs.SetOperatorLogin(ctx, store.OperatorLogin{OperatorID: "op_b", Issuer: "https://idp", Subject: "u-42", Email: "li.na@example.com"}); err != nil {
		t.Fatal(err)
	}
	if op, err := cs.OperatorByLogin(ctx, "https://idp", "u-42", "li.na@example.com"); err != nil || op.ID != "op_b" {
		t.Fatalf("by subject = %+v, %v", op, err)
	}
	if op, err := cs.OperatorByLogin(ctx, "https://other", "u-42", "LI.NA@example.com"); err != nil || op.ID != "op_a" {
		t.Fatalf("by email = %+v, %v", op, err)
	}
	if _, err := cs.OperatorByLogin(ctx, "https://idp", "u-43", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown login: %v", err)
	}
	if ls, err := cs.OperatorLogins(ctx); err != nil || len(ls) != 2 || ls[0].Email != "li.na@example.com" {
		t.Fatalf("logins = %+v, %v", ls, err)
	}
}
