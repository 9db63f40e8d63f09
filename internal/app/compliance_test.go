package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/retention"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
	"github.com/stewardhq/steward/internal/transfer"
)

// clock is a fake clock the compliance services read (app.Options.Now).
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time            { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(days int)          { c.off.Store(int64(time.Duration(days) * 24 * time.Hour)) }
func backendsForApp() []string             { return []string{"sqlite", "postgres"} }
func dayOffset(d int) time.Duration        { return time.Duration(d) * 24 * time.Hour }
func ago(d time.Duration) string           { return time.Now().Add(-d).UTC().Format(time.RFC3339Nano) }
func quote(s string) string                { b, _ := json.Marshal(s); return string(b) }
func jsonOf(t *testing.T, b []byte, v any) { t.Helper(); mustJSON(t, b, v) }
func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
}

// startAppOn is startApp on a chosen backend with the compliance services on a fake clock.
func startAppOn(t *testing.T, backend string, c *clock) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if backend == "postgres" {
		cfg.DB = pgtest.Schema(t, pgtest.URL(t))
	}
	opt := app.Options{}
	if c != nil {
		opt.Now = c.now
	}
	a, err := app.OpenWith(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	tok, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.AdminTokenFile))
	key, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.WriteKeyFile))
	return &running{app: a, base: "http://" + ln.Addr().String(), admin: strings.TrimSpace(string(tok)), key: strings.TrimSpace(string(key))}
}

const consented = `"context":{"ip":"203.0.113.5","consent":{"categoryPreferences":{"Analytics":true,"Personalization":true,"Advertising":false,"ThirdPartySharing":false,"CrossBorder":false}}}`

// shop sends one person's identify, page view, product view and order, a day old.
func shop(t *testing.T, r *running, user string) {
	t.Helper()
	at := quote(ago(24 * time.Hour))
	r.track(t, `{"batch":[
		{"type":"identify","userId":"`+user+`","messageId":"`+user+`-1","timestamp":`+at+`,"traits":{"name":"Li Lei","email":"`+user+`@example.com","gender":"male","address":{"city":"上海"}},`+consented+`},
		{"type":"page","userId":"`+user+`","messageId":"`+user+`-2","timestamp":`+at+`,"name":"Home","properties":{"path":"/","title":"Home"},`+consented+`},
		{"type":"track","userId":"`+user+`","event":"Products Searched","messageId":"`+user+`-5","timestamp":`+at+`,"properties":{"query":"stroller"},`+consented+`},
		{"type":"track","userId":"`+user+`","event":"Product Viewed","messageId":"`+user+`-3","timestamp":`+at+`,"properties":{"product_id":"p1","sku":"S1","category":"toys"},`+consented+`},
		{"type":"track","userId":"`+user+`","event":"Order Completed","messageId":"`+user+`-4","timestamp":`+at+`,"properties":{"order_id":"o-`+user+`","revenue":99.5,"total":99.5},`+consented+`}]}`)
}

type exportDoc struct {
	Events []struct {
		Type, Name string
		Fields     map[string]any
	}
	Data []struct {
		Key           string
		RetentionDays int    `json:"retention_days"`
		OnExpiry      string `json:"on_expiry"`
	}
}

// held returns what the person's export holds: event name → fields.
func held(t *testing.T, r *running, tok string) (map[string]map[string]any, exportDoc) {
	t.Helper()
	s, b := r.call(t, "GET", "/api/v1/me/export", tok, "")
	if s != 200 {
		t.Fatalf("export: %d %s", s, b)
	}
	var d exportDoc
	jsonOf(t, b, &d)
	out := map[string]map[string]any{}
	for _, e := range d.Events {
		name := e.Type
		if e.Type == "track" {
			name = e.Name
		}
		out[name] = e.Fields
	}
	return out, d
}

func has(fields map[string]any, path string) bool {
	var cur any = fields
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[p]; !ok {
			return false
		}
	}
	return true
}

