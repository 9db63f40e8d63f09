package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
)

// shopPage is a shop on another origin embedding the SDK. It records what the SDK sends
// (window.__sent: event names per request) before the request leaves the page.
func shopPage(base, writeKey string, gpc bool) string {
	g := ""
	if gpc {
		g = `Object.defineProperty(navigator, "globalPrivacyControl", {value: true});`
	}
	return fmt.Sprintf(`<!doctype html><html><head><title>Shop</title><script>
%s
window.__sent = [];
const realFetch = window.fetch;
window.fetch = function (url, opts) {
  if (String(url).endsWith("/v1/batch")) {
    for (const m of JSON.parse(opts.body).batch) window.__sent.push(m.event || m.type);
  }
  return realFetch.apply(this, arguments);
};
</script><script src="%s/sdk/steward.js" data-write-key="%s" data-lang="en"></script></head>
<body><h1>Shop</h1></body></html>`, g, base, writeKey)
}

func sentNames(p page) string {
	return evalJS[string](p, `window.__sent.join(",")`)
}

// The consent SDK on a shop page (issue 4 acceptance): the banner's three answers are equal
// in size; "reject all" lets no marketing event out; "accept all" does; with GPC on,
// targeted-advertising events stay off whatever is clicked.
func TestConsentSDKInBrowser(t *testing.T) {
	r := startApp(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/plain", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, shopPage(r.base, r.key, false)) })
	mux.HandleFunc("/gpc", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, shopPage(r.base, r.key, true)) })
	shop := httptest.NewServer(mux)
	defer shop.Close()
	p := page{t, browsertest.New(t)}

	const shoot = `steward.track("Ad Clicked", {ad: "a1"}, "Advertising"); steward.track("Product Viewed", {product_id: "p1"}, "Analytics"); true`
	p.do(chromedp.Navigate(shop.URL+"/plain"), chromedp.WaitVisible(css("#steward-banner")))
	sizes := evalJS[string](p, `["steward-accept","steward-reject","steward-choose"].map(id => {
		const r = document.getElementById(id).getBoundingClientRect(), s = getComputedStyle(document.getElementById(id));
		return Math.round(r.width) + "x" + Math.round(r.height) + "/" + s.fontWeight + "/" + s.fontSize + "/" + s.backgroundColor; }).join("|")`)
	parts := strings.Split(sizes, "|")
	if len(parts) != 3 || parts[0] != parts[1] || parts[1] != parts[2] {
		t.Fatalf("banner answers differ in prominence: %s", sizes)
	}
	// Nothing is pre-ticked under "choose".
	if n := evalJS[int](p, `document.querySelectorAll('#steward-choices input:checked').length`); n != 0 {
		t.Fatalf("%d choices pre-ticked", n)
	}
	p.do(chromedp.Click(css("#steward-reject")))
	evalJS[bool](p, shoot)
	time.Sleep(300 * time.Millisecond)
	if got := sentNames(p); got != "Segment Consent Preference Updated" {
		t.Fatalf("after reject all the page sent: %q", got)
	}

	// Accept all, on a fresh visit.
	p.do(chromedp.Navigate(shop.URL + "/plain"))
	evalJS[bool](p, `localStorage.clear(); true`)
	p.do(chromedp.Reload(), chromedp.WaitVisible(css("#steward-banner")), chromedp.Click(css("#steward-accept")))
	evalJS[bool](p, shoot)
	time.Sleep(300 * time.Millisecond)
	if got := sentNames(p); !strings.Contains(got, "Ad Clicked") || !strings.Contains(got, "Product Viewed") {
		t.Fatalf("after accept all the page sent: %q", got)
	}
	if c := evalJS[string](p, `JSON.stringify(steward.consent())`); !strings.Contains(c, `"Advertising":true`) {
		t.Fatalf("state exposed to the page: %s", c)
	}
	if cm := evalJS[string](p, `JSON.stringify(steward.consentMode())`); !strings.Contains(cm, `"ad_personalization":"granted"`) {
		t.Fatalf("consent mode after accept all: %s", cm)
	}

	// GPC: accept all, yet advertising stays off.
	p.do(chromedp.Navigate(shop.URL + "/gpc"))
	evalJS[bool](p, `localStorage.clear(); true`)
	p.do(chromedp.Reload(), chromedp.WaitVisible(css("#steward-gpc")))
	if !evalJS[bool](p, `document.getElementById('steward-c-Advertising').disabled`) {
		t.Fatal("the advertising choice is not locked off under GPC")
	}
	p.do(chromedp.Click(css("#steward-accept")))
	evalJS[bool](p, shoot)
	time.Sleep(300 * time.Millisecond)
	if got := sentNames(p); strings.Contains(got, "Ad Clicked") || !strings.Contains(got, "Product Viewed") {
		t.Fatalf("with GPC the page sent: %q", got)
	}
	if cm := evalJS[string](p, `JSON.stringify(steward.consentMode())`); !strings.Contains(cm, `"ad_user_data":"denied"`) || !strings.Contains(cm, `"analytics_storage":"granted"`) {
		t.Fatalf("consent mode under GPC: %s", cm)
	}
	// The server recorded the GPC signal in the ledger.
	found := false
	for i := 0; i < 100 && !found; i++ {
		counts, _ := r.app.Store.ConsentCounts(t.Context(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		for _, c := range counts {
			if c.Purpose == "signal.gpc" && c.Granted > 0 {
				found = true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !found {
		t.Fatal("no GPC ledger entry")
	}
	b, _ := os.ReadFile("../web/sdk/steward.js")
	if len(b) >= 20<<10 {
		t.Fatalf("steward.js is %d bytes; the budget is 20 KB", len(b))
	}
}
