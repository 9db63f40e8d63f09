// Package campaign is Steward's activation engine (issue 19): campaigns and journeys,
// checked at the moment of sending, delivered on the durable job queue (internal/jobs),
// with results measured against a holdout.
//
// What it owns: definitions (strict JSON, below), schedules, the send-time checks and their
// stable skip reasons, frequency caps and quiet hours, the holdout, message rendering (ad
// label, sender, "why you got this" link, one-click unsubscribe), per-person journey state,
// ad-audience syncs, and results. It reaches everything else through narrow interfaces:
// Eligibility (consent, policy and profile facts now), Segments, Recorder (the audit log),
// Objector (one-click unsubscribe), Store (store.Campaigns) and Enqueuer (the job queue).
// The channel sub-package speaks HTTP and SMTP; this package imports no HTTP server code
// and no store backend.
//
// # Invariants
//
//   - Checks run when a message is sent, not when the audience is built: a person who
//     withdraws, objects, is restricted, turns out a minor or switches personalisation off
//     after a run was planned is not contacted (NC-04, PT-07, SG-03, PT-03). Retries check
//     again.
//   - Every decision is a stored message row keyed by a deterministic message id
//     (MessageID(campaign, run, person)): a delivered message is never sent again, a
//     pending one (its attempt died) is sent again with the same idempotency key, which
//     the receiver dedupes. A kill -9 mid-campaign therefore loses and duplicates nothing.
//   - Every send is a processing act: one Recorder.RecordAudience leaf per delivery batch,
//     recorded before anything leaves.
//   - Caps hold across processes: a reservation reads a person's messages and stores new
//     ones atomically per person (store.Campaigns.ReserveMessages).
//   - Marketing messages always carry the ad label (广告 / Ad), the sender and the why link;
//     emails carry RFC 8058 List-Unsubscribe and List-Unsubscribe-Post headers.
//
// # Checks, in order, and their skip reasons
//
//	unknown_subject            the person is gone (erased, merged)
//	objected_direct_marketing  objection to direct marketing (marketing purposes)
//	minor                      a minor (marketing purposes)
//	<policy reason>            the policy refuses the purpose now, counted under the policy's own
//	                           stable reason: no_consent (withdrawn), ad_free_subscription (a
//	                           privacy subscriber and an advertising purpose), restricted, …;
//	                           not_allowed when it gave none
//	no_third_party_consent     ad audiences: no third-party purpose + separate consent for the recipient
//	personalisation_off        personalisation off and no plain variant
//	no_contact                 no address on the channel
//	quiet_hours                inside quiet hours with action "skip" ("defer" re-queues for their end)
//	(holdout)                  held out: recorded, not sent, measured
//	cap_daily, cap_daily_elderly  messages per person per local day across campaigns (manifest caps)
//	cap_campaign               this campaign's own cap
//
// Dead letters: "rejected" (the receiver refused for good) and "retries_exhausted".
//
// # Campaign definition (JSON)
//
// Decoding is strict: unknown or duplicate members, trailing data and wrong types are
// errors; every error is a *SpecError with a JSON pointer (and line:column for JSON
// faults), e.g. `check definition: /schedule/cron: …`.
//
//	{
//	  "id": "spring-sale",                          // [a-z0-9][a-z0-9_-]{0,62}
//	  "name": "Spring sale",                        // optional
//	  "purpose": "marketing.communications.email",  // a manifest purpose; "marketing.*" makes it an ad
//	  "audience": {"segment": "recent_buyers"},
//	  "channel": {"type": "email"},                 // or {"type": "webhook", "endpoint": "push"}
//	                                                // or {"type": "ad_audience", "destination": "alimama-custom-audience",
//	                                                //     "recipient": "Alimama Ads"}  (no content then)
//	  "sender": "Demo Shop",                        // optional; default Config.Sender
//	  "locale": "zh-CN",                            // zh-CN (default) or en: label and footer language
//	  "content": {
//	    "personalised": {"subject": "{{.name}}，春季促销", "body": "…"},  // may use the person's attributes
//	    "plain": {"subject": "春季促销", "body": "…"}                     // may not: for personalisation off
//	  },
//	  "schedule": {"kind": "once", "at": "2026-05-01T10:00:00+08:00"},
//	           // {"kind": "recurring", "cron": "0 10 * * 1", "timezone": "Asia/Shanghai"[, "at": …][, "until": …]}
//	           // {"kind": "recurring", "every": "24h"[, "at": …][, "until": …]}
//	           // {"kind": "triggered", "event": "Cart Abandoned", "delay": "1h"[, "until": …]}
//	  "holdout": 0.1,                               // 0–0.5, stable per (campaign, person)
//	  "conversion": {"event": "Order Completed", "window": "7d"},
//	  "caps": {"max": 2, "window": "7d"},           // this campaign, per person
//	  "quiet_hours": {"start": "21:00", "end": "08:00", "action": "defer"}  // person's local time; or "skip"
//	}
//
// Durations are Go durations ("90m", "36h") or days ("7d"); times of day are "HH:MM".
//
// # Journey definition (JSON)
//
//	{
//	  "id": "welcome", "purpose": "marketing.communications.push",
//	  "entry": {"event": "Signed Up"},              // or {"segment": "new_customers"}
//	  "channel": {"type": "webhook"}, "sender": "Demo Shop",
//	  "holdout": 0.1, "conversion": {"event": "Order Completed", "window": "14d"},
//	  "caps": …, "quiet_hours": …, "reentry": false,
//	  "steps": [
//	    {"id": "hello", "send": {"content": {"plain": {"body": "欢迎！"}}}},
//	    {"id": "wait", "wait": "2d"},
//	    {"id": "morning", "wait_until": "09:00"},  // next 09:00 in the person's time zone
//	    {"id": "vip", "branch": {"segment": "vip", "then": "vip_offer", "else": "offer"}},
//	    {"id": "vip_offer", "send": {"content": {"personalised": {"body": "{{.name}}，会员专享"}}}, "next": "done"},
//	    {"id": "offer", "send": {"content": {"plain": {"body": "新人券"}}}},
//	    {"id": "done", "exit": true}
//	  ]
//	}
//
// Each step has exactly one of wait, wait_until, branch, send, exit; "next" overrides the
// following step; after the last step the journey is done. A loop must pass a wait.
//
// # Wiring
//
//	ws := jobs.NewWorkers()
//	q, _ := jobs.Open(ctx, jobs.Config{Store: st, Workers: ws, Queues: map[string]int{campaign.Queue: 4},
//		Periodic: campaign.Periodic(time.Minute)})
//	svc, _ := campaign.New(campaign.Config{Store: st, Queue: q, Eligibility: elig, Segments: segs,
//		Recorder: rec, Objector: obj, Channels: map[string]channel.Sender{"webhook": wh, "email": em},
//		Caps: campaign.CapsConfig{PerDay: 3, ElderlyPerDay: 1}, Secret: key, ...})
//	svc.Register(ws) // before Start
//	svc.SetLimits(...) // the manifest's campaigns section, again for each published version
//	q.Start(ctx)
//	mux.Handle("POST /unsubscribe", channel.UnsubscribeHandler(svc.Unsubscribe)) // and GET, for the confirm page
//
// The event pipeline calls svc.ObserveStored after each commit (conversions, triggers,
// event entries; only for events some definition reacts to); the segment engine calls
// svc.ObserveSegmentEntry. internal/app does all of this; profile.CampaignFacts is the
// Eligibility and Segments, consent.Ledger the Objector, *audit.Recorder the Recorder.
//
// # Results
//
// Results count every decision: sends (delivered, pending, dead), skips by reason, the
// holdout, conversions in the window and the uplift with Newcombe's interval, and the
// funnel audience → eligible → sent → delivered → converted. A definition that names a
// privacy budget ({"dp": {"budget": "…", "epsilon": 0.5}}) shows them only through
// Released, which charges the budget through internal/dp and returns noisy counts
// (dpresults.go). Unsubscribe links carry a sealed token (AES-256-GCM under a key from
// Secret): it names nobody and opens only here.
package campaign
