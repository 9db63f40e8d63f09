package campaign_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/store"
)

type channelBody = channel.WebhookBody

func decodeJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

const onceWebhook = `{
  "id": %q, "purpose": "marketing.communications.push", "audience": {"segment": "all"},
  "channel": {"type": "webhook"},
  "content": {"personalised": {"body": "Hi {{.name}}, spring sale"}, "plain": {"body": "Spring sale"}},
  "schedule": {"kind": "once", "at": "2026-05-01T10:00:00Z"}%s
}`

func spec(id, extra string) string { return fmt.Sprintf(onceWebhook, id, extra) }

// A person who withdraws between scheduling and sending is not contacted (NC-04): the
// audience is resolved with them in it, they withdraw, and the delivery job's send-time
// check stops them. Run on both stores.
func TestWithdrawBetweenSchedulingAndSending(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			h := newHarness(t, harnessOpts{backend: backend, start: true})
			ctx := context.Background()
			for _, id := range []string{"alice", "bob", "carol"} {
				h.elig.set(id, person{consent: true, contactID: "u-" + id, tz: "Asia/Shanghai"})
			}
			h.segs.members["all"] = []string{"alice", "bob", "carol"}
			// bob withdraws right after the audience is built, before any batch is sent.
			h.segs.onMembers = func() { h.elig.update("bob", func(p *person) { p.consent = false }) }
			h.define(t, spec("spring", ""))
			if err := h.svc.Run(ctx, "spring", "r1"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "two deliveries", 20*time.Second, func() bool { return h.sink.unique() == 2 })
			r := waitResults(t, h, "spring", func(r campaign.Results) bool { return r.Delivered+int64(len(r.Skipped)) >= 3 })
			got := h.sink.recipients()
			if got["u-bob"] != 0 || got["u-alice"] != 1 || got["u-carol"] != 1 {
				t.Fatalf("recipients = %v; bob withdrew and must not be contacted", got)
			}
			if r.Delivered != 2 || r.Skipped["no_consent"] != 1 {
				t.Fatalf("results = %+v", r)
			}
			if n := h.rec.people()["bob"]; n != 0 {
				t.Fatalf("bob recorded as reached %d times", n)
			}

			// A triggered campaign: the delivery job is scheduled with carol in it; she
			// withdraws before it runs.
			h.segs.onMembers = nil
			h.define(t, `{"id": "cart", "purpose": "marketing.communications.push", "audience": {"segment": "all"},
				"channel": {"type": "webhook"}, "content": {"plain": {"body": "You left something"}},
				"schedule": {"kind": "triggered", "event": "Cart Abandoned", "delay": "1500ms"}}`)
			for _, who := range []string{"alice", "carol"} {
				if err := h.svc.ObserveEvent(ctx, campaign.Event{ID: "ev-" + who, SubjectID: who, Name: "Cart Abandoned", At: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			h.elig.update("carol", func(p *person) { p.consent = false })
			r = waitResults(t, h, "cart", func(r campaign.Results) bool { return r.Delivered+r.Skipped["no_consent"] == 2 })
			if r.Delivered != 1 || h.sink.recipients()["u-carol"] != 1 {
				t.Fatalf("cart results = %+v, recipients %v: carol got the cart message after withdrawing", r, h.sink.recipients())
			}
		})
	}
}

// A message reserved by an attempt that failed is not sent on retry once the person has
// withdrawn.
func TestWithdrawBeforeRetry(t *testing.T) {
	h := newHarness(t, harnessOpts{start: true})
	ctx := context.Background()
	h.elig.set("dan", person{consent: true, contactID: "u-dan"})
	h.segs.members["all"] = []string{"dan"}
	failed := make(chan struct{}, 1)
	h.sink.fail = func(key string, b channel.WebhookBody) int {
		select {
		case failed <- struct{}{}:
			h.elig.update("dan", func(p *person) { p.consent = false })
			return 503
		default:
			return 0
		}
	}
	h.define(t, spec("retry", ""))
	h.svc.Run(ctx, "retry", "r1")
	r := waitResults(t, h, "retry", func(r campaign.Results) bool { return r.Skipped["no_consent"] == 1 })
	if h.sink.unique() != 0 || r.Delivered != 0 {
		t.Fatalf("dan was contacted on retry after withdrawing: %+v", r)
	}
}

