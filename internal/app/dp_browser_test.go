package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/demo"
)

// setSelect picks a value in a select and tells the page, as a person choosing it would.
func setSelect(p page, id, value string) {
	p.t.Helper()
	if !evalJS[bool](p, fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change")); return s.value === %q; })()`, id, value, value)) {
		p.t.Fatalf("select %s has no option %q", id, value)
	}
}

// The console's differential-privacy screen on a demo shop: each budget a gauge, a report
// priced first (its expected error shown, nothing charged) then released, and the release
// drawn as a chart with axes, units and one error bar per cell (its 95% interval); in both
// languages, at desktop and phone widths (issue 20 item 4).
func TestConsoleDPScreen(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	r.seedDemoWith(t, demo.Config{Seed: 3, Subjects: 200, Months: 1, Now: time.Now().UTC().Add(-time.Minute)})
	if status, body := r.call(t, "POST", "/api/v1/privacy-budgets", r.admin, `{"name":"growth","consumer":"growth team","epsilon":3,"delta":1e-6,"period":"30d"}`); status != 201 {
		t.Fatalf("budget: %d %s", status, body)
	}
	to := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	keys, _ := json.Marshal(analyticsEvents)
	if status, body := r.reportWhenReady(t, r.admin, fmt.Sprintf(`{"budget":"growth","purpose":"analytics.reporting","measure":"count","group_by":["event"],"public_keys":{"event":%s},"from":%q,"to":%q,"epsilon":0.5}`,
		keys, to.AddDate(0, 0, -30).Format(time.RFC3339), to.Format(time.RFC3339))); status != 201 {
		t.Fatalf("report: %d %s", status, body)
	}

	p := page{t, browsertest.New(t)}
	p.do(chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(r.base+"/console/?lang=en"),
		chromedp.SendKeys(css("#token"), r.admin), chromedp.Click(css("#signin-submit")))
	waitJS(p, `document.getElementById('nav-dp') !== null`, `document.getElementById('nav-list').textContent + ' / ' + Object.keys(window.steward.screens).join(',') + ' / ' + document.body.innerText.slice(0, 300)`, 10*time.Second)
	p.do(chromedp.Click(css("#nav-dp")))
	waitJS(p, `document.querySelector('#dp-budgets figure[data-budget="growth"] svg.gauge') !== null`, `document.getElementById('screen').textContent.slice(0, 600)`, 10*time.Second)
	gauge := evalJS[string](p, `document.querySelector('#dp-budgets figure[data-budget="growth"]').textContent`)
	label := evalJS[string](p, `document.querySelector('#dp-budgets figure[data-budget="growth"] svg').getAttribute('aria-label')`)
	if !strings.Contains(gauge, "17%") || !strings.Contains(gauge, "ε 0.5 / 3") || !strings.Contains(gauge, "30d · releases: 1") || !strings.Contains(label, "(17%)") {
		t.Fatalf("gauge shows %q (%q)", gauge, label)
	}

	// Price a report (events per day over 30 days), then release it.
	waitJS(p, `document.getElementById('report-group1').options.length > 4`, `document.getElementById('report-fields').textContent`, 5*time.Second)
	setSelect(p, "report-measure", "count")
	setSelect(p, "report-group1", "day")
	setSelect(p, "report-range", "30")
	p.do(chromedp.Click(css("#report-dry")), chromedp.WaitVisible(css("#report-expect")))
	expect := p.text("#report-preview")
	if !strings.Contains(expect, "Each value within ±") || !strings.Contains(expect, "Costs ε 0.5") || !strings.Contains(expect, "Left afterwards: ε 2") ||
		!strings.Contains(expect, "can pay") || evalJS[bool](p, `document.getElementById('report-run').disabled`) {
		t.Fatalf("dry run shows %q", expect)
	}
	evalJS[bool](p, `document.getElementById('report-preview').scrollIntoView(); true`)
	browsertest.Screenshot(t, p.ctx, "dp-en-1400-dryrun", 1400, 1000)
	if _, body := r.call(t, "GET", "/api/v1/privacy-budgets", r.admin, ""); !strings.Contains(string(body), `"charges":1`) {
		t.Fatalf("the dry run charged: %s", body)
	}
	p.do(chromedp.Click(css("#report-run")))
	waitJS(p, `document.getElementById('dp-status').textContent.startsWith('Released rel_')`, `document.getElementById('screen').textContent.slice(0, 400)`, 10*time.Second)
	// The newest release is first: 30 days, a bar and an error bar per day, axes with units.
	const fig = `document.querySelector('#dp-releases figure.release')`
	bars := evalJS[int](p, fig+`.querySelectorAll('rect.bar').length`)
	errs := evalJS[int](p, fig+`.querySelectorAll('path.errorbar').length`)
	texts := evalJS[string](p, `[...`+fig+`.querySelectorAll('svg text')].map(t => t.textContent).join('|')`)
	if bars != 30 || errs != 30 || !strings.Contains(texts, "events (bars: 95% confidence intervals)") || !strings.Contains(texts, "day (UTC)") {
		t.Fatalf("chart: %d bars, %d error bars, texts %q", bars, errs, texts)
	}
	// Every error bar spans its cell's interval around the bar's value.
	if !evalJS[bool](p, `[...`+fig+`.querySelectorAll('rect.bar title')].every(t => /\[.*, .*\]/.test(t.textContent))`) {
		t.Fatal("bars do not name their intervals")
	}
	if g := evalJS[string](p, `document.querySelector('#dp-budgets figure[data-budget="growth"]').textContent`); !strings.Contains(g, "ε 1 / 3") {
		t.Fatalf("gauge after the release: %q", g)
	}
	// Asking more than is left: the preview says so and the release stays disabled.
	p.do(chromedp.SetValue(css("#report-epsilon"), "5"))
	setSelect(p, "report-range", "7")
	p.do(chromedp.Click(css("#report-dry")), chromedp.WaitVisible(css("#report-verdict")))
	if v := p.text("#report-verdict"); !strings.Contains(v, "overspend") || !evalJS[bool](p, `document.getElementById('report-run').disabled`) {
		t.Fatalf("overspending dry run: %q", v)
	}

	shoot := func(name string, w, h int64) {
		t.Helper()
		p.do(chromedp.EmulateViewport(w, h), chromedp.Click(css("#nav-dp")), chromedp.WaitVisible(css(`#dp-releases figure.release svg.chart`)))
		browsertest.Screenshot(t, p.ctx, name+"-top", w, h)
		evalJS[bool](p, `document.querySelector('#dp-releases figure.release').scrollIntoView(); true`)
		browsertest.Screenshot(t, p.ctx, name+"-chart", w, h)
		// Nothing wider than the screen: the chart is drawn for the width it has.
		if sw := evalJS[int](p, `document.documentElement.scrollWidth`); sw > int(w) {
			t.Fatalf("%s: the page is %d px wide on a %d px screen", name, sw, w)
		}
	}
	shoot("dp-en-1400", 1400, 1000)
	shoot("dp-en-390", 390, 844)
	p.do(chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(r.base+"/console/?lang=zh-CN"), chromedp.WaitVisible(css("#nav-dp")))
	shoot("dp-zh-CN-1400", 1400, 1000)
	if texts := evalJS[string](p, `[...document.querySelectorAll('#dp-releases figure.release svg text')].map(t => t.textContent).join('|')`); !strings.Contains(texts, "日期（UTC）") || !strings.Contains(texts, "事件数（误差线：95% 置信区间）") {
		t.Fatalf("zh-CN chart texts %q", texts)
	}
	shoot("dp-zh-CN-390", 390, 844)
}
