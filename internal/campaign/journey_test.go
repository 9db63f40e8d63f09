package campaign_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/store"
)

// A journey moves two people in two time zones through send, wait, wait_until, branch and
// exit, with the engine restarted in the middle: the state is the store's, not memory's.
func TestJourneyDurableAcrossRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "steward.db")
	clk := &clock{t: time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)} // 20:30 Shanghai, 08:30 New York
	h := newHarness(t, harnessOpts{dbPath: db, clock: clk})
	ctx := context.Background()
	setup := func(h *harness) {
		h.elig.set("a", person{consent: true, contactID: "u-a", tz: "Asia/Shanghai"})
		h.elig.set("b", person{consent: true, contactID: "u-b", tz: "America/New_York"})
		h.segs.members["vip"] = []string{"a"}
	}
	setup(h)
	h.define(t, goodJourney)
	for _, who := range []string{"a", "b"} {
		if err := h.svc.ObserveEvent(ctx, campaign.Event{ID: "su-" + who, SubjectID: who, Name: "Signed Up", At: clk.now()}); err != nil {
			t.Fatal(err)
		}
	}
	state := func(h *harness, who string) store.JourneyState {
		t.Helper()
		s, err := h.st.(store.Campaigns).GetJourneyState(ctx, "welcome", who)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tick := func(h *harness) {
		t.Helper()
		if err := h.svc.AdvanceJourneys(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tick(h) // hello to both
	tick(h) // into the two-day wait
	if h.sink.unique() != 2 || state(h, "a").Step != 2 || !state(h, "a").DueAt.Equal(clk.now().Add(48*time.Hour)) {
		t.Fatalf("after the first send: %d messages, state %+v", h.sink.unique(), state(h, "a"))
	}
	tick(h)
	if h.sink.unique() != 2 {
		t.Fatal("a waiting person was moved")
	}

	// Restart: a new engine over the same database.
	clk.set(time.Date(2026, 5, 3, 12, 31, 0, 0, time.UTC))
	h2 := newHarness(t, harnessOpts{dbPath: db, clock: clk, sinkURL: h.sink.srv.URL}) // the receiver outlives the engine
	setup(h2)
	tick(h2) // wait_until 09:00 local for each
	if a, b := state(h2, "a"), state(h2, "b"); !a.DueAt.Equal(time.Date(2026, 5, 4, 1, 0, 0, 0, time.UTC)) ||
		!b.DueAt.Equal(time.Date(2026, 5, 3, 13, 0, 0, 0, time.UTC)) || a.Step != 3 {
		t.Fatalf("wait_until: a %+v, b %+v; want 09:00 Shanghai and 09:00 New York", a, b)
	}
	clk.set(time.Date(2026, 5, 3, 13, 0, 0, 0, time.UTC))
	tick(h2) // b: not vip → offer
	clk.set(time.Date(2026, 5, 4, 1, 0, 0, 0, time.UTC))
	tick(h2) // a: vip → personalised offer
	tick(h2) // both exit
	for _, who := range []string{"a", "b"} {
		if s := state(h2, who); s.Status != store.JourneyExited {
			t.Fatalf("%s: %+v; want exited", who, s)
		}
	}
	got := map[string][]string{}
	for _, b := range h.sink.bodies {
		got[b.Recipient] = append(got[b.Recipient], b.Body)
	}
	a, b := strings.Join(got["u-a"], "|"), strings.Join(got["u-b"], "|")
	if len(got["u-a"]) != 2 || !strings.Contains(a, "欢迎") || !strings.Contains(a, "N-a，会员专享") ||
		len(got["u-b"]) != 2 || !strings.Contains(b, "欢迎") || !strings.Contains(b, "新人券") {
		t.Fatalf("messages = %v", got)
	}
	r, _ := h2.svc.Results(ctx, "welcome")
	if r.Delivered != 4 {
		t.Fatalf("results = %+v", r)
	}
	// No re-entry without reentry.
	h2.svc.ObserveEvent(ctx, campaign.Event{ID: "su-a2", SubjectID: "a", Name: "Signed Up", At: clk.now()})
	if s := state(h2, "a"); s.Status != store.JourneyExited || s.Entry != 1 {
		t.Fatalf("re-entered: %+v", s)
	}
}

// A journey's holdout holds out only people a message could reach: someone the send-time
// checks refuse enters like anyone else and is skipped with the reason when the journey
// sends, so the held-out group stays comparable with the people reached (the uplift).
func TestJourneyHoldoutOnlyHoldsOutTheReachable(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC)} // noon in Shanghai
	h := newHarness(t, harnessOpts{clock: clk})
	ctx := context.Background()
	var ids []string
	for i := range 40 {
		id := "p" + string(rune('a'+i%26)) + string(rune('0'+i/26))
		ids = append(ids, id)
		h.elig.set(id, person{consent: i%2 == 0, contactID: "u-" + id, tz: "Asia/Shanghai"})
	}
	h.define(t, `{"id": "held", "purpose": "marketing.communications.push", "entry": {"event": "Signed Up"}, "channel": {"type": "webhook"},
  "holdout": 0.5, "steps": [{"id": "hi", "send": {"content": {"plain": {"body": "欢迎"}}}}]}`)
	for _, id := range ids {
		if err := h.svc.ObserveEvent(ctx, campaign.Event{ID: "su-" + id, SubjectID: id, Name: "Signed Up", At: clk.now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.svc.AdvanceJourneys(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := h.svc.Results(ctx, "held")
	if err != nil {
		t.Fatal(err)
	}
	// 20 without consent: all entered and skipped. 20 with consent: split by the holdout.
	if r.Skipped["no_consent"] != 20 || r.Holdout+r.Delivered != 20 || r.Holdout == 0 || r.Delivered == 0 {
		t.Fatalf("results %+v: want the 20 refused all skipped, the 20 reachable split between holdout and sent", r)
	}
}