func waitResults(t *testing.T, h *harness, id string, cond func(campaign.Results) bool) campaign.Results {
	t.Helper()
	var r campaign.Results
	waitFor(t, "results of "+id, 30*time.Second, func() bool {
		var err error
		r, err = h.svc.Results(context.Background(), id)
		return err == nil && cond(r)
	})
	return r
}

// Caps per local day and quiet hours, for people in Shanghai (UTC+8) and New York (UTC−4
// in May), with a fake clock (issue 19 acceptance; SG-04 for the elderly cap).
func TestCapsAndQuietHoursInTwoTimezones(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} // 20:00 Shanghai, 08:00 New York
	h := newHarness(t, harnessOpts{clock: clk, caps: campaign.CapsConfig{PerDay: 2, ElderlyPerDay: 1}})
	ctx := context.Background()
	h.elig.set("sh", person{consent: true, contactID: "u-sh", tz: "Asia/Shanghai"})
	h.elig.set("ny", person{consent: true, contactID: "u-ny", tz: "America/New_York"})
	h.elig.set("old", person{consent: true, contactID: "u-old", tz: "Asia/Shanghai", elderly: true})
	everyone := []string{"sh", "ny", "old"}
	h.define(t, spec("daily", ""))
	h.define(t, spec("weekly", `, "caps": {"max": 1, "window": "7d"}`))
	run := func(id, runID string, subs ...string) campaign.Batch {
		t.Helper()
		b, err := h.svc.DeliverBatch(ctx, campaign.DeliverArgs{Campaign: id, Run: runID, Batch: "b0", Step: -1, Subjects: subs}, 1, 4)
		if err != nil {
			t.Fatalf("%s/%s: %v", id, runID, err)
		}
		return b
	}
	expect := func(b campaign.Batch, delivered int, skipped map[string]int, deferred int) {
		t.Helper()
		for k, v := range skipped {
			if b.Skipped[k] != v {
				t.Errorf("skipped[%s] = %d, want %d (batch %+v)", k, b.Skipped[k], v, b)
			}
		}
		if b.Delivered != delivered || b.Deferred != deferred || len(b.Skipped) != len(skipped) {
			t.Errorf("batch = %+v; want %d delivered, skips %v, %d deferred", b, delivered, skipped, deferred)
		}
	}
	// 12:00 UTC. First message: everyone.
	expect(run("daily", "r1", everyone...), 3, nil, 0)
	// Second: the elderly person's cap is 1.
	expect(run("daily", "r2", everyone...), 2, map[string]int{"cap_daily_elderly": 1}, 0)
	// Third: everyone is at their cap.
	expect(run("daily", "r3", everyone...), 0, map[string]int{"cap_daily": 2, "cap_daily_elderly": 1}, 0)
	// A campaign with its own cap of one a week; caps across campaigns still apply.
	expect(run("weekly", "w1", "ny"), 0, map[string]int{"cap_daily": 1}, 0)

	// 16:30 UTC: 00:30 on 2 May in Shanghai (a new local day, but quiet hours until
	// 08:00), 12:30 on 1 May in New York (same day: still capped).
	clk.set(time.Date(2026, 5, 1, 16, 30, 0, 0, time.UTC))
	expect(run("daily", "r4", everyone...), 0, map[string]int{"cap_daily": 1}, 2)
	// The two Shanghai people were deferred to 08:00 Shanghai = 00:00 UTC on 2 May.
	n, err := h.q.Count(ctx, campaign.DeliverArgs{}.Kind(), jobs.StateScheduled)
	if err != nil || n != 1 {
		t.Fatalf("deferred jobs = %d, %v; want 1", n, err)
	}
	// 00:00 UTC on 2 May: 08:00 in Shanghai (new day, quiet hours over), 20:00 on 1 May
	// in New York (same local day: still capped).
	clk.set(time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC))
	expect(run("daily", "r4", everyone...), 2, map[string]int{"cap_daily": 1}, 0)
	// The weekly campaign's own cap: once a week for sh, even on a new day with room
	// under the daily cap.
	expect(run("weekly", "w2", "sh"), 1, nil, 0)
	clk.set(time.Date(2026, 5, 3, 1, 0, 0, 0, time.UTC)) // 09:00 Shanghai, 3 May
	expect(run("weekly", "w3", "sh"), 0, map[string]int{"cap_campaign": 1}, 0)
	expect(run("daily", "r6", "sh"), 1, nil, 0)
	// 04:00 UTC on 3 May is 00:00 in New York: a new day there, outside quiet hours? No:
	// 00:00 is inside 21:00–08:00, so New York is deferred, not skipped.
	clk.set(time.Date(2026, 5, 3, 4, 0, 0, 0, time.UTC))
	expect(run("daily", "r5", "ny"), 0, nil, 1)
	// 12:00 UTC is 08:00 in New York: sent.
	clk.set(time.Date(2026, 5, 3, 12, 0, 0, 0, time.UTC))
	expect(run("daily", "r5", "ny"), 1, nil, 0)
	// Every message says it is an ad, who sent it, and why.
	for _, b := range h.sink.bodies {
		if !b.Ad || b.Label != "广告" || b.Sender != "Demo Shop" || !strings.HasPrefix(b.WhyURL, "https://shop.example/privacy/why?m=msg_") ||
			!strings.HasPrefix(b.Body, "【广告】") || !strings.Contains(b.Body, "发送方：Demo Shop") || !strings.Contains(b.Body, b.WhyURL) {
			t.Fatalf("message lacks label, sender or why link: %+v", b)
		}
	}
}

