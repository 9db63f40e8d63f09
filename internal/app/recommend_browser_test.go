package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
)

// recsShop is a shop page on another origin whose visitor is anon, rendering a slot with
// the SDK (steward.recommendations) into #recs.
func recsShop(base, writeKey, anon, lang string) string {
	return fmt.Sprintf(`<!doctype html><html><head><title>Shop</title><meta charset="utf-8">
<script>localStorage.setItem("steward.anonymousId", %q);</script>
<script src="%s/sdk/steward.js" data-write-key="%s" data-lang="%s"></script></head>
<body style="font:16px system-ui;max-width:40rem;margin:1rem auto"><h1>Shop</h1><div id="recs"></div>
<script>document.addEventListener("steward:ready", function () {
  document.getElementById("steward-accept") && document.getElementById("steward-accept").click();
  window.__slot = steward.recommendations("home", 4, document.getElementById("recs"));
});</script></body></html>`, anon, base, writeKey, lang)
}

// Acceptance (issue 24): the SDK renders a slot with its label, each item's label and
// reason and a "why" link; the link opens the public /algorithms page in the visitor's
// language; after the person turns personalisation off the slot says it is not
// personalised. The privacy center files a human review naming the decision.
// Screenshots: recommend-slot-en, recommend-slot-zh, recommend-slot-off, algorithms-en,
// algorithms-zh, privacy-algorithms, console-pricing, console-algorithms.
func TestRecommendationSlotAndAlgorithmsPageInBrowser(t *testing.T) {
	r := startApp(t)
	r.seedShoppers(t)
	waitFor(t, func() bool {
		_, res := r.recs(t, "anonymousId=anon-rec-d&n=4")
		return res.Personalised
	}, "personalised recommendations for rec-d")
	if s, b := r.call(t, "PUT", "/api/v1/algorithms/recommender", r.admin, `{"id":"recommender","filing_number":"网信算备310115000000001230001号"}`); s != 200 {
		t.Fatalf("filing number: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/algorithms/recommender/assessments", r.admin,
		`{"outcome":"approved","summary":"Inputs limited to views, carts and orders; no health items; labels and opt-out checked.","reference":"PIA-2026-07"}`); s != 201 {
		t.Fatalf("assessment: %d %s", s, b)
	}
	mux := http.NewServeMux()
	for _, lang := range []string{"en", "zh-CN"} {
		mux.HandleFunc("/"+lang, func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, recsShop(r.base, r.key, "anon-rec-d", lang))
		})
	}
	shop := httptest.NewServer(mux)
	defer shop.Close()
	p := page{t, browsertest.New(t)}

	slot := `#recs .steward-slot`
	p.do(chromedp.Navigate(shop.URL+"/en"), chromedp.WaitVisible(css(slot+` .steward-item`)))
	if got := evalJS[string](p, `document.querySelector("#recs .steward-slot").dataset.personalised`); got != "true" {
		t.Fatalf("slot personalised = %s", got)
	}
	if got := p.text(slot + " .steward-slot-label"); got != "Recommended for you" {
		t.Fatalf("slot label %q", got)
	}
	first := slot + ` .steward-item[data-item="carseat"]`
	if lab, why := p.text(first+" .steward-item-label"), p.text(first+" .steward-reason"); lab != "Recommended for you" || why != "Because you viewed “Stroller”" {
		t.Fatalf("item label %q, reason %q", lab, why)
	}
	href := evalJS[string](p, `document.querySelector("#recs .steward-why").href`)
	if href != r.base+"/algorithms?lang=en#recommender" || p.text(slot+" .steward-why") != "Why am I seeing these?" {
		t.Fatalf("why link %q", href)
	}
	browsertest.Screenshot(t, p.ctx, "recommend-slot-en", 800, 520)

	p.do(chromedp.Navigate(shop.URL+"/zh-CN"), chromedp.WaitVisible(css(slot+` .steward-item`)))
	if got := p.text(slot + " .steward-slot-label"); got != "个性化推荐" {
		t.Fatalf("zh slot label %q", got)
	}
	if why := p.text(first + " .steward-reason"); why != "因为您浏览过“Stroller”" {
		t.Fatalf("zh reason %q", why)
	}
	browsertest.Screenshot(t, p.ctx, "recommend-slot-zh", 800, 520)

	// The person turns personalisation off; the slot rendered next says so.
	tok := r.session(t, "rec-d")
	if s, _ := r.call(t, "POST", "/api/v1/me/personalisation", tok, `{"on":false}`); s != 204 {
		t.Fatal("turn off")
	}
	p.do(chromedp.Navigate(shop.URL+"/en"), chromedp.WaitVisible(css(slot+` .steward-item`)))
	if got := evalJS[string](p, `document.querySelector("#recs .steward-slot").dataset.personalised`); got != "false" {
		t.Fatalf("after opting out the slot is personalised=%s", got)
	}
	if got := p.text(slot + " .steward-slot-label"); got != "Popular now (not personalised)" {
		t.Fatalf("opted-out slot label %q", got)
	}
	if n := evalJS[int](p, `document.querySelectorAll('#recs .steward-item[data-personalised="true"]').length`); n != 0 {
		t.Fatalf("%d personalised items after opting out", n)
	}
	browsertest.Screenshot(t, p.ctx, "recommend-slot-off", 800, 520)

	// The why link: the public register, server-rendered, in the visitor's language.
	p.do(chromedp.Navigate(href), chromedp.WaitVisible(css("#recommender")))
	sec := p.text("#recommender")
	for _, want := range []string{"Product recommendations", "Basic principles", "only with your consent", "Item-to-item co-occurrence",
		"products you viewed", "Turn personalisation off", "网信算备310115000000001230001号", time.Now().UTC().Format("2006-01-02")} {
		if !strings.Contains(sec, want) {
			t.Fatalf("/algorithms#recommender lacks %q: %q", want, sec)
		}
	}
	for _, id := range []string{"pricing", "tag.likely_to_buy", "tag.high_spender"} {
		if n := evalJS[int](p, `document.querySelectorAll('section.algorithm[id="`+id+`"]').length`); n != 1 {
			t.Fatalf("/algorithms lists %s %d times", id, n)
		}
	}
	if got := p.text("#pricing .significant"); !strings.Contains(got, "a person to review it") {
		t.Fatalf("pricing is not marked significant: %q", got)
	}
	if n := evalJS[int](p, `document.scripts.length`); n > 2 {
		t.Fatalf("the register page runs %d scripts; it is rendered on the server", n)
	}
	browsertest.Screenshot(t, p.ctx, "algorithms-en", 1000, 1400)
	p.do(chromedp.Navigate(r.base+"/algorithms?lang=zh-CN"), chromedp.WaitVisible(css("#recommender")))
	if zh := p.text("#recommender"); !strings.Contains(zh, "商品推荐") || !strings.Contains(zh, "基本原理") || !strings.Contains(zh, "算法备案编号") {
		t.Fatalf("zh register: %q", zh)
	}
	browsertest.Screenshot(t, p.ctx, "algorithms-zh", 1000, 1400)

	// The privacy center lists the algorithms and files a human review naming the decision.
	p.do(chromedp.Navigate(r.base+"/privacy/?lang=en#token="+tok), chromedp.WaitVisible(css(`#algorithms-list li[data-algorithm="pricing"]`)))
	p.do(chromedp.SetValue(css("#decision-algorithm"), "pricing"), chromedp.SendKeys(css("#decision-text"), "the price of the car seat on 18 June"),
		chromedp.Click(css("#ask-review")))
	waitJS(p, `document.getElementById("algorithms-status").textContent.includes("human_review")`, `document.getElementById("algorithms-status").textContent`, 5*time.Second)
	browsertest.Screenshot(t, p.ctx, "privacy-algorithms", 1000, 1200)
	_, q := r.call(t, "GET", "/api/v1/me/requests", tok, "")
	if !strings.Contains(string(q), `"human_review"`) {
		t.Fatalf("requests: %s", q)
	}

	// The console: a refused rule names its factor; the audit shows a planted disparity.
	for i := 0; i < 3; i++ {
		r.quote(t, `{"item":"p-2","base_price":11000,"currency":"CNY","channel":"app"}`, iPhone)
		r.quote(t, `{"item":"p-2","base_price":10000,"currency":"CNY","channel":"app"}`, windows)
	}
	p.do(chromedp.Navigate(r.base+"/console/?lang=en"), chromedp.SendKeys(css("#token"), r.admin), chromedp.Click(css("#signin-submit")))
	waitJS(p, `document.getElementById("nav-pricing")`, `document.getElementById("nav-list").innerText`, 10*time.Second)
	p.do(chromedp.Click(css("#nav-pricing")))
	waitJS(p, `document.querySelector('#audit-table tr[data-dimension="device"]')`, `document.getElementById("screen").innerText`, 10*time.Second)
	surcharge := `{"name":"loyalty-surcharge","description":{"en":"loyal customers pay 5% more","zh-CN":"老顾客加价5%"},"percent":5,"when":[{"factor":"customer.orders","op":">=","number":2}]}`
	p.do(chromedp.SetValue(css("#rule-json"), surcharge), chromedp.Click(css("#rule-save")), chromedp.WaitVisible(css("#rule-refused")))
	if got := p.text("#rule-refused"); !strings.Contains(got, "factor customer.orders") {
		t.Fatalf("refusal shown: %q", got)
	}
	browsertest.Screenshot(t, p.ctx, "console-pricing", 1100, 1300)
	p.do(chromedp.Click(css("#nav-algorithms")), chromedp.WaitVisible(css(`#algorithms-table tr[data-algorithm="recommender"]`)))
	if row := p.text(`#algorithms-table tr[data-algorithm="recommender"]`); !strings.Contains(row, "current") || !strings.Contains(row, "网信算备") {
		t.Fatalf("register row: %q", row)
	}
	if rem := p.text("#algorithms-reminders"); !strings.Contains(rem, "never assessed") || !strings.Contains(rem, "pricing") {
		t.Fatalf("reminders: %q", rem)
	}
	browsertest.Screenshot(t, p.ctx, "console-algorithms", 1100, 1100)
}
