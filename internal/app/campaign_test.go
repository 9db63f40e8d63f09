package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/demo"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
)

// campaignRig is a full Steward whose webhook channel posts to the demo shop's loopback
// receiver (it verifies signatures and dedupes by idempotency key).
type campaignRig struct {
	*running
	sink *demo.Sink
}

// fakeClock is the campaign engine's clock in tests that wait for journeys.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startCampaignApp starts Steward on a loopback port that is also its public address (so
// the links in messages point at it), with the webhook channel configured.
func startCampaignApp(t *testing.T, opt app.Options) *campaignRig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = ln.Addr().String()
	var secret []byte
	var once sync.Mutex
	sink, err := demo.StartSink("127.0.0.1:0", func() []byte {
		once.Lock()
		defer once.Unlock()
		if secret == nil {
			b, _ := os.ReadFile(filepath.Join(cfg.DataDir, app.WebhookSecretFile))
			if s := strings.TrimSpace(string(b)); s != "" {
				secret = []byte(s)
			}
		}
		return secret
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.WebhookURL = sink.URL
	if opt.CampaignTick == 0 {
		opt.CampaignTick = 200 * time.Millisecond
	}
	a, err := app.OpenWith(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; a.Close(); sink.Close() })
	tok, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.AdminTokenFile))
	key, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.WriteKeyFile))
	r := &running{app: a, base: "http://" + ln.Addr().String(), admin: strings.TrimSpace(string(tok)), key: strings.TrimSpace(string(key))}
	r.waitProfiles(t)
	return &campaignRig{running: r, sink: sink}
}

// noQuietHours publishes the manifest in force with the campaigns section's default quiet
// hours switched off, so a test does not depend on the hour it runs at. The engine takes
// the new limits at once.
func (r *campaignRig) noQuietHours(t *testing.T) {
	t.Helper()
	y := string(manifest.DefaultYAML())
	y = strings.Replace(y, "version: 1\n", "version: 2\n", 1)
	y = strings.Replace(y, `quiet_hours: {start: "21:00", end: "08:00", action: defer}`, `quiet_hours: {start: "00:00", end: "00:00"}`, 1)
	if s, b := r.putYAML(t, y); s != 201 {
		t.Fatalf("publish: %d %s", s, b)
	}
	if q := r.app.Campaigns.Limits().QuietHours; q.Start != q.End {
		t.Fatalf("the engine kept quiet hours %+v after the manifest switched them off", q)
	}
}

// shopper ingests a consenting shopper (analytics, personalisation, advertising) who viewed
// a product, and grants the purposes given through their privacy center.
func (r *campaignRig) shopper(t *testing.T, user string, purposes ...string) string {
	t.Helper()
	now := time.Now().UTC()
	r.track(t, shopperBatch(user, "anon-"+user, now.Add(-time.Hour), `"type":"identify","traits":{"email":"`+user+`@example.com","birthday":"1990-04-01"}`,
		`"type":"track","event":"Product Viewed","properties":{"product_id":"p1","category":"toys"}`))
	sub := waitSubject(t, r.running, user)
	if len(purposes) > 0 {
		tok := r.session(t, user)
		for _, p := range purposes {
			if s, b := r.call(t, "POST", "/api/v1/me/consents", tok, `{"purpose":"`+p+`","granted":true}`); s != 204 {
				t.Fatalf("grant %s: %d %s", p, s, b)
			}
		}
	}
	return sub
}

// viewers defines the audience every campaign here goes to, once the profiles caught up.
func (r *campaignRig) viewers(t *testing.T, want int) {
	t.Helper()
	if _, err := r.app.Profiles.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, b := r.call(t, "POST", "/api/v1/segments", r.admin, `{"name":"viewers","expression":"count(\"Product Viewed\", 30d) >= 1","purpose":"marketing.advertising.profiling"}`); s != 201 {
		t.Fatalf("segment: %d %s", s, b)
	}
	if v := r.segment(t, "viewers"); v.Matches != want {
		t.Fatalf("viewers matches %d, want %d", v.Matches, want)
	}
}