// Quiet hours with action skip count a skip; personalisation off gets the plain variant;
// objection and minors stop marketing; no contact is a skip.
func TestSendTimeChecks(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 1, 14, 0, 0, 0, time.UTC)} // 22:00 Shanghai
	h := newHarness(t, harnessOpts{clock: clk})
	ctx := context.Background()
	h.elig.set("p", person{consent: true, contactID: "u-p", tz: "Asia/Shanghai"})
	h.elig.set("off", person{consent: true, contactID: "u-off", tz: "Europe/Berlin", personalisedOff: true})
	h.elig.set("obj", person{consent: true, contactID: "u-obj", objected: true})
	h.elig.set("kid", person{consent: true, contactID: "u-kid", minor: true})
	h.elig.set("nocontact", person{consent: true, tz: "Europe/Berlin"})
	h.define(t, spec("checks", `, "quiet_hours": {"start": "21:00", "end": "08:00", "action": "skip"}`))
	b, err := h.svc.DeliverBatch(ctx, campaign.DeliverArgs{Campaign: "checks", Run: "r", Batch: "b", Step: -1,
		Subjects: []string{"p", "off", "obj", "kid", "nocontact", "ghost"}}, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"quiet_hours": 1, "objected_direct_marketing": 1, "minor": 1, "no_contact": 1, "unknown_subject": 1}
	if b.Delivered != 1 || fmt.Sprint(b.Skipped) != fmt.Sprint(want) {
		t.Fatalf("batch = %+v; want 1 delivered and skips %v", b, want)
	}
	for _, body := range h.sink.bodies {
		if body.Personalised || !strings.Contains(body.Body, "Spring sale") || strings.Contains(body.Body, "Hi ") {
			t.Fatalf("personalisation off got %+v; want the plain variant", body)
		}
	}
	// With no plain variant, personalisation off means nothing is sent.
	h.define(t, `{"id": "ponly", "purpose": "marketing.communications.push", "audience": {"segment": "all"},
		"channel": {"type": "webhook"}, "content": {"personalised": {"body": "Hi {{.name}}"}},
		"schedule": {"kind": "once", "at": "2026-05-01T10:00:00Z"}, "quiet_hours": {"start": "03:00", "end": "03:01"}}`)
	b, _ = h.svc.DeliverBatch(ctx, campaign.DeliverArgs{Campaign: "ponly", Run: "r", Batch: "b", Step: -1, Subjects: []string{"off", "p"}}, 1, 4)
	if b.Delivered != 1 || b.Skipped["personalisation_off"] != 1 {
		t.Fatalf("personalised-only batch = %+v", b)
	}
	// Results and the per-person record: one processing act per batch, listing who was sent.
	r, _ := h.svc.Results(ctx, "checks")
	if r.Sends != 1 || r.Variants["plain"] != 1 || r.Skipped["minor"] != 1 {
		t.Fatalf("results = %+v", r)
	}
	if got := h.rec.people(); got["off"] != 1 || got["p"] != 1 || got["obj"] != 0 {
		t.Fatalf("recorded = %v", got)
	}
	msgs, _ := h.st.(store.Campaigns).SubjectMessages(ctx, "kid")
	if len(msgs) != 1 || msgs[0].Reason != "minor" {
		t.Fatalf("kid's messages = %+v", msgs)
	}
}