// profileOf is the person's analytics profile, once the engine holds their order.
func profileOf(t *testing.T, r *running, user string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, b := r.call(t, "GET", "/api/v1/subjects/"+user+"/profile?purpose=analytics.reporting", r.admin, "")
		if s == 200 && strings.Contains(string(b), "Order Completed") || time.Now().After(deadline) {
			return string(b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *running) runRetention(t *testing.T) retention.Report {
	t.Helper()
	s, b := r.call(t, "POST", "/api/v1/retention/runs", r.admin, "")
	if s != 200 {
		t.Fatalf("retention run: %d %s", s, b)
	}
	var rep retention.Report
	jsonOf(t, b, &rep)
	return rep
}

// Retention enforced (issue 26 item 1), on both stores, with a fake clock: fields go when
// no purpose that could read them may keep them (a product viewed at 180 days, the gender
// at 365), events when their longest-lived own field goes (a search at 90 days, a page view
// at 180, a product view at 365, an order at
// 1,095 — anonymised then, as the manifest says of purchase history); the profile follows;
// each pass is an audited act the person sees; legal-hold records stay untouched; and the
// person is told the enforced retention of each kind of their data.
func TestRetentionWithAFakeClock(t *testing.T) {
	for _, backend := range backendsForApp() {
		t.Run(backend, func(t *testing.T) {
			c := &clock{}
			r := startAppOn(t, backend, c)
			r.waitProfiles(t)
			ctx := context.Background()
			shop(t, r, "ret-1")
			shop(t, r, "ret-2")
			tok := r.session(t, "ret-1")
			// ret-2 erases their account: their orders go to the legal hold.
			sub2 := mustSubject(t, r, "ret-2")
			if s, b := r.call(t, "DELETE", "/api/v1/me", r.session(t, "ret-2"), ""); s != 200 {
				t.Fatalf("erase: %d %s", s, b)
			}
			hold := r.app.Rights.HoldPseudonym(sub2)
			heldBefore, err := r.app.Store.HeldRecords(ctx, hold)
			if err != nil || len(heldBefore) != 1 {
				t.Fatalf("legal hold before = %d, %v", len(heldBefore), err)
			}
			ev, doc := held(t, r, tok)
			if !has(ev["Products Searched"], "properties.query") || !has(ev["Product Viewed"], "properties.product_id") || !has(ev["identify"], "traits.gender") {
				t.Fatalf("fresh data incomplete: %v", ev)
			}
			// The person is told the enforced retention of each kind of their data.
			for _, d := range doc.Data {
				want := map[string]int{"user.behavior.browsing_history": 180, "user.behavior.search_history": 90, "user.demographic.gender": 365, "user.name": 1095}[d.Key]
				if want != 0 && d.RetentionDays != want {
					t.Errorf("inventory: %s kept %d days, want %d", d.Key, d.RetentionDays, want)
				}
				if d.Key == "user.behavior.purchase_history" && d.OnExpiry != "anonymise" {
					t.Errorf("inventory: purchase history then %q, want anonymise", d.OnExpiry)
				}
			}
			if p := profileOf(t, r, "ret-1"); !strings.Contains(p, `count(\"Product Viewed\", 7d)","value":1`) || !strings.Contains(p, `"gender":"male"`) {
				t.Fatalf("profile before retention: %s", p)
			}
			if rep := r.runRetention(t); rep.EventsDeleted+rep.EventsPruned != 0 {
				t.Fatalf("a day-old shop lost data: %+v", rep)
			}
			// Day 95: search history is past every purpose that could read it (90 days).
			c.advance(95)
			rep := r.runRetention(t)
			ev, _ = held(t, r, tok)
			if _, ok := ev["Products Searched"]; ok || rep.EventsDeleted != 1 || rep.ByKind["Products Searched"] != 1 || rep.EventsPruned != 0 ||
				!has(ev["page"], "properties.path") || !has(ev["Order Completed"], "properties.revenue") {
				t.Fatalf("day 95: %+v, events %v", rep, ev)
			}
			if again := r.runRetention(t); again.EventsPruned+again.EventsDeleted != 0 {
				t.Fatalf("a second pass on day 95 pruned again: %+v", again)
			}
			// Day 200: browsing history is past 180 days: the page view goes, the product
			// view loses its product and category but keeps what analytics may still read.
			c.advance(200)
			rep = r.runRetention(t)
			ev, _ = held(t, r, tok)
			if _, ok := ev["page"]; ok || rep.ByKind["page"] != 1 || rep.EventsPruned != 1 || has(ev["Product Viewed"], "properties.product_id") ||
				has(ev["Product Viewed"], "properties.category") || !has(ev["Product Viewed"], "properties.sku") {
				t.Fatalf("day 200: %+v, events %v", rep, ev)
			}
			// Day 400: the product view goes (analytics: 365 days), the gender too; the name
			// and the order stay for the contract (1,095 days). The profile follows.
			c.advance(400)
			rep = r.runRetention(t)
			ev, _ = held(t, r, tok)
			if _, ok := ev["Product Viewed"]; ok || has(ev["identify"], "traits.gender") || !has(ev["identify"], "traits.name") || !has(ev["Order Completed"], "properties.order_id") {
				t.Fatalf("day 400: %+v, events %v", rep, ev)
			}
			if p := profileOf(t, r, "ret-1"); strings.Contains(p, `Product Viewed`) || strings.Contains(p, `"gender"`) || !strings.Contains(p, `Order Completed`) {
				t.Fatalf("the profile still holds what retention deleted: %s", p)
			}
			// Day 1,100: nothing is left; the order leaves an anonymous aggregate.
			c.advance(1100)
			rep = r.runRetention(t)
			ev, _ = held(t, r, tok)
			if len(ev) != 0 || rep.EventsAnonymised != 1 {
				t.Fatalf("day 1100: %+v, events %v", rep, ev)
			}
			aggs, err := r.app.Store.Aggregates(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var orders, revenue float64
			for _, a := range aggs {
				if a.EventType == "Order Completed" && a.Field == "" {
					orders += float64(a.Count)
				}
				if a.EventType == "Order Completed" && a.Field == "properties.revenue" {
					revenue += a.Sum
				}
			}
			if orders != 1 || revenue != 99.5 {
				t.Fatalf("aggregates = %+v; want one order of 99.5", aggs)
			}
			// Legal hold untouched, 30 years or not.
			if after, err := r.app.Store.HeldRecords(ctx, hold); err != nil || len(after) != len(heldBefore) {
				t.Fatalf("legal hold after = %d, %v", len(after), err)
			}
			// Every pass is an audited act; the person sees those that touched them.
			s, b := r.call(t, "GET", "/api/v1/retention", r.admin, "")
			var st struct{ Runs []retention.Run }
			jsonOf(t, b, &st)
			if s != 200 || len(st.Runs) != 6 || st.Runs[0].Detail["events_anonymised"] != "1" {
				t.Fatalf("runs = %d %+v", s, st.Runs)
			}
			_, b = r.call(t, "GET", "/api/v1/me/report", tok, "")
			var report struct{ Entries []struct{ Act string } }
			jsonOf(t, b, &report)
			n := 0
			for _, e := range report.Entries {
				if e.Act == "retention" {
					n++
				}
			}
			if n != 4 {
				t.Fatalf("the person's report shows %d retention acts, want 4 (days 95, 200, 400, 1100)", n)
			}
			t.Logf("%s: day 95 pruned, day 200 page deleted, day 400 product view and gender gone, day 1100 order anonymised; %d passes audited", backend, len(st.Runs))
		})
	}
}

var _ = fmt.Sprint
var _ = dayOffset

// fakeEligibility lets everyone through the campaign's own checks (consent to the
// purpose, the third party): the transfer check under test comes after them.
type fakeEligibility struct{ emails map[string]string }

func (f fakeEligibility) Check(_ context.Context, ids []string, _ campaign.Query) ([]campaign.Decision, error) {
	out := make([]campaign.Decision, len(ids))
	for i, id := range ids {
		out[i] = campaign.Decision{Known: true, Allowed: true, ThirdParty: true, Contact: campaign.Contact{ID: id, Email: f.emails[id]}}
	}
	return out, nil
}

type fakeSegments struct{ members []string }

func (f fakeSegments) Members(context.Context, string) ([]string, error) {
	return slices.Clone(f.members), nil
}
func (f fakeSegments) Contains(_ context.Context, _ string, ids []string) ([]bool, error) {
	return make([]bool, len(ids)), nil
}

type platform struct{ added []string }

func (p *platform) SyncAudience(_ context.Context, _ string, add, _ []string) error {
	p.added = append(p.added, add...)
	return nil
}

// Transfers abroad refused without a valid mechanism or the person's separate consent
// (issue 26 item 2), on both stores: an anonymised export, an ad-audience sync and a
// (stubbed) clean-room partner job to Acme Analytics GmbH in Germany. With the mechanism
// in force, only the two people who gave separate consent go, and the register counts them.
func TestTransfersAbroadRefusedWithoutMechanismOrConsent(t *testing.T) {
	for _, backend := range backendsForApp() {
		t.Run(backend, func(t *testing.T) {
			r := startAppOn(t, backend, nil)
			r.waitProfiles(t)
			ctx := context.Background()
			users := []string{"tr-1", "tr-2", "tr-3", "tr-4"}
			var batch []string
			for _, u := range users {
				batch = append(batch, `{"type":"identify","userId":"`+u+`","traits":{"email":"`+u+`@example.com","address":{"city":"上海"}},"context":{"consent":{"categoryPreferences":{"Analytics":true}}}}`)
			}
			r.track(t, `{"batch":[`+strings.Join(batch, ",")+`]}`)
			subjects, emails := []string{}, map[string]string{}
			for i, u := range users {
				s := mustSubject(t, r, u)
				subjects, emails[s] = append(subjects, s), u+"@example.com"
				// tr-1 and tr-2 give separate consent to the transfer and the sharing; tr-3
				// only to the sharing; tr-4 to neither.
				for _, p := range [][]string{{"cross_border_transfer", "third_party_sharing"}, {"cross_border_transfer", "third_party_sharing"}, {"third_party_sharing"}, {}}[i] {
					{
						if err := r.app.Ledger.Separate(ctx, s, p, "Acme Analytics GmbH", true, consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject"}); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				r.call(t, "POST", "/api/v1/profiles/refresh", r.admin, "")
				if _, ok := r.app.Profiles.PersonOf(subjects[3], nil, nil); ok || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			spec := `{"purpose":"analytics.reporting","quasi_identifiers":["trait:address.city"],"k":2,"suppression":0,"recipient":"Acme Analytics GmbH"`
			// The export: only tr-1 and tr-2 may be in it.
			s, b := r.call(t, "POST", "/api/v1/anonymised-exports/preview", r.admin, spec+`}`)
			var pv anonPreview
			jsonOf(t, b, &pv)
			if s != 200 || pv.Population.Included != 2 || !strings.Contains(string(b), `"transfer:cross_border_needs_separate_consent","count":2`) {
				t.Fatalf("preview to Acme: %d %s", s, b)
			}
			s, b = r.call(t, "POST", "/api/v1/anonymised-exports", r.admin, spec+`,"preview_id":"`+pv.PreviewID+`"}`)
			if s != 200 {
				t.Fatalf("release to Acme: %d %s", s, b)
			}
			// The audience sync: the campaign's own checks pass everyone; the transfer check
			// keeps the two with separate consent.
			p := &platform{}
			svc, err := campaign.New(campaign.Config{Store: r.app.Store, Queue: r.app.Jobs, Eligibility: fakeEligibility{emails}, Segments: fakeSegments{subjects},
				Recorder: r.app.Recorder, Audiences: map[string]channel.AudiencePlatform{"acme-list": p}, Transfers: r.app.Transfers,
				Secret: []byte(strings.Repeat("s", 32)), QuietHours: &campaign.QuietHours{}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Define(ctx, []byte(`{"id":"acme-sync","purpose":"third_party_sharing","audience":{"segment":"all"},
				"channel":{"type":"ad_audience","destination":"acme-list","recipient":"Acme Analytics GmbH"},"schedule":{"kind":"recurring","every":"24h"}}`), "op"); err != nil {
				t.Fatal(err)
			}
			res, err := svc.SyncAudience(ctx, "acme-sync")
			if err != nil || res.Wanted != 2 || len(p.added) != 2 || res.Skipped["no_transfer_consent:cross_border_needs_separate_consent"] != 1 || res.Skipped["no_transfer_consent:no_consent"] != 1 {
				t.Fatalf("audience sync: %+v, %v, added %d", res, err, len(p.added))
			}
			// The partner job (a stub of the clean room's interface).
			job := func() ([]string, error) {
				dec, err := r.app.Transfers.Check(ctx, transfer.Request{Kind: transfer.KindPartnerJob, Recipient: "Acme Analytics GmbH", Purpose: "analytics.reporting",
					Subjects: subjects, Actor: "partner:acme"})
				return dec.Allowed, err
			}
			if sent, err := job(); err != nil || len(sent) != 2 {
				t.Fatalf("partner job: %v, %v", sent, err)
			}
			if dec, err := r.app.Transfers.Check(ctx, transfer.Request{Kind: transfer.KindPartnerJob, Recipient: "Acme Analytics GmbH", Purpose: "analytics.reporting",
				Subjects: subjects[2:], Actor: "partner:acme"}); !errors.Is(err, transfer.ErrNoConsent) {
				t.Fatalf("partner job with nobody's consent: %+v %v", dec, err)
			}
			var reg transfer.Register
			s, b = r.call(t, "GET", "/api/v1/transfers", r.admin, "")
			jsonOf(t, b, &reg)
			if s != 200 || reg.General != 2 || len(reg.Entries) != 3 {
				t.Fatalf("register: %d %s", s, b)
			}
			// The mechanism expires: a new manifest version says so (its facts for the
			// assessments do not change, so it publishes). Now nothing goes.
			expired := strings.Replace(strings.Replace(string(manifest.DefaultYAML()), "version: 1\n", "version: 2\n", 1), "valid_until: 2030-12-31", "valid_until: 2025-06-30", 1)
			if s, b := r.putYAML(t, expired); s != 201 {
				t.Fatalf("publish: %d %s", s, b)
			}
			if s, b := r.call(t, "POST", "/api/v1/anonymised-exports/preview", r.admin, spec+`}`); s != 403 || !strings.Contains(string(b), `"transfer_refused"`) || !strings.Contains(string(b), "expired on 2025-06-30") {
				t.Fatalf("export under an expired mechanism: %d %s", s, b)
			}
			if _, err := svc.SyncAudience(ctx, "acme-sync"); !errors.Is(err, transfer.ErrNoMechanism) {
				t.Fatalf("audience sync under an expired mechanism: %v", err)
			}
			if _, err := job(); !errors.Is(err, transfer.ErrNoMechanism) {
				t.Fatalf("partner job under an expired mechanism: %v", err)
			}
			if _, b := r.call(t, "GET", "/api/v1/transfers", r.admin, ""); !strings.Contains(string(b), `"in_force":false`) || !strings.Contains(string(b), "expired") {
				t.Fatalf("register after expiry: %s", b)
			}
			t.Logf("%s: with mechanism and consent 2 of 4 went (export, sync, partner job); expired mechanism refused all three", backend)
		})
	}
}

// riskScoring adds a purpose that makes automated decisions over financial data (sensitive).
func riskScoring(version int) string {
	doc := strings.Replace(string(manifest.DefaultYAML()), "version: 1\n", fmt.Sprintf("version: %d\n", version), 1)
	doc = strings.Replace(doc, "# Segment context.consent.categoryPreferences names → purposes.", `  risk.scoring:
    basis: contract
    retention_days: 180
    automated_decision: true
    statement:
      zh: 风险评分：根据支付方式自动评估订单的欺诈风险。
      en: "Risk scoring: assess each order's fraud risk automatically from how it is paid."

# Segment context.consent.categoryPreferences names → purposes.`, 1)
	return strings.Replace(doc, "  Checkout Started:\n", "  Checkout Started:\n    properties.payment_method: {category: user.financial, purposes: [risk.scoring]}\n", 1)
}

// A purpose that processes sensitive data and makes automated decisions cannot go live
// without an approved impact assessment (issue 26 item 3): the publish is refused naming
// it; a PIPIA drafted from the manifest to publish, reviewed, approved by a second person,
// lets it through; a year on, the re-check is drafted.
func TestPurposeRefusedUntilItsAssessmentIsApproved(t *testing.T) {
	c := &clock{}
	r := startAppOn(t, "sqlite", c)
	doc := riskScoring(2)
	s, b := r.putYAML(t, doc)
	if s != 409 || !strings.Contains(string(b), `"assessment_required"`) || !strings.Contains(string(b), "purpose risk.scoring (sensitive_data, automated_decision)") {
		t.Fatalf("publish without an assessment: %d %s", s, b)
	}
	if _, b := r.call(t, "GET", "/api/v1/manifest", r.admin, ""); !strings.Contains(string(b), `"seq":1`) {
		t.Fatalf("the refused manifest is in force: %s", b)
	}
	var need struct{ Needs []struct{ Purpose string } }
	_, b = r.call(t, "GET", "/api/v1/assessments", r.admin, "")
	jsonOf(t, b, &need)
	// Draft it from the manifest to publish.
	body, _ := json.Marshal(map[string]string{"kind": "pipia", "purpose": "risk.scoring", "manifest": doc})
	s, b = r.call(t, "POST", "/api/v1/assessments", r.admin, string(body))
	var v struct {
		ID, Status, Fingerprint string
		Content                 struct {
			Triggers   []string
			Categories []struct{ Key, Grade string }
			Impact     string
		}
	}
	jsonOf(t, b, &v)
	if s != 201 || v.Status != "draft" || strings.Join(v.Content.Triggers, ",") != "sensitive_data,automated_decision" || !strings.Contains(v.Content.Impact, "user.financial") {
		t.Fatalf("draft: %d %s", s, b)
	}
	if s, b := r.putYAML(t, doc); s != 409 {
		t.Fatalf("publish with a draft only: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/assessments/"+v.ID+"/approve", r.admin, `{}`); s != 409 {
		t.Fatalf("approve a draft: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/assessments/"+v.ID+"/review", r.admin, `{"note":"necessity checked"}`); s != 200 || !strings.Contains(string(b), `"reviewed"`) {
		t.Fatalf("review: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/assessments/"+v.ID+"/approve", r.admin, `{}`); s != 403 {
		t.Fatalf("approval by the reviewer: %d %s", s, b)
	}
	_, officer := r.operator(t, "pipo", auth.RolePrivacyOfficer)
	if s, b := r.call(t, "POST", "/api/v1/assessments/"+v.ID+"/approve", officer, `{"note":"approved"}`); s != 200 || !strings.Contains(string(b), `"approved"`) {
		t.Fatalf("approval: %d %s", s, b)
	}
	if s, b := r.putYAML(t, doc); s != 201 {
		t.Fatalf("publish with an approved assessment: %d %s", s, b)
	}
	// Unchanged facts publish without a new assessment (a retention change of the purpose).
	if s, b := r.putYAML(t, strings.Replace(riskScoring(3), "    retention_days: 180\n    automated_decision", "    retention_days: 90\n    automated_decision", 1)); s != 201 {
		t.Fatalf("publish with unchanged facts: %d %s", s, b)
	}
	// Changed facts need a new one: the purpose also reads health data now.
	changed := strings.Replace(riskScoring(4), "properties.payment_method: {category: user.financial, purposes: [risk.scoring]}",
		"properties.payment_method: {category: user.financial, purposes: [risk.scoring]}\n    properties.health_note: {category: user.health_and_medical, purposes: [risk.scoring]}", 1)
	if s, b := r.putYAML(t, changed); s != 409 || !strings.Contains(string(b), "risk.scoring") {
		t.Fatalf("publish with changed facts: %d %s", s, b)
	}
	// A year on (less 30 days), the yearly re-check is drafted, once.
	c.advance(340)
	for range 2 {
		if _, err := r.app.Assessments.Recheck(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	_, b = r.call(t, "GET", "/api/v1/assessments", r.admin, "")
	if n := strings.Count(string(b), `"recheck_of":"`+v.ID+`"`); n != 1 {
		t.Fatalf("re-checks drafted: %d in %s", n, b)
	}
	c.advance(366)
	if _, b := r.call(t, "GET", "/api/v1/assessments/"+v.ID, r.admin, ""); !strings.Contains(string(b), `"overdue":true`) {
		t.Fatalf("a year on, the approval is not overdue: %s", b)
	}
}

// The breach register (issue 26 item 4): an operator token leaked; the incident's scope is
// that operator's reads in a window; the register counts the people and categories from
// the audit log, drafts both notices in both languages, and refuses to mark a notice sent
// while any PIPL Art. 57 content is missing.
func TestIncidentComputedFromTheAuditLog(t *testing.T) {
	r := startApp(t)
	start := time.Now().Add(-time.Second).UTC()
	r.track(t, `{"batch":[{"type":"identify","userId":"inc-1","traits":{"email":"inc1@example.com","gender":"female"},"context":{"consent":{"categoryPreferences":{"Analytics":true}}}},
		{"type":"identify","userId":"inc-2","traits":{"email":"inc2@example.com"},"context":{"consent":{"categoryPreferences":{"Analytics":true}}}}]}`)
	leakedID, leaked := r.operator(t, "leaky", auth.RoleMarketer)
	if s, b := r.call(t, "GET", "/api/v1/subjects/inc-1/events?purpose=analytics.reporting", leaked, ""); s != 200 {
		t.Fatalf("read: %d %s", s, b)
	}
	r.call(t, "GET", "/api/v1/subjects/inc-2/events?purpose=analytics.reporting", r.admin, "") // someone else's read: not in scope
	body, _ := json.Marshal(map[string]any{"title": "Marketer token leaked", "discovered_at": time.Now().UTC(),
		"scope": map[string]any{"from": start, "to": time.Now().UTC().Add(time.Second), "actors": []string{leakedID}, "acts": []string{"read"}}})
	s, b := r.call(t, "POST", "/api/v1/incidents", r.admin, string(body))
	var v struct {
		ID         string
		Affected   int
		Categories []string
		Missing    []string
		Notices    struct{ Regulator, Individual map[string]string }
	}
	jsonOf(t, b, &v)
	if s != 201 || v.Affected != 1 || len(v.Categories) == 0 || strings.Join(v.Missing, ",") != "cause,harm,measures,remedies" {
		t.Fatalf("incident: %d %s", s, b)
	}
	if !strings.Contains(v.Notices.Regulator["zh-CN"], "受影响人数（依据审计日志统计）：1") || !strings.Contains(v.Notices.Regulator["en"], "People affected (counted from the audit log): 1") ||
		!strings.Contains(v.Notices.Individual["zh-CN"], "【待填写：原因】") || !strings.Contains(v.Notices.Individual["en"], "pipo@shop.example.com") {
		t.Fatalf("notices: %+v", v.Notices)
	}
	if s, b := r.call(t, "POST", "/api/v1/incidents/"+v.ID, r.admin, `{"notified":"regulator"}`); s != 422 || !strings.Contains(string(b), "cause, harm, measures, remedies") {
		t.Fatalf("notify without the Art. 57 contents: %d %s", s, b)
	}
	s, b = r.call(t, "POST", "/api/v1/incidents/"+v.ID, r.admin, `{"cause":"a token pasted in a public chat","harm":"contact details may be used for phishing",
		"measures":"token revoked within the hour; reads reviewed","remedies":"ignore messages asking for payment details","notified":"regulator"}`)
	if s != 200 || !strings.Contains(string(b), `"status":"notified"`) || !strings.Contains(string(b), "token revoked within the hour") {
		t.Fatalf("notify: %d %s", s, b)
	}
	subs, gone, err := r.app.Incidents.Affected(context.Background(), v.ID)
	if err != nil || len(subs) != 1 || subs[0] != mustSubject(t, r, "inc-1") || gone != 0 {
		t.Fatalf("affected = %v, %d, %v", subs, gone, err)
	}
}
