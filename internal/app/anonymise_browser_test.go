package app_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/browsertest"
)

// The console's anonymised-export screen on the demo shop (issue 21 item 3 acceptance): a
// privacy officer picks the purpose, quasi-identifiers and sensitive attribute, previews,
// and sees the risk report — before and after, in plain English and Chinese — and the
// level each column is generalised to before anything is released; a model that cannot be
// met shows the server's refusal; editing after a preview asks for a new one; the release
// downloads the file and names its audit entry. Screenshots at 1400×1000 and 390×844.
func TestConsoleAnonymisedExport(t *testing.T) {
	r := startApp(t)
	r.seedDemo(t, 300)
	officer := r.roleTokens(t)[auth.RolePrivacyOfficer]

	p := page{t, browsertest.New(t)}
	p.do(chromedp.EmulateViewport(1400, 1000),
		chromedp.Navigate(r.base+"/console/?lang=en"),
		chromedp.SendKeys(css("#token"), officer),
		chromedp.Click(css("#signin-submit")),
		chromedp.WaitVisible(css("#nav-anonymise")),
		chromedp.Click(css("#nav-anonymise")))
	waitJS(p, `document.querySelector('#anon-form input[data-column="trait:address.city"]')`, `document.getElementById('app').innerText`, 15*time.Second)
	if got := evalJS[string](p, `document.getElementById('anon-purpose').value`); got != "analytics.reporting" {
		t.Fatalf("purpose %q", got)
	}
	if evalJS[int](p, `document.querySelectorAll('#anon-form input[data-column="trait:email"], #anon-form input[data-column="tag:likely_to_buy"]').length`) != 0 {
		t.Fatal("the screen offers a column analytics may not read")
	}
	if evalJS[bool](p, `!!document.getElementById('anon-release').disabled`) != true {
		t.Fatal("release is possible before a preview")
	}

	// A model the data cannot meet: the server's refusal, naming it.
	for _, col := range []string{"trait:address.city", "tag:recent_buyer"} {
		p.do(chromedp.Click(css(`#anon-form input[data-column="` + col + `"]`)))
	}
	p.do(chromedp.SetValue(css("#anon-sensitive"), `attribute:count("Order Completed", 90d)`),
		chromedp.SetValue(css("#anon-k"), "5000"), chromedp.Click(css("#anon-preview")), chromedp.WaitVisible(css("#anon-error")))
	if e := p.text("#anon-error"); !strings.Contains(e, "5000-anonymity cannot be met within the suppression limit of 5%") {
		t.Fatalf("refusal shown: %q", e)
	}

	p.do(chromedp.SetValue(css("#anon-k"), "5"), chromedp.Click(css("#anon-preview")), chromedp.WaitVisible(css("#anon-risk")))
	waitJS(p, `!document.getElementById('anon-release').disabled`, `document.getElementById('anon-status').textContent`, 10*time.Second)
	after := p.text(`#anon-risk tr[data-risk="highest"] td.after`)
	before := p.text(`#anon-risk tr[data-risk="highest"] td.before`)
	if before != "100.0% (1 in 1)" || !strings.Contains(after, "(1 in ") {
		t.Fatalf("highest risk before %q after %q", before, after)
	}
	en, zh := p.text("#anon-summary-en"), p.text("#anon-summary-zh-CN")
	if !strings.Contains(en, "Of 183 records") || !strings.Contains(zh, "共 183 条记录") {
		t.Fatalf("summaries: %q / %q", en, zh)
	}
	if pop := p.text("#anon-population"); !strings.Contains(pop, "People considered 300 · included 183 · left out: their choices do not allow this purpose 117") {
		t.Fatalf("population: %q", pop)
	}
	// 183 shoppers in some sixty cities: 5-anonymity takes cities up to their continent.
	city := p.text(`#anon-columns tr[data-column="trait:address.city"]`)
	if !strings.Contains(city, "value → province → region → country → continent → *") || p.text(`#anon-columns tr[data-column="trait:address.city"] td.level`) != "continent" {
		t.Fatalf("city row: %q", city)
	}
	t.Logf("city generalised to %q, recent_buyer to %q; after: %s", p.text(`#anon-columns tr[data-column="trait:address.city"] td.level`),
		p.text(`#anon-columns tr[data-column="tag:recent_buyer"] td.level`), after)
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('anon-report').scrollIntoView()`))
	browsertest.Screenshot(t, p.ctx, "anonymise-report-1400x1000", 1400, 1000)
	browsertest.Screenshot(t, p.ctx, "anonymise-report-390x844", 390, 844)
	if w := evalJS[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		t.Errorf("the screen is %d px wider than a 390 px phone", w)
	}
	p.do(chromedp.EmulateViewport(1400, 1000))

	// Editing after a preview withdraws the release button until the next preview.
	p.do(chromedp.SetValue(css("#anon-suppression"), "2"))
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('anon-suppression').dispatchEvent(new Event('input', {bubbles: true}))`))
	if !evalJS[bool](p, `document.getElementById('anon-release').disabled`) {
		t.Fatal("release stays possible after the request changed")
	}
	p.do(chromedp.SetValue(css("#anon-suppression"), "5"), chromedp.Click(css("#anon-preview")))
	waitJS(p, `!document.getElementById('anon-release').disabled`, `document.getElementById('anon-status').textContent`, 10*time.Second)

	p.do(chromedp.Click(css("#anon-release")), chromedp.WaitVisible(css("#anon-download")))
	st := p.text("#anon-status")
	if !strings.Contains(st, "Released and recorded: records 183 · audit entry #") || !strings.HasSuffix(p.text("#anon-download"), ".csv") {
		t.Fatalf("status after release: %q", st)
	}
	var leaf uint64
	fmt.Sscanf(st[strings.Index(st, "#")+1:], "%d", &leaf)
	if status, body := r.call(t, "GET", fmt.Sprintf("/api/v1/audit/leaves/%d", leaf), r.admin, ""); status != 200 || !strings.Contains(string(body), `anonymised_release`) {
		t.Fatalf("audit leaf %d: %d %s", leaf, status, body)
	}

	// The same screen in Chinese.
	p.do(chromedp.Navigate(r.base+"/console/?lang=zh-CN"), chromedp.WaitVisible(css("#nav-anonymise")), chromedp.Click(css("#nav-anonymise")),
		chromedp.WaitVisible(css(`#anon-form input[data-column="trait:address.city"]`)))
	for _, col := range []string{"trait:address.city", "trait:createdAt", "tag:recent_buyer"} {
		p.do(chromedp.Click(css(`#anon-form input[data-column="` + col + `"]`)))
	}
	p.do(chromedp.Click(css("#anon-preview")), chromedp.WaitVisible(css("#anon-risk")))
	if lv := p.text(`#anon-columns tr[data-column="trait:createdAt"]`); !strings.Contains(lv, "原值 → 日 → 月 → 季度 → 年 → *") {
		t.Fatalf("createdAt row: %q", lv)
	}
	if h := p.text(`#anon-risk thead`); !strings.Contains(h, "匿名化前") || !strings.Contains(h, "匿名化后") {
		t.Fatalf("zh-CN risk table: %q", h)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('anon-report').scrollIntoView()`))
	browsertest.Screenshot(t, p.ctx, "anonymise-report-zh-1400x1000", 1400, 1000)
}

// The same screen against a running `steward demo` (5,000 shoppers), for the acceptance
// screenshots: STEWARD_DEMO_URL (e.g. http://127.0.0.1:8080) and STEWARD_DEMO_TOKEN (the
// admin token file's content) select it; otherwise it skips.
func TestConsoleAnonymisedExportOnRunningDemo(t *testing.T) {
	base, token := os.Getenv("STEWARD_DEMO_URL"), os.Getenv("STEWARD_DEMO_TOKEN")
	if base == "" || token == "" {
		t.Skip("set STEWARD_DEMO_URL and STEWARD_DEMO_TOKEN to drive a running steward demo")
	}
	p := page{t, browsertest.New(t)}
	p.do(chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(base+"/console/?lang=en"), chromedp.SendKeys(css("#token"), token),
		chromedp.Click(css("#signin-submit")), chromedp.WaitVisible(css("#nav-anonymise")), chromedp.Click(css("#nav-anonymise")))
	waitJS(p, `document.querySelector('#anon-form input[data-column="trait:address.city"]')`, `document.getElementById('app').innerText`, 15*time.Second)
	for _, col := range []string{"trait:address.city", "trait:createdAt", "tag:recent_buyer"} {
		p.do(chromedp.Click(css(`#anon-form input[data-column="` + col + `"]`)))
	}
	p.do(chromedp.SetValue(css("#anon-sensitive"), `attribute:count("Order Completed", 90d)`), chromedp.Click(css("#anon-preview")),
		chromedp.WaitVisible(css("#anon-risk")))
	t.Logf("%s; %s; after: %s", p.text("#anon-population"), p.text("#anon-models"), p.text(`#anon-risk tr[data-risk="highest"] td.after`))
	t.Logf("levels: city %s, createdAt %s", p.text(`#anon-columns tr[data-column="trait:address.city"] td.level`), p.text(`#anon-columns tr[data-column="trait:createdAt"] td.level`))
	if after := p.text(`#anon-risk tr[data-risk="highest"] td.after`); !strings.Contains(after, "(1 in ") {
		t.Fatalf("highest risk after: %q", after)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('anon-report').scrollIntoView()`))
	browsertest.Screenshot(t, p.ctx, "demo-anonymise-report-1400x1000", 1400, 1000)
	browsertest.Screenshot(t, p.ctx, "demo-anonymise-report-390x844", 390, 844)
	p.do(chromedp.EmulateViewport(1400, 1000), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	browsertest.Screenshot(t, p.ctx, "demo-anonymise-form-1400x1000", 1400, 1000)
}
