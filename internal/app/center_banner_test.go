package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
)

// shippedShop embeds the SDK as a shop ships it: its name, its policy and privacy-center
// links, its own colours through the banner's CSS variables.
func shippedShop(base, key, lang string) string {
	return fmt.Sprintf(`<!doctype html><html lang="%[3]s"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title>
<style>:root{--steward-bg:#fffbe6;--steward-button-bg:#ffe58f;--steward-accent:#ad4e00;--steward-radius:12px}</style>
<script src="%[1]s/sdk/steward.js" data-write-key="%[2]s" data-lang="%[3]s" data-shop-name="晨光母婴 Morning Light"
 data-policy-url="https://shop.example/privacy-policy" data-center-url="https://shop.example/account/privacy"></script></head>
<body><h1>Shop</h1><p>Goods for babies.</p></body></html>`, base, key, lang)
}

// Issue 18 item 6: a banner a shop can ship — its name and links, recipients named, equal
// answers on a phone (390×844, scrolling) and on a desktop, themable through CSS variables,
// each category named once, and reopened it shows the choices in force.
func TestBannerAShopCanShipInBrowser(t *testing.T) {
	r := startApp(t)
	mux := http.NewServeMux()
	for _, lang := range []string{"en", "zh-CN"} {
		mux.HandleFunc("/"+lang, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, shippedShop(r.base, r.key, lang)) })
	}
	shop := httptest.NewServer(mux)
	defer shop.Close()
	p := page{t, browsertest.New(t)}
	const answers = `["steward-accept","steward-reject","steward-choose"].map(id => { const e = document.getElementById(id), b = e.getBoundingClientRect(), s = getComputedStyle(e);
		return Math.round(b.width) + "x" + Math.round(b.height) + "/" + s.fontWeight + "/" + s.fontSize + "/" + s.backgroundColor + "/" + s.borderTopWidth; })`
	for _, c := range []struct{ lang, analytics, recipient string }{
		{"en", "Analytics", "Acme Analytics GmbH (DE)"},
		{"zh-CN", "统计分析", "Acme Analytics GmbH (DE)"},
	} {
		p.do(chromedp.EmulateViewport(390, 844), chromedp.Navigate(shop.URL+"/"+c.lang))
		evalJS[bool](p, `localStorage.clear(); true`)
		p.do(chromedp.Reload(), chromedp.WaitVisible(css("#steward-banner")))
		// The shop's name and links.
		if n := p.text("#steward-shop"); n != "晨光母婴 Morning Light" {
			t.Fatalf("shop name %q", n)
		}
		if h := evalJS[string](p, `document.getElementById('steward-policy').href + " " + document.getElementById('steward-center').href`); h != "https://shop.example/privacy-policy https://shop.example/account/privacy" {
			t.Fatalf("links %q", h)
		}
		// Equal answers on the phone: one column, same size, weight, colour.
		for _, size := range []struct{ w, h int64 }{{390, 844}, {1400, 1000}} {
			p.do(chromedp.EmulateViewport(size.w, size.h))
			got := evalJS[[]string](p, answers)
			if len(got) != 3 || got[0] != got[1] || got[1] != got[2] {
				t.Fatalf("%s %dx%d: answers differ: %v", c.lang, size.w, size.h, got)
			}
		}
		p.do(chromedp.EmulateViewport(390, 844))
		// The shop's theme, through CSS variables.
		if bg := evalJS[string](p, `getComputedStyle(document.getElementById('steward-banner')).backgroundColor`); bg != "rgb(255, 251, 230)" {
			t.Fatalf("theme not applied: %s", bg)
		}
		if bb := evalJS[string](p, `getComputedStyle(document.getElementById('steward-accept')).backgroundColor`); bb != "rgb(255, 229, 143)" {
			t.Fatalf("button theme not applied: %s", bb)
		}
		shoot(t, p, "banner-first-"+c.lang)
		// Choose: each category once, with who receives it; on the phone the banner scrolls.
		p.do(chromedp.Click(css("#steward-choose")), chromedp.WaitVisible(css("#steward-c-Analytics")))
		p.do(chromedp.EmulateViewport(390, 844))
		if !evalJS[bool](p, `(() => { const b = document.getElementById('steward-banner'); return b.scrollHeight > b.clientHeight && b.getBoundingClientRect().height <= 0.86 * innerHeight && getComputedStyle(b).overflowY === "auto"; })()`) {
			t.Fatal("the banner does not scroll within the phone's screen")
		}
		if got := p.text(`.stw-cat[data-category="Analytics"] .stw-recipients`); !strings.Contains(got, c.recipient) {
			t.Fatalf("recipients of analytics: %q", got)
		}
		text := evalJS[string](p, `document.getElementById('steward-banner').innerText`)
		cats := evalJS[[]string](p, `[...document.querySelectorAll('#steward-choices label')].map(l => l.innerText)`)
		for _, name := range cats {
			n := evalJS[int](p, `[...document.querySelectorAll('#steward-banner *')].filter(e => !e.children.length && (e.textContent.trim() === `+jsString(name)+` || e.textContent.trim().startsWith(`+jsString(name+":")+`))).length`)
			if n != 1 {
				t.Fatalf("%s: the label %q appears %d times", c.lang, name, n)
			}
		}
		// No two headings, labels or answers outside the separate asks say the same.
		if dup := evalJS[string](p, `(() => { const seen = {}; for (const e of document.querySelectorAll('#steward-banner legend, #steward-banner label, #steward-banner button, #steward-banner strong, #steward-banner summary')) {
			if (e.closest('.steward-ask')) continue; const k = e.textContent.trim(); if (seen[k]) return k; seen[k] = true; } return ""; })()`); dup != "" {
			t.Fatalf("%s: %q is said twice", c.lang, dup)
		}
		if !strings.Contains(text, c.analytics) {
			t.Fatalf("no %q in %q", c.analytics, text)
		}
		p.do(chromedp.ScrollIntoView(css("#steward-choices")))
		shoot(t, p, "banner-choose-"+c.lang)
		// Tick analytics only, save; reopened, the banner shows that choice.
		p.do(chromedp.EmulateViewport(1400, 1000), chromedp.Click(css("#steward-c-Analytics")), chromedp.Click(css("#steward-save")))
		waitJS(p, `!document.getElementById('steward-banner')`, `document.body.innerText`, 5e9)
		evalJS[bool](p, `steward.open(); true`)
		p.do(chromedp.WaitVisible(css("#steward-current")))
		state := evalJS[string](p, `[...document.querySelectorAll('#steward-choices input')].map(b => b.dataset.category + "=" + b.checked).join(",") + " " +
			document.getElementById('steward-choose').getAttribute('aria-pressed') + document.getElementById('steward-accept').getAttribute('aria-pressed')`)
		if !strings.Contains(state, "Analytics=true") || !strings.Contains(state, "Personalization=false") || !strings.HasSuffix(state, " truefalse") {
			t.Fatalf("reopened banner: %s", state)
		}
		shoot(t, p, "banner-reopened-"+c.lang)
		p.do(chromedp.Click(css("#steward-close")))
	}
}