type resultsDoc struct {
	Status  string `json:"status"`
	Results *struct {
		Sends, Delivered, Pending, Holdout, Conversions int64
		Skipped                                         map[string]int64
		Funnel                                          struct{ Audience, Eligible, Sent, Delivered, Converted, Skipped, Holdout int64 }
		DP                                              *struct {
			Budget, Release string
			Replayed        bool
		}
	} `json:"results"`
}

func (r *campaignRig) results(t *testing.T, kind, id string) resultsDoc {
	t.Helper()
	s, b := r.call(t, "GET", "/api/v1/"+kind+"/"+id, r.admin, "")
	if s != 200 {
		t.Fatalf("get %s: %d %s", id, s, b)
	}
	var d resultsDoc
	if err := json.Unmarshal(b, &d); err != nil || d.Results == nil {
		t.Fatalf("get %s: %v %s", id, err, b)
	}
	return d
}

// waitDecided waits until a campaign decided for n people and has nothing pending.
func (r *campaignRig) waitDecided(t *testing.T, kind, id string, n int64) resultsDoc {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d := r.results(t, kind, id)
		if d.Results.Funnel.Audience >= n && d.Results.Pending == 0 {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never decided for %d people: %+v", id, n, *d.Results)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *campaignRig) launch(t *testing.T, kind, def string) {
	t.Helper()
	var v struct{ ID, Status string }
	s, b := r.call(t, "POST", "/api/v1/"+kind, r.admin, def)
	if json.Unmarshal(b, &v); s != 201 || v.Status != "draft" {
		t.Fatalf("define: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/"+kind+"/"+v.ID+"/activate", r.admin, ""); s != 200 || !strings.Contains(string(b), `"status":"active"`) {
		t.Fatalf("activate %s: %d %s", v.ID, s, b)
	}
}

// received returns, per campaign, the recipients (the shop's userIds) the receiver got.
func (r *campaignRig) received() map[string][]string {
	out := map[string][]string{}
	for _, m := range r.sink.Messages() {
		out[m.Campaign] = append(out[m.Campaign], m.Recipient)
	}
	return out
}

func onceCampaign(id, purpose string) string {
	return fmt.Sprintf(`{"id": %q, "name": "Test %s", "purpose": %q, "audience": {"segment": "viewers"}, "channel": {"type": "webhook"},
  "content": {"plain": {"body": "Spring sale 春季促销"}}, "schedule": {"kind": "once", "at": %q}}`,
		id, id, purpose, time.Now().UTC().Format(time.RFC3339))
}

// reportEntry is one entry of a transparency report, as far as these tests read it.
type reportEntry struct {
	Index    uint64
	Leaf     string
	Act      string
	Purpose  string
	Detail   map[string]string
	Proof    []string
	Audience *struct {
		Root      string
		Size      uint64
		Index     uint64
		Pseudonym string
		Proof     []string
	}
}

// reachedBy returns the campaigns whose sends the person's transparency report lists, each
// checked: the leaf is in the signed log and the person is in the audience the leaf commits
// to.
func (r *campaignRig) reachedBy(t *testing.T, user string) map[string]bool {
	t.Helper()
	var rep struct {
		Checkpoint struct {
			Size uint64
			Root string
		}
		Entries []reportEntry
	}
	s, b := r.call(t, "GET", "/api/v1/me/report", r.session(t, user), "")
	if s != 200 || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("report: %d %s", s, b)
	}
	logRoot, _ := base64.StdEncoding.DecodeString(rep.Checkpoint.Root)
	out := map[string]bool{}
	for _, e := range rep.Entries {
		if e.Act != "activation" || e.Detail["campaign"] == "" {
			continue
		}
		if e.Audience == nil {
			t.Fatalf("send leaf %d has no audience proof", e.Index)
		}
		if !verifyInclusion(e.Index, rep.Checkpoint.Size, []byte(e.Leaf), unb64(t, e.Proof), logRoot) {
			t.Fatalf("send leaf %d is not in the signed log", e.Index)
		}
		root, _ := base64.StdEncoding.DecodeString(e.Audience.Root)
		member := append([]byte("steward/audience\x00"), e.Audience.Pseudonym...)
		if !verifyInclusion(e.Audience.Index, e.Audience.Size, member, unb64(t, e.Audience.Proof), root) {
			t.Fatalf("send leaf %d: the person's audience proof does not verify", e.Index)
		}
		if strings.Contains(e.Leaf, user) {
			t.Fatalf("the leaf names the person: %s", e.Leaf)
		}
		out[e.Detail["campaign"]] = true
	}
	return out
}

// A privacy subscriber (signal.ad_free in the ledger) is skipped by an advertising
// campaign under the policy's reason ad_free_subscription and still receives a campaign
// that is not advertising; every send is a processing act the person reached sees in
// their transparency report with proofs that verify, and a person skipped does not (issue
// 19 item 5, issue 25). The unsubscribe link in a message, served at the public URL,
// records an objection (RFC 8058, PT-07) that stops the next campaign; a forged or altered
// link changes nothing.
func TestCampaignsReachSkipReportAndUnsubscribe(t *testing.T) {
	r := startCampaignApp(t, app.Options{})
	r.noQuietHours(t)
	ctx := context.Background()
	subscriber := r.shopper(t, "cmp-sub", "marketing.communications")
	r.shopper(t, "cmp-reg", "marketing.communications")
	if _, err := r.app.Ledger.Record(ctx, subscriber, []consent.Choice{{Key: consent.SignalAdFree, Granted: true}},
		consent.Meta{Method: store.MethodOperator, Actor: "system", Notice: consent.NoNotice}); err != nil {
		t.Fatal(err)
	}
	r.viewers(t, 2)
	r.launch(t, "campaigns", onceCampaign("ads", "marketing.advertising.first_party"))
	r.launch(t, "campaigns", onceCampaign("news", "marketing.communications"))
	ads := r.waitDecided(t, "campaigns", "ads", 2)
	news := r.waitDecided(t, "campaigns", "news", 2)

	if a := ads.Results; a.Delivered != 1 || a.Skipped["ad_free_subscription"] != 1 || len(a.Skipped) != 1 {
		t.Fatalf("advertising campaign: %+v, want 1 delivered and the subscriber skipped as ad_free_subscription", *a)
	}
	if n := news.Results; n.Delivered != 2 || len(n.Skipped) != 0 {
		t.Fatalf("campaign that is not advertising: %+v, want both delivered", *n)
	}
	got := r.received()
	if strings.Join(got["ads"], ",") != "cmp-reg" || len(got["news"]) != 2 {
		t.Fatalf("the receiver got %v", got)
	}
	for _, m := range r.sink.Messages() {
		if m.Label != "广告" || !strings.HasPrefix(m.Body, "【广告】") || !strings.Contains(m.Body, m.WhyURL) || !strings.HasPrefix(m.WhyURL, r.base+"/privacy/") {
			t.Fatalf("a marketing message must say it is an ad, who sent it and why: %+v", m)
		}
	}

	// The transparency report: the subscriber sees the campaign that reached them and not
	// the one that skipped them; the other shopper sees both.
	if got := r.reachedBy(t, "cmp-sub"); !got["news"] || got["ads"] {
		t.Fatalf("subscriber's report lists %v, want news only", got)
	}
	if got := r.reachedBy(t, "cmp-reg"); !got["news"] || !got["ads"] {
		t.Fatalf("shopper's report lists %v, want ads and news", got)
	}

	// The unsubscribe link of cmp-reg's message, at the public URL.
	var link string
	for _, m := range r.sink.Messages() {
		if m.Campaign == "news" && m.Recipient == "cmp-reg" {
			link = m.UnsubscribeURL
		}
	}
	if !strings.HasPrefix(link, r.base+"/unsubscribe?t=") {
		t.Fatalf("unsubscribe link %q is not at the public URL %s", link, r.base)
	}
	objected := func() (bool, string) {
		st, err := r.app.Ledger.Current(ctx, waitSubject(t, r.running, "cmp-reg"))
		if err != nil {
			t.Fatal(err)
		}
		e := st[consent.SignalObjectDirectMarketing]
		return e.Granted, e.Method
	}
	post := func(u string) int {
		res, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if ok, _ := objected(); res.StatusCode != 200 || !strings.Contains(string(page), "<form method=\"post\"") || ok {
		t.Fatalf("GET (a link scanner) must only show the form: %d, objected %v", res.StatusCode, ok)
	}
	u, _ := url.Parse(link)
	tok := u.Query().Get("t")
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, "v2."))
	raw[len(raw)/2] ^= 0x40
	for _, bad := range []string{"v2." + base64.RawURLEncoding.EncodeToString(raw), tok[:len(tok)-4], "v1.c3ViXzE.AAAA"} {
		if code := post(r.base + "/unsubscribe?t=" + url.QueryEscape(bad)); code != 400 {
			t.Fatalf("forged token %q: status %d, want 400", bad, code)
		}
	}
	if ok, _ := objected(); ok {
		t.Fatal("a forged unsubscribe link recorded an objection")
	}
	if code := post(link); code != 200 {
		t.Fatalf("one-click unsubscribe: status %d", code)
	}
	if ok, method := objected(); !ok || method != store.MethodUnsubscribe {
		t.Fatalf("after unsubscribing: objected %v, method %q", ok, method)
	}
	r.launch(t, "campaigns", strings.Replace(onceCampaign("news-2", "marketing.communications"), `"Test news-2"`, `"Next news"`, 1))
	n2 := r.waitDecided(t, "campaigns", "news-2", 2)
	if n := n2.Results; n.Delivered != 1 || n.Skipped["objected_direct_marketing"] != 1 {
		t.Fatalf("after the unsubscribe: %+v, want cmp-reg skipped as objected_direct_marketing", *n)
	}
	if got := r.received()["news-2"]; strings.Join(got, ",") != "cmp-sub" {
		t.Fatalf("after the unsubscribe the receiver got %v", got)
	}
}

