package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Retention passes (issue 26 item 1): old events of a kind are found without their
// bodies, deleted once (their aggregates added once), pruned in place; campaign messages
// expire by campaign and age; legal-hold records are not touched by any of it.
func testRetention(t *testing.T, s store.Store) {
	ctx := context.Background()
	var evs []store.Event
	for i := range 6 {
		evs = append(evs, store.Event{SourceID: "src", MessageID: fmt.Sprintf("r%d", i), SubjectID: "s1", Type: "track", Name: "Order Completed",
			OccurredAt: ts(time.Duration(i) * 24 * time.Hour), ReceivedAt: ts(0), Body: []byte(fmt.Sprintf(`{"i":%d}`, i))})
	}
	evs = append(evs, store.Event{SourceID: "src", MessageID: "p1", SubjectID: "s2", Type: "page", Name: "Home", OccurredAt: ts(0), ReceivedAt: ts(0), Body: []byte(`{}`)},
		store.Event{SourceID: "src", MessageID: "p2", SubjectID: "s2", Type: "identify", OccurredAt: ts(0), ReceivedAt: ts(0), Body: []byte(`{}`)})
	if _, err := s.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := s.HoldRecords(ctx, []store.HeldRecord{{Pseudonym: "ph", Kind: "order", OccurredAt: ts(0), KeptUntil: ts(time.Hour), Basis: "law", Record: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	order := store.EventKind{Type: "track", Name: "Order Completed"}
	due, err := s.DueEvents(ctx, store.DueQuery{Kinds: []store.EventKind{order}, Before: ts(3 * 24 * time.Hour)})
	if err != nil || len(due) != 3 || due[0].Kind != order || due[0].SubjectID != "s1" || due[0].OriginSubjectID != "s1" || !due[0].OccurredAt.Equal(ts(0)) || due[0].Seq >= due[1].Seq {
		t.Fatalf("due orders = %+v, %v; want the three oldest, in sequence", due, err)
	}
	// A kind without a name matches every name of the type; Except matches every other kind.
	if page, err := s.DueEvents(ctx, store.DueQuery{Kinds: []store.EventKind{{Type: "page"}}, Before: ts(time.Hour)}); err != nil || len(page) != 1 || page[0].Kind.Name != "Home" {
		t.Fatalf("due pages = %+v, %v", page, err)
	}
	if other, err := s.DueEvents(ctx, store.DueQuery{Kinds: []store.EventKind{order, {Type: "page"}}, Except: true, Before: ts(time.Hour)}); err != nil || len(other) != 1 || other[0].Kind.Type != "identify" {
		t.Fatalf("due others = %+v, %v", other, err)
	}
	if none, err := s.DueEvents(ctx, store.DueQuery{Before: ts(time.Hour)}); err != nil || len(none) != 0 {
		t.Fatalf("no kinds = %+v, %v; want none", none, err)
	}
	// Pruning rewrites the body and records how far; a pruned event drops out of a query
	// for pruning below that age.
	n, err := s.PruneEvents(ctx, []store.Prune{{Seq: due[2].Seq, Body: []byte(`{"pruned":true}`), PrunedDays: 2}, {Seq: due[1].Seq, PrunedDays: 2}})
	if err != nil || n != 2 {
		t.Fatalf("prune = %d, %v", n, err)
	}
	left, err := s.DueEvents(ctx, store.DueQuery{Kinds: []store.EventKind{order}, Before: ts(3 * 24 * time.Hour), PrunedBelow: 2})
	if err != nil || len(left) != 1 || left[0].Seq != due[0].Seq {
		t.Fatalf("left to prune = %+v, %v", left, err)
	}
	raw, err := s.RawSubjectEvents(ctx, "s1", 0, 10)
	if err != nil || len(raw) != 6 || string(raw[2].Body) != `{"pruned":true}` || string(raw[1].Body) != `{"i":1}` {
		t.Fatalf("after prune = %+v, %v", raw, err)
	}
	// Expiry deletes once and adds each deleted row's aggregates once.
	agg := func(month string) []store.Aggregate {
		return []store.Aggregate{{Month: month, EventType: "Order Completed", Count: 1}, {Month: month, EventType: "Order Completed", Field: "properties.revenue", Count: 1, Sum: 2.5}}
	}
	exp := []store.Expiry{{Seq: due[0].Seq, Aggregates: agg("2026-05")}, {Seq: due[1].Seq, Aggregates: agg("2026-05")}}
	if n, err := s.ExpireEvents(ctx, exp); err != nil || n != 2 {
		t.Fatalf("expire = %d, %v", n, err)
	}
	if n, err := s.ExpireEvents(ctx, exp); err != nil || n != 0 {
		t.Fatalf("expire again = %d, %v; want 0", n, err)
	}
	as, err := s.Aggregates(ctx)
	if err != nil || len(as) != 2 || as[0].Field != "" || as[0].Count != 2 || as[1].Count != 2 || as[1].Sum != 5 {
		t.Fatalf("aggregates = %+v, %v; want counted once per deleted row", as, err)
	}
	if c, _ := s.CountEvents(ctx); c != 6 {
		t.Fatalf("events left = %d, want 6", c)
	}
	if held, err := s.HeldRecords(ctx, "ph"); err != nil || len(held) != 1 {
		t.Fatalf("legal hold = %+v, %v; retention must not touch it", held, err)
	}
	// Campaign messages expire per campaign, by decision time.
	msgs := []store.CampaignMessage{
		{MessageID: "m1", CampaignID: "c1", RunID: "r", SubjectID: "s1", Channel: "email", Status: store.MessageDelivered, DecidedAt: ts(0), ConversionUntil: ts(0)},
		{MessageID: "m2", CampaignID: "c1", RunID: "r", SubjectID: "s1", Channel: "email", Status: store.MessageDelivered, DecidedAt: ts(48 * time.Hour), ConversionUntil: ts(0)},
		{MessageID: "m3", CampaignID: "c2", RunID: "r", SubjectID: "s1", Channel: "email", Status: store.MessageDelivered, DecidedAt: ts(0), ConversionUntil: ts(0)},
	}
	if _, err := s.ReserveMessages(ctx, msgs, ts(0), func(_ map[string][]store.CampaignMessage, fresh []store.CampaignMessage) []store.CampaignMessage {
		return fresh
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ExpireCampaignMessages(ctx, "c1", ts(24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("expire messages = %d, %v; want 1", n, err)
	}
	left2, err := s.SubjectMessages(ctx, "s1")
	if err != nil || len(left2) != 2 {
		t.Fatalf("messages left = %+v, %v", left2, err)
	}
}

// The transfer register (issue 26 item 2): entries by year, people counted once per year
// whatever the country, sensitive and general data apart.
func testTransfers(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec := func(id string, at time.Time, country string, sensitive bool, n int) store.TransferRecord {
		return store.TransferRecord{ID: id, At: at, Year: at.Year(), Kind: "export", Recipient: "Acme", Country: country, Mechanism: "sc-1",
			Purpose: "analytics.reporting", Categories: []string{"user.behavior.browsing_history"}, Sensitive: sensitive, Individuals: n,
			Refused: map[string]int{"no_consent": 1}, Actor: "op"}
	}
	fresh, err := s.RecordTransfer(ctx, rec("t1", ts(0), "DE", false, 3), []string{"a", "b", "c", "a"})
	if err != nil || fresh != 3 {
		t.Fatalf("first transfer: fresh = %d, %v; want 3", fresh, err)
	}
	fresh, err = s.RecordTransfer(ctx, rec("t2", ts(time.Hour), "US", false, 2), []string{"b", "d"})
	if err != nil || fresh != 1 {
		t.Fatalf("second transfer: fresh = %d, %v; want 1 (b is counted already)", fresh, err)
	}
	if fresh, err = s.RecordTransfer(ctx, rec("t3", ts(2*time.Hour), "DE", true, 1), []string{"a"}); err != nil || fresh != 1 {
		t.Fatalf("sensitive transfer: fresh = %d, %v; want 1 (counted apart)", fresh, err)
	}
	next := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	if fresh, err = s.RecordTransfer(ctx, rec("t4", next, "DE", false, 1), []string{"a"}); err != nil || fresh != 1 {
		t.Fatalf("next year: fresh = %d, %v; want 1", fresh, err)
	}
	if _, err := s.RecordTransfer(ctx, rec("t1", ts(0), "DE", false, 0), nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate id: %v, want ErrConflict", err)
	}
	g, sens, err := s.TransferTotals(ctx, 2026)
	if err != nil || g != 4 || sens != 1 {
		t.Fatalf("totals = %d, %d, %v; want 4 general, 1 sensitive", g, sens, err)
	}
	if n, err := s.CountedIndividuals(ctx, 2026, false, []string{"a", "d", "z", "a"}); err != nil || n != 2 {
		t.Fatalf("counted = %d, %v; want 2", n, err)
	}
	counts, err := s.TransferCounts(ctx, 2026)
	if err != nil || len(counts) != 3 || counts[0] != (store.TransferCount{Country: "DE", Individuals: 3}) ||
		counts[1] != (store.TransferCount{Country: "DE", Sensitive: true, Individuals: 1}) || counts[2] != (store.TransferCount{Country: "US", Individuals: 2}) {
		t.Fatalf("counts = %+v, %v", counts, err)
	}
	list, err := s.ListTransfers(ctx, 2026)
	if err != nil || len(list) != 3 || list[0].ID != "t3" || list[2].ID != "t1" || list[2].Individuals != 3 || list[2].Refused["no_consent"] != 1 ||
		len(list[2].Categories) != 1 || !list[2].At.Equal(ts(0)) || !list[0].Sensitive {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if all, err := s.ListTransfers(ctx, 0); err != nil || len(all) != 4 || all[0].ID != "t4" {
		t.Fatalf("all = %+v, %v", all, err)
	}
}

// Assessments (issue 26 item 3): kept with their workflow; a step applies only from the
// state the caller saw.
func testAssessments(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := store.Assessment{ID: "as1", Kind: "pipia", Purpose: "essential.fraud_detection", Fingerprint: "fp", ManifestHash: "mh",
		Content: []byte(`{"x":1}`), Status: "draft", CreatedBy: "op1", CreatedAt: ts(0)}
	if err := s.CreateAssessment(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAssessment(ctx, a); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate: %v", err)
	}
	b := a
	b.ID, b.Kind, b.Purpose, b.CreatedAt = "as2", "ropa", "", ts(time.Hour)
	if err := s.CreateAssessment(ctx, b); err != nil {
		t.Fatal(err)
	}
	rev := ts(2 * time.Hour)
	a.Status, a.ReviewedBy, a.ReviewedAt, a.Note = "reviewed", "op2", &rev, "checked"
	if err := s.UpdateAssessment(ctx, a, "draft"); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateAssessment(ctx, a, "draft"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale step: %v, want ErrConflict", err)
	}
	ghost := a
	ghost.ID = "nope"
	if err := s.UpdateAssessment(ctx, ghost, "draft"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v, want ErrNotFound", err)
	}
	got, err := s.Assessment(ctx, "as1")
	if err != nil || got.Status != "reviewed" || got.ReviewedBy != "op2" || got.ReviewedAt == nil || !got.ReviewedAt.Equal(rev) || got.ApprovedAt != nil ||
		string(got.Content) != `{"x":1}` || got.Note != "checked" || got.Fingerprint != "fp" {
		t.Fatalf("assessment = %+v, %v", got, err)
	}
	if _, err := s.Assessment(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	list, err := s.ListAssessments(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "as2" {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

// The breach register (issue 26 item 4).
func testIncidents(t *testing.T, s store.Store) {
	ctx := context.Background()
	i := store.Incident{ID: "in1", Title: "token leak", DiscoveredAt: ts(0), Scope: []byte(`{"actors":["op9"]}`), Cause: "c", Harm: "h",
		Measures: "m", Remedies: "r", Contact: "pipo@x", Affected: 3, Categories: []string{"user.contact.email"}, Purposes: []string{"p"},
		Status: "open", CreatedBy: "op1", CreatedAt: ts(0), UpdatedAt: ts(0)}
	if err := s.CreateIncident(ctx, i); err != nil {
		t.Fatal(err)
	}
	d := i
	d.ID, d.Drill, d.DiscoveredAt, d.Categories = "in2", true, ts(time.Hour), nil
	if err := s.CreateIncident(ctx, d); err != nil {
		t.Fatal(err)
	}
	at := ts(3 * time.Hour)
	i.Status, i.RegulatorNotifiedAt, i.UpdatedAt = "notified", &at, at
	if err := s.UpdateIncident(ctx, i); err != nil {
		t.Fatal(err)
	}
	got, err := s.Incident(ctx, "in1")
	if err != nil || got.Status != "notified" || got.RegulatorNotifiedAt == nil || !got.RegulatorNotifiedAt.Equal(at) || got.IndividualsNotifiedAt != nil ||
		got.Affected != 3 || len(got.Categories) != 1 || string(got.Scope) != `{"actors":["op9"]}` || !got.UpdatedAt.Equal(at) {
		t.Fatalf("incident = %+v, %v", got, err)
	}
	list, err := s.ListIncidents(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "in2" || !list[0].Drill || len(list[0].Categories) != 0 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	ghost := i
	ghost.ID = "nope"
	if err := s.UpdateIncident(ctx, ghost); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}
