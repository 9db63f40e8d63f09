package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

func campaignsOf(t *testing.T, s store.Store) store.Campaigns {
	c, ok := s.(store.Campaigns)
	if !ok {
		t.Skip("store has no campaigns")
	}
	return c
}

func msg(id, campaign, subject, status string, at time.Duration) store.CampaignMessage {
	return store.CampaignMessage{MessageID: id, CampaignID: campaign, RunID: "r1", SubjectID: subject, Channel: "webhook",
		Status: status, Variant: "plain", DecidedAt: ts(at), ConversionEvent: "Order Completed", ConversionUntil: ts(at + 24*time.Hour)}
}

func testCampaigns(t *testing.T, st store.Store) {
	s := campaignsOf(t, st)
	ctx := context.Background()
	// Definitions: upsert keeps created_at; list by kind; due by next run.
	next := ts(time.Hour)
	for _, c := range []store.CampaignDef{
		{ID: "c2", Kind: store.CampaignKindCampaign, Spec: []byte(`{"v":1}`), Status: "active", Actor: "op", NextRunAt: &next, CreatedAt: ts(0), UpdatedAt: ts(0)},
		{ID: "c1", Kind: store.CampaignKindCampaign, Spec: []byte(`{"v":1}`), Status: "draft", Actor: "op", CreatedAt: ts(0), UpdatedAt: ts(0)},
		{ID: "j1", Kind: store.CampaignKindJourney, Spec: []byte(`{"j":1}`), Status: "active", Actor: "op", CreatedAt: ts(0), UpdatedAt: ts(0)},
		{ID: "c2", Kind: store.CampaignKindCampaign, Spec: []byte(`{"v":2}`), Status: "active", Actor: "op2", NextRunAt: &next, CreatedAt: ts(time.Hour), UpdatedAt: ts(time.Minute)},
	} {
		if err := s.PutCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	c2, err := s.GetCampaign(ctx, "c2")
	if err != nil || string(c2.Spec) != `{"v":2}` || c2.Actor != "op2" || !c2.CreatedAt.Equal(ts(0)) || !c2.UpdatedAt.Equal(ts(time.Minute)) ||
		c2.NextRunAt == nil || !c2.NextRunAt.Equal(next) {
		t.Fatalf("GetCampaign = %+v, %v", c2, err)
	}
	if _, err := s.GetCampaign(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing campaign: %v", err)
	}
	if l, _ := s.ListCampaigns(ctx, store.CampaignKindCampaign); len(l) != 2 || l[0].ID != "c1" {
		t.Fatalf("ListCampaigns = %+v", l)
	}
	if l, _ := s.ListCampaigns(ctx, ""); len(l) != 3 {
		t.Fatalf("ListCampaigns(all) = %+v", l)
	}
	if d, _ := s.DueCampaigns(ctx, ts(30*time.Minute)); len(d) != 0 {
		t.Fatalf("due too early: %+v", d)
	}
	if d, _ := s.DueCampaigns(ctx, ts(time.Hour)); len(d) != 1 || d[0].ID != "c2" {
		t.Fatalf("due = %+v", d)
	}
	if err := s.SetCampaignRun(ctx, "c2", "done", nil, ts(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.DueCampaigns(ctx, ts(3*time.Hour)); len(d) != 0 {
		t.Fatalf("done campaign still due: %+v", d)
	}
	if err := s.SetCampaignRun(ctx, "nope", "done", nil, ts(0)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetCampaignRun(missing) = %v", err)
	}

	// Reservations: history holds counted messages since the instant; fresh are decided;
	// a retry returns stored rows without deciding them again.
	old := msg("m0", "c0", "s1", store.MessageDelivered, -48*time.Hour)
	day := msg("m1", "c0", "s1", store.MessageDelivered, -time.Hour)
	skipped := msg("m2", "c0", "s1", store.MessageSkipped, -time.Hour)
	skipped.Reason = "quiet_hours"
	if _, err := s.ReserveMessages(ctx, []store.CampaignMessage{old, day, skipped}, ts(-72*time.Hour),
		func(h map[string][]store.CampaignMessage, fresh []store.CampaignMessage) []store.CampaignMessage {
			return fresh
		}); err != nil {
		t.Fatal(err)
	}
	var gotHistory map[string][]store.CampaignMessage
	var gotFresh []string
	batch := []store.CampaignMessage{msg("m1", "c0", "s1", store.MessagePending, 0), msg("m3", "c1", "s1", store.MessagePending, 0),
		msg("m4", "c1", "s2", store.MessagePending, 0), msg("m5", "c1", "s3", store.MessagePending, 0)}
	res, err := s.ReserveMessages(ctx, batch, ts(-24*time.Hour), func(h map[string][]store.CampaignMessage, fresh []store.CampaignMessage) []store.CampaignMessage {
		gotHistory = h
		var out []store.CampaignMessage
		for _, m := range fresh {
			gotFresh = append(gotFresh, m.MessageID)
			if m.SubjectID == "s3" {
				m.Status, m.Reason = store.MessageSkipped, "cap_global"
			}
			out = append(out, m)
		}
		return out
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotFresh, []string{"m3", "m4", "m5"}) {
		t.Fatalf("fresh = %v (m1 is stored: a retry)", gotFresh)
	}
	if len(gotHistory["s1"]) != 1 || gotHistory["s1"][0].MessageID != "m1" || len(gotHistory["s2"]) != 0 {
		t.Fatalf("history = %+v; want only m1 (m0 too old, m2 skipped)", gotHistory)
	}
	if len(res) != 4 || res["m1"].Status != store.MessageDelivered || res["m3"].Status != store.MessagePending || res["m5"].Reason != "cap_global" {
		t.Fatalf("reserve result = %+v", res)
	}
	// Delivery outcomes and counts.
	at := ts(time.Minute)
	if err := s.UpdateMessages(ctx, []store.MessageUpdate{{MessageID: "m3", Status: store.MessageDelivered, DeliveredAt: &at, Attempts: 1},
		{MessageID: "m4", Status: store.MessageDead, Reason: "http_500", Attempts: 5}, {MessageID: "ghost", Status: store.MessageDead}}); err != nil {
		t.Fatal(err)
	}
	// A holdout person, for conversions.
	if _, err := s.ReserveMessages(ctx, []store.CampaignMessage{msg("m6", "c1", "s4", store.MessageHoldout, 0)}, ts(0),
		func(_ map[string][]store.CampaignMessage, f []store.CampaignMessage) []store.CampaignMessage {
			return f
		}); err != nil {
		t.Fatal(err)
	}
	// Conversions: inside the window, for delivered and holdout only, once.
	if n, err := s.MarkConversions(ctx, "s1", "Order Completed", ts(2*time.Hour)); err != nil || n != 2 {
		t.Fatalf("MarkConversions(s1) = %d, %v; want m1 and m3", n, err)
	}
	if n, _ := s.MarkConversions(ctx, "s1", "Order Completed", ts(3*time.Hour)); n != 0 {
		t.Fatalf("converted twice: %d", n)
	}
	if n, _ := s.MarkConversions(ctx, "s4", "Order Completed", ts(25*time.Hour)); n != 0 {
		t.Fatalf("conversion after the window: %d", n)
	}
	if n, _ := s.MarkConversions(ctx, "s4", "Product Viewed", ts(time.Hour)); n != 0 {
		t.Fatalf("other event converted: %d", n)
	}
	if n, _ := s.MarkConversions(ctx, "s4", "Order Completed", ts(time.Hour)); n != 1 {
		t.Fatalf("holdout conversion: %d", n)
	}
	if n, _ := s.MarkConversions(ctx, "s2", "Order Completed", ts(time.Hour)); n != 0 {
		t.Fatalf("dead message converted: %d", n)
	}
	counts, err := s.MessageCounts(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.MessageCount{{Status: "dead", Reason: "http_500", Variant: "plain", N: 1},
		{Status: "delivered", Variant: "plain", Converted: true, N: 1},
		{Status: "holdout", Variant: "plain", Converted: true, N: 1},
		{Status: "skipped", Reason: "cap_global", Variant: "plain", N: 1}}
	if !slices.Equal(counts, want) {
		t.Fatalf("counts = %+v\nwant %+v", counts, want)
	}
	mine, err := s.SubjectMessages(ctx, "s1")
	if err != nil || len(mine) != 4 || mine[0].MessageID != "m0" || mine[3].DeliveredAt == nil || !mine[3].DeliveredAt.Equal(at) {
		t.Fatalf("SubjectMessages = %+v, %v", mine, err)
	}

	// Journeys: enter once; due by time; compare-and-set advance.
	j := store.JourneyState{JourneyID: "j1", SubjectID: "s1", Entry: 1, Status: store.JourneyActive, DueAt: ts(0), EnteredAt: ts(0), UpdatedAt: ts(0)}
	if ok, err := s.EnterJourney(ctx, j); err != nil || !ok {
		t.Fatalf("EnterJourney = %v, %v", ok, err)
	}
	if ok, _ := s.EnterJourney(ctx, j); ok {
		t.Fatal("entered twice")
	}
	j2 := j
	j2.SubjectID, j2.DueAt = "s2", ts(time.Hour)
	s.EnterJourney(ctx, j2)
	due, err := s.DueJourneyStates(ctx, ts(time.Minute), 10)
	if err != nil || len(due) != 1 || due[0].SubjectID != "s1" {
		t.Fatalf("due = %+v, %v", due, err)
	}
	adv := due[0]
	adv.Step, adv.DueAt, adv.UpdatedAt = 1, ts(2*time.Hour), ts(time.Minute)
	stale := adv
	stale.Version = 7
	ok, err := s.AdvanceJourneys(ctx, []store.JourneyState{adv, stale})
	if err != nil || !slices.Equal(ok, []bool{true, false}) {
		t.Fatalf("AdvanceJourneys = %v, %v", ok, err)
	}
	if ok, _ := s.AdvanceJourneys(ctx, []store.JourneyState{adv}); ok[0] {
		t.Fatal("advanced twice from the same version")
	}
	got, err := s.GetJourneyState(ctx, "j1", "s1")
	if err != nil || got.Step != 1 || got.Version != 1 || !got.DueAt.Equal(ts(2*time.Hour)) {
		t.Fatalf("state = %+v, %v", got, err)
	}
	if _, err := s.GetJourneyState(ctx, "j1", "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing state: %v", err)
	}
	got.Status = store.JourneyExited
	s.AdvanceJourneys(ctx, []store.JourneyState{got})
	if due, _ := s.DueJourneyStates(ctx, ts(10*time.Hour), 10); len(due) != 1 || due[0].SubjectID != "s2" {
		t.Fatalf("exited state still due: %+v", due)
	}

	// Audiences: deltas against the last synced set.
	if err := s.ApplyAudienceDelta(ctx, "ads", []string{"h2", "h1", "h3"}, nil, ts(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyAudienceDelta(ctx, "ads", []string{"h4"}, []string{"h2"}, ts(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyAudienceDelta(ctx, "other", []string{"h9"}, nil, ts(0)); err != nil {
		t.Fatal(err)
	}
	if m, err := s.AudienceMembers(ctx, "ads"); err != nil || !slices.Equal(m, []string{"h1", "h3", "h4"}) {
		t.Fatalf("members = %v, %v", m, err)
	}
}

// Two reservations for the same person at once: caps read what the other stored.
func testReservationsSerialise(t *testing.T, st store.Store) {
	s := campaignsOf(t, st)
	ctx := context.Background()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := msg("w"+string(rune('a'+w)), "c", "same", store.MessagePending, 0)
			_, err := s.ReserveMessages(ctx, []store.CampaignMessage{m}, ts(-time.Hour), func(h map[string][]store.CampaignMessage, fresh []store.CampaignMessage) []store.CampaignMessage {
				out := slices.Clone(fresh)
				if len(h["same"]) >= 1 { // a cap of one message
					out[0].Status, out[0].Reason = store.MessageSkipped, "cap_global"
				}
				return out
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	mine, _ := s.SubjectMessages(ctx, "same")
	pending := 0
	for _, m := range mine {
		if m.Status == store.MessagePending {
			pending++
		}
	}
	if len(mine) != workers || pending != 1 {
		t.Fatalf("%d messages, %d pending; want %d and exactly 1 under a cap of one", len(mine), pending, workers)
	}
}

func testCampaignErasure(t *testing.T, st store.Store) {
	s := campaignsOf(t, st)
	ctx := context.Background()
	keep := func(_ map[string][]store.CampaignMessage, f []store.CampaignMessage) []store.CampaignMessage {
		return f
	}
	if _, err := s.ReserveMessages(ctx, []store.CampaignMessage{msg("e1", "c", "gone", store.MessagePending, 0),
		msg("e2", "c", "stays", store.MessagePending, 0)}, ts(0), keep); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"gone", "stays"} {
		s.EnterJourney(ctx, store.JourneyState{JourneyID: "j", SubjectID: sub, Entry: 1, Status: store.JourneyActive, DueAt: ts(0), EnteredAt: ts(0), UpdatedAt: ts(0)})
	}
	if err := st.EraseSubjects(ctx, []string{"gone"}); err != nil {
		t.Fatal(err)
	}
	fp, err := st.SubjectFootprint(ctx, "gone")
	if err != nil {
		t.Fatal(err)
	}
	if fp["campaign_messages.subject_id"] != 0 || fp["journey_states.subject_id"] != 0 {
		t.Fatalf("footprint after erasure = %v", fp)
	}
	if _, ok := fp["campaign_messages.subject_id"]; !ok {
		t.Fatal("campaign_messages is not among the erasure tables")
	}
	if m, _ := s.SubjectMessages(ctx, "stays"); len(m) != 1 {
		t.Fatalf("another person's messages = %+v", m)
	}
}