// A person who withdraws between scheduling and sending is not contacted, through the
// real app: a triggered campaign schedules each person's delivery for three seconds after
// their checkout, durable in the job queue; one of them withdraws in the privacy center
// meanwhile; the send-time check skips them under the policy's reason (NC-04).
func TestCampaignWithdrawalBetweenSchedulingAndSending(t *testing.T) {
	r := startCampaignApp(t, app.Options{})
	r.noQuietHours(t)
	ctx := context.Background()
	r.shopper(t, "wd-stays", "marketing.communications")
	r.shopper(t, "wd-leaves", "marketing.communications")
	r.viewers(t, 2)
	r.launch(t, "campaigns", `{"id": "checkout-reminder", "purpose": "marketing.communications", "audience": {"segment": "viewers"},
  "channel": {"type": "webhook"}, "content": {"plain": {"body": "Your order is waiting 您的订单还没完成"}},
  "schedule": {"kind": "triggered", "event": "Checkout Started", "delay": "3s"}}`)
	now := time.Now().UTC()
	for _, u := range []string{"wd-stays", "wd-leaves"} {
		r.track(t, shopperBatch(u, "anon-"+u, now, `"type":"track","event":"Checkout Started","properties":{"order_id":"o-`+u+`","value":10}`))
	}
	// Scheduled: both deliveries wait in the queue.
	waitFor(t, func() bool {
		n, err := r.app.Jobs.Count(ctx, "campaign.deliver", jobs.StateScheduled, jobs.StateAvailable)
		return err == nil && n == 2
	}, "two scheduled deliveries")
	if s, b := r.call(t, "POST", "/api/v1/me/consents", r.session(t, "wd-leaves"), `{"purpose":"marketing.communications","granted":false}`); s != 204 {
		t.Fatalf("withdraw: %d %s", s, b)
	}
	d := r.waitDecided(t, "campaigns", "checkout-reminder", 2)
	if res := d.Results; res.Delivered != 1 || res.Skipped["no_consent"] != 1 {
		t.Fatalf("results %+v, want one delivered and the withdrawn person skipped as no_consent", *res)
	}
	if got := r.received()["checkout-reminder"]; strings.Join(got, ",") != "wd-stays" {
		t.Fatalf("the receiver got %v; wd-leaves withdrew and must not be contacted", got)
	}
	if got := r.reachedBy(t, "wd-leaves"); len(got) != 0 {
		t.Fatalf("the withdrawn person's report lists sends %v", got)
	}
}

var _ = channel.WebhookBody{}
