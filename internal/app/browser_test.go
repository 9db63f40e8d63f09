package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/config"
)

// running is a full Steward on a loopback port.
type running struct {
	app   *app.App
	base  string
	admin string
	key   string
}

func startApp(t *testing.T) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
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

func (r *running) call(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, r.base+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (r *running) track(t *testing.T, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", r.base+"/v1/batch", strings.NewReader(body))
	req.SetBasicAuth(r.key, "")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", res.StatusCode, b)
	}
}

// page wraps a browser tab with fail-fast helpers for the chromedp v0.23 API.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

func (p page) text(sel string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

func evalJS[T any](p page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// The console and the privacy center load in both languages and find their headings; the
// console signs in, shows only the screens the token's role may open, and creates a source.
func TestConsoleAndPrivacyCenterInBrowser(t *testing.T) {
	r := startApp(t)
	p := page{t, browsertest.New(t)}

	for _, c := range []struct{ lang, console, privacy string }{
		{"en", "Steward console", "My privacy"},
		{"zh-CN", "Steward 控制台", "我的隐私"},
	} {
		p.do(chromedp.Navigate(r.base + "/console/?lang=" + c.lang))
		h1 := p.text("#title")
		p.do(chromedp.Navigate(r.base + "/privacy/?lang=" + c.lang))
		h2 := p.text("#title")
		if h1 != c.console || h2 != c.privacy {
			t.Fatalf("%s headings = %q, %q", c.lang, h1, h2)
		}
	}
	const nav = `[...document.querySelectorAll('#nav-list a')].map(a => a.dataset.screen).join(',')`

	// Admin: every screen; create a source and see its write key once.
	p.do(chromedp.Navigate(r.base+"/console/?lang=en"),
		chromedp.SendKeys(css("#token"), r.admin),
		chromedp.Click(css("#signin-submit")))
	name := p.text("#operator-name")
	navAdmin := evalJS[string](p, nav)
	p.do(chromedp.Click(css("#nav-sources")),
		chromedp.WaitVisible(css("#source-name")),
		chromedp.SendKeys(css("#source-name"), "web shop"),
		chromedp.Click(css("#source-create")))
	key := p.text("#write-key")
	if name != "admin" || !strings.HasPrefix(key, "stw_wk_") || navAdmin != "overview,sources,operators,privacy_manifest,consent,rights,tags,segments,anonymise,algorithms,pricing,people,campaigns,dp,compliance,cleanroom" {
		t.Fatalf("admin console: name %q key %q nav %v", name, key, navAdmin)
	}

	// A marketer does not see the operators screen.
	ctxb := context.Background()
	op, err := r.app.Auth.CreateOperator(ctxb, "mia", auth.RoleMarketer)
	if err != nil {
		t.Fatal(err)
	}
	mt, _, err := r.app.Auth.IssueToken(ctxb, op.ID, "console", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Click(css("#signout")),
		chromedp.WaitVisible(css("#token")),
		chromedp.SendKeys(css("#token"), mt),
		chromedp.Click(css("#signin-submit")),
		chromedp.WaitVisible(css("#operator-name")))
	if got := evalJS[string](p, nav); got != "overview,sources,privacy_manifest,consent,tags,segments,algorithms,pricing,people,campaigns,dp,cleanroom" {
		t.Fatalf("marketer sees %v", got)
	}

	// A bad token is refused with a message in the page's language.
	p.do(chromedp.Click(css("#signout")),
		chromedp.WaitVisible(css("#token")), // the sign-out reload has finished
		chromedp.Navigate(r.base+"/console/?lang=zh-CN"),
		chromedp.WaitVisible(css("#token")),
		chromedp.SendKeys(css("#token"), "stw_op_nope"),
		chromedp.Click(css("#signin-submit")))
	if refusal := p.text("#signin-error"); !strings.Contains(refusal, "令牌无效") {
		t.Fatalf("refusal = %q", refusal)
	}

	// The privacy center opens signed in from a minted session URL, and the token leaves
	// the address bar.
	r.track(t, `{"batch":[{"type":"identify","userId":"shopper-1","traits":{"email":"li.na@example.com","name":"李娜"}}]}`)
	status, body := r.call(t, "POST", "/api/v1/subjects/shopper-1/sessions", r.admin, "")
	if status != 201 {
		t.Fatalf("mint: %d %s", status, body)
	}
	var minted struct{ URL string }
	json.Unmarshal(body, &minted)
	p.do(chromedp.Navigate(minted.URL), chromedp.WaitVisible(css("#center")))
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(loc, "token=") || !evalJS[bool](p, `document.getElementById('signedout').hidden`) {
		t.Fatalf("privacy center: location %q", loc)
	}
	sub, err := subjectsOf(r).SubjectForUserID(ctxb, "shopper-1")
	if err != nil {
		t.Fatal(err)
	}
	// Granting and withdrawing are the same single click; the ledger records both.
	p.do(chromedp.Click(css("#consent-analytics-reporting")),
		chromedp.WaitVisible(css(`#consent-analytics-reporting[aria-pressed="true"]`)))
	if st, _ := r.app.Ledger.State(ctxb, sub); !st.Granted("analytics.reporting") {
		t.Fatal("grant from the privacy center not recorded")
	}
	p.do(chromedp.Click(css("#consent-analytics-reporting")),
		chromedp.WaitVisible(css(`#consent-analytics-reporting[aria-pressed="false"]`)))
	if st, _ := r.app.Ledger.State(ctxb, sub); st.Granted("analytics.reporting") {
		t.Fatal("withdrawal from the privacy center not recorded")
	}
	// Turn off personalisation, at the top of the page.
	p.do(chromedp.Click(css("#personalisation-toggle")))
	for i := 0; i < 50; i++ {
		if st, _ := r.app.Ledger.State(ctxb, sub); st.Granted("signal.personalisation_off") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st, _ := r.app.Ledger.State(ctxb, sub); !st.Granted("signal.personalisation_off") {
		t.Fatal("personalisation off not recorded")
	}
	// My data lists what is held (the identify's email and name) in the page's language.
	p.do(chromedp.Navigate(r.base+"/privacy/?lang=zh-CN"), chromedp.WaitVisible(css("#data-table tbody tr")))
	inv := evalJS[string](p, `document.querySelector('#data-table tbody').innerText`)
	if !strings.Contains(inv, "电子邮箱") || !strings.Contains(inv, "姓名") || strings.Contains(inv, "email address") {
		t.Fatalf("zh-CN inventory = %q", inv)
	}

	// The console's consent screen charts those choices and finds them in the ledger.
	p.do(chromedp.Navigate(r.base+"/console/?lang=en"),
		chromedp.SendKeys(css("#token"), r.admin),
		chromedp.Click(css("#signin-submit")),
		chromedp.WaitVisible(css("#nav-consent")),
		chromedp.Click(css("#nav-consent")),
		chromedp.WaitVisible(css(`svg[data-purpose="analytics.reporting"]`)))
	label := evalJS[string](p, `document.querySelector('svg[data-purpose="analytics.reporting"]').getAttribute('aria-label')`)
	if !strings.Contains(label, "1 granted, 1 withdrawn") {
		t.Fatalf("chart label = %q", label)
	}
	p.do(chromedp.SendKeys(css("#ledger-user"), "shopper-1"), chromedp.Click(css("#ledger-find")), chromedp.WaitVisible(css("#ledger-table tbody tr")))
	ledger := evalJS[string](p, `document.getElementById('ledger-table').innerText`)
	if !strings.Contains(ledger, "analytics.reporting") || !strings.Contains(ledger, "privacy_center") || !strings.Contains(ledger, "signal.personalisation_off") {
		t.Fatalf("ledger = %q", ledger)
	}
}

func subjectsOf(r *running) interface {
	SubjectForUserID(context.Context, string) (string, error)
} {
	return r.app
}