// The holdout is stable per person, about the share asked, and uplift comes with its
// interval.
func TestHoldoutAndUplift(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC)}
	h := newHarness(t, harnessOpts{clock: clk, caps: campaign.CapsConfig{PerDay: 100, ElderlyPerDay: 100}})
	ctx := context.Background()
	var subs []string
	for i := range 2000 {
		id := fmt.Sprintf("s%04d", i)
		subs = append(subs, id)
		h.elig.set(id, person{consent: true, contactID: "u-" + id, tz: "Asia/Shanghai"})
	}
	h.define(t, spec("ho", `, "holdout": 0.2, "conversion": {"event": "Order Completed", "window": "7d"}`))
	b1, err := h.svc.DeliverBatch(ctx, campaign.DeliverArgs{Campaign: "ho", Run: "r1", Batch: "b", Step: -1, Subjects: subs}, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if b1.Holdout < 340 || b1.Holdout > 460 || b1.Delivered+b1.Holdout != 2000 {
		t.Fatalf("holdout %d of 2000 at 20%%", b1.Holdout)
	}
	b2, _ := h.svc.DeliverBatch(ctx, campaign.DeliverArgs{Campaign: "ho", Run: "r2", Batch: "b", Step: -1, Subjects: subs}, 1, 4)
	if b2.Holdout != b1.Holdout {
		t.Fatalf("holdout changed between runs: %d then %d", b1.Holdout, b2.Holdout)
	}
	// Conversions: every 4th person converts within the window; one after it.
	for i, id := range subs {
		if i%4 == 0 {
			h.svc.ObserveEvent(ctx, campaign.Event{ID: "o" + id, SubjectID: id, Name: "Order Completed", At: clk.now().Add(time.Hour)})
		}
	}
	r, _ := h.svc.Results(ctx, "ho")
	if r.Uplift == nil || r.Conversions == 0 || r.HoldoutConversions == 0 || r.Uplift.Low > r.Uplift.Difference || r.Uplift.High < r.Uplift.Difference {
		t.Fatalf("results = %+v uplift %+v", r, r.Uplift)
	}
	if r.Uplift.Low > 0 || r.Uplift.High < 0 {
		t.Fatalf("no true uplift, yet the interval excludes 0: %+v", r.Uplift)
	}
}

// The scheduler starts due runs once and schedules the next one from the rule.
func TestSchedulerTick(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	h := newHarness(t, harnessOpts{clock: clk})
	ctx := context.Background()
	h.define(t, `{"id": "daily", "purpose": "marketing.communications.push", "audience": {"segment": "all"},
		"channel": {"type": "webhook"}, "content": {"plain": {"body": "x"}},
		"schedule": {"kind": "recurring", "cron": "0 10 * * *", "timezone": "Asia/Shanghai"}}`)
	def, _ := h.st.(store.Campaigns).GetCampaign(ctx, "daily")
	if def.NextRunAt == nil || !def.NextRunAt.Equal(time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)) {
		t.Fatalf("first run = %v; want 10:00 Shanghai", def.NextRunAt)
	}
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.q.Count(ctx, campaign.RunArgs{}.Kind()); n != 0 {
		t.Fatalf("%d runs before the time", n)
	}
	clk.set(time.Date(2026, 5, 1, 2, 0, 30, 0, time.UTC))
	h.svc.Tick(ctx)
	h.svc.Tick(ctx) // a second tick in the same minute starts nothing more
	if n, _ := h.q.Count(ctx, campaign.RunArgs{}.Kind()); n != 1 {
		t.Fatalf("%d runs; want 1", n)
	}
	def, _ = h.st.(store.Campaigns).GetCampaign(ctx, "daily")
	if !def.NextRunAt.Equal(time.Date(2026, 5, 2, 2, 0, 0, 0, time.UTC)) {
		t.Fatalf("next run = %v", def.NextRunAt)
	}
}
