package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/demo"
)

// The console's campaigns screen, in English and Chinese, on the demo shop after its
// journey ran: campaigns and journeys listed with their status, the journey's funnel as a
// chart with readable stage labels, an axis and its unit, who was skipped and why, held out
// against sent; a definition with a mistake refused with its line, column and JSON
// pointer; pause and activate. Screenshots at 1400×1000 and 390×844 in both languages.
func TestConsoleCampaignsScreen(t *testing.T) {
	r, _, _, _, _ := runDemoJourney(t)
	// A campaign besides the journey: the shop's own offer to everyone who viewed a product
	// (the daily caps meet the journey's messages of the same day).
	if s, b := r.call(t, "POST", "/api/v1/segments", r.admin, `{"name":"viewers","expression":"count(\"Product Viewed\", 30d) >= 1","purpose":"marketing.advertising.profiling"}`); s != 201 {
		t.Fatalf("segment: %d %s", s, b)
	}
	r.launch(t, "campaigns", `{"id": "weekend-offer", "name": "Weekend offer · 周末优惠", "purpose": "marketing.advertising.first_party",
  "audience": {"segment": "viewers"}, "channel": {"type": "webhook"}, "holdout": 0.2, "conversion": {"event": "Order Completed", "window": "7d"},
  "content": {"plain": {"body": "周末全场包邮 Free delivery this weekend"}}, "schedule": {"kind": "once", "at": "2026-01-01T10:00:00+08:00"}}`)
	r.waitDecided(t, "campaigns", "weekend-offer", 1)
	p := page{t, browsertest.New(t)}
	p.do(chromedp.Navigate(r.base+"/console/?lang=en"),
		chromedp.SendKeys(css("#token"), r.admin),
		chromedp.Click(css("#signin-submit")),
		chromedp.WaitVisible(css("#nav-campaigns")),
		chromedp.Click(css("#nav-campaigns")))
	waitJS(p, `document.querySelector('#campaign-funnel')`, `document.querySelector('#screen').innerText`, 10*time.Second)
	row := p.text(`#journeys-table tr[data-id="` + demo.JourneyID + `"]`)
	for _, want := range []string{"Cart rescue", "marketing.advertising.first_party", "webhook · event:Product Added", "active", "Pause"} {
		if !strings.Contains(row, want) {
			t.Fatalf("journey row lacks %q: %q", want, row)
		}
	}
	if c := p.text(`#campaigns-table tr[data-id="weekend-offer"]`); !strings.Contains(c, "active") {
		t.Fatalf("campaign row: %q", c)
	}
	funnel := evalJS[string](p, `document.querySelector('#campaign-funnel').getAttribute('aria-label')`)
	for _, want := range []string{"Audience", "Eligible", "Sent", "Delivered", "Converted"} {
		if !strings.Contains(funnel, want) {
			t.Fatalf("funnel lacks the stage %q: %q", want, funnel)
		}
	}
	if u := evalJS[string](p, `document.querySelector('#campaign-funnel .axis-unit').textContent`); u != "people" {
		t.Fatalf("funnel axis unit %q", u)
	}
	skips := evalJS[string](p, `document.querySelector('#campaign-skips').getAttribute('aria-label')`)
	for _, want := range []string{"Minor: no marketing", "No consent (never given or withdrawn)", "Personalisation switched off"} {
		if !strings.Contains(skips, want) {
			t.Fatalf("skip chart lacks %q: %q", want, skips)
		}
	}
	if h := evalJS[string](p, `document.querySelector('#campaign-holdout').getAttribute('aria-label')`); !strings.Contains(h, "Held out") || !strings.Contains(h, "Sent") {
		t.Fatalf("holdout chart: %q", h)
	}
	// Each size renders the screen anew, as a phone would: charts are drawn for the width
	// they get.
	shoot := func(lang string) {
		for _, size := range [][2]int64{{1400, 1000}, {390, 844}} {
			p.do(chromedp.EmulateViewport(size[0], size[1]), chromedp.Click(css("#nav-campaigns")))
			waitJS(p, `document.querySelector('#campaign-funnel')`, `document.querySelector('#screen').innerText`, 10*time.Second)
			if size[0] < 500 {
				p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#campaign-detail-box').scrollIntoView()`))
			} else {
				p.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
			}
			browsertest.Screenshot(t, p.ctx, fmt.Sprintf("campaigns-%s-%dx%d", lang, size[0], size[1]), size[0], size[1])
		}
		p.do(chromedp.EmulateViewport(1400, 1000))
	}
	shoot("en")

	// A definition with a mistake: refused with its place.
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#campaign-kind').value = 'journeys'`),
		chromedp.SetValue(css("#campaign-definition"), "{\n  \"id\": \"broken\",\n  \"purpose\": \"marketing.communications\",\n  \"entry\": {\"event\": \"Signed Up\"},\n  \"channel\": {\"type\": \"webhook\"},\n  \"steps\": [{\"id\": \"a\", \"wait\": \"soon\"}]\n}"),
		chromedp.Click(css("#campaign-define")),
		chromedp.WaitVisible(css("#campaign-errors")))
	if e := p.text("#campaign-errors"); !strings.Contains(e, "/steps/0/wait") || !strings.Contains(e, "line 6") {
		t.Fatalf("located error shown as %q", e)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#campaign-form').scrollIntoView()`))
	browsertest.Screenshot(t, p.ctx, "campaigns-en-define-error-1400x1000", 1400, 1000)

	// Pause, then activate again, from the list.
	p.do(chromedp.Click(css(`#journeys-table button[data-action="pause"]`)))
	waitJS(p, `document.querySelector('#journeys-table tr[data-id="`+demo.JourneyID+`"]').dataset.status === 'paused' && document.querySelector('#campaigns-status').textContent !== ''`, `document.querySelector('#campaigns-status').textContent`, 5*time.Second)
	if s := p.text("#campaigns-status"); !strings.Contains(s, "Paused "+demo.JourneyID) {
		t.Fatalf("status after pause: %q", s)
	}
	p.do(chromedp.Click(css(`#journeys-table button[data-action="activate"]`)))
	waitJS(p, `document.querySelector('#journeys-table tr[data-id="`+demo.JourneyID+`"]').dataset.status === 'active' && document.querySelector('#campaigns-status').textContent !== ''`, `document.querySelector('#campaigns-status').textContent`, 5*time.Second)

	// The same screen in Chinese.
	p.do(chromedp.Navigate(r.base+"/console/?lang=zh-CN"),
		chromedp.WaitVisible(css("#nav-campaigns")),
		chromedp.Click(css("#nav-campaigns")),
		chromedp.WaitVisible(css("#campaign-funnel")))
	if h := p.text("#screen h2"); h != "营销活动与用户旅程" {
		t.Fatalf("zh-CN heading %q", h)
	}
	funnel = evalJS[string](p, `document.querySelector('#campaign-funnel').getAttribute('aria-label')`)
	for _, want := range []string{"受众", "符合条件", "已发送", "已送达", "已转化"} {
		if !strings.Contains(funnel, want) {
			t.Fatalf("zh-CN funnel lacks %q: %q", want, funnel)
		}
	}
	if u := evalJS[string](p, `document.querySelector('#campaign-funnel .axis-unit').textContent`); u != "人数" {
		t.Fatalf("zh-CN axis unit %q", u)
	}
	if s := evalJS[string](p, `document.querySelector('#campaign-skips').getAttribute('aria-label')`); !strings.Contains(s, "未成年人：不做营销") {
		t.Fatalf("zh-CN skip chart: %q", s)
	}
	shoot("zh-CN")
}
