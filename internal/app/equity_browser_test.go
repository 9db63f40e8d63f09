package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
)

// The tier picker in the privacy center, in English and Chinese (issue 25 acceptance): the
// person's level is the one their consents give; every level shows what it asks, what it
// gives and what the data is worth, with the same button; going down and back up is one
// click each way and records the matching consents; points earned in past months stay after
// going down; points buy the privacy subscription.
func TestTierPickerInBrowser(t *testing.T) {
	r := startApp(t)
	ctx := context.Background()
	p := page{t, browsertest.New(t)}
	for _, c := range []struct {
		lang, user, heading, contributor, conservative, earned, terms string
	}{
		{"en", "tier-en", "My privacy level", "Data contributor", "Privacy conservative", "for all of", "Points already earned are never taken back"},
		{"zh-CN", "tier-zh", "我的隐私等级", "数据贡献者", "隐私保守", "整月保持", "已获得的积分不会因您撤回同意而被收回"},
	} {
		r.track(t, `{"batch":[{"type":"identify","userId":"`+c.user+`","traits":{"email":"`+c.user+`@example.com"}}]}`)
		sub := waitSubject(t, r, c.user)
		// They chose the top level three months ago (recorded then, as the privacy center
		// would have): two whole months have paid points since.
		recs, err := r.app.Ledger.Records(sub, []consent.Choice{
			{Key: "analytics.reporting", Granted: true}, {Key: "personalize.content", Granted: true},
			{Key: "marketing.advertising.profiling", Granted: true}, {Key: "marketing.advertising.first_party", Granted: true},
			{Key: "marketing.communications", Granted: true}, {Key: "marketing.communications.email", Granted: true},
		}, consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject", Evidence: map[string]any{"tier": "contributor"}})
		if err != nil {
			t.Fatal(err)
		}
		then := time.Now().AddDate(0, -3, 0)
		for i := range recs {
			recs[i].At = then
		}
		if err := r.app.Store.AppendConsent(ctx, recs); err != nil {
			t.Fatal(err)
		}
		tok := r.session(t, c.user)

		p.do(chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(r.base+"/privacy/?lang="+c.lang+"#token="+tok),
			chromedp.WaitVisible(css(`#tier-list li[data-tier="contributor"][aria-current="true"]`)))
		if h := p.text("#tier-h"); h != c.heading {
			t.Fatalf("%s: heading %q", c.lang, h)
		}
		if cur := p.text("#tier-current"); !strings.Contains(cur, c.contributor) {
			t.Fatalf("%s: current level %q", c.lang, cur)
		}
		if bal := p.text("#points-balance"); !strings.HasSuffix(bal, " 200") {
			t.Fatalf("%s: balance %q; two whole months in the top level pay 200", c.lang, bal)
		}
		if pts := p.text("#points-list"); !strings.Contains(pts, c.earned) || !strings.Contains(pts, c.contributor) {
			t.Fatalf("%s: points not explained: %q", c.lang, pts)
		}
		if v := p.text(`#tier-list li[data-tier="contributor"] .value`); !strings.Contains(v, "¥12") {
			t.Fatalf("%s: the value of the data is not shown: %q", c.lang, v)
		}
		if terms := p.text("#tier-terms"); !strings.Contains(terms, c.terms) {
			t.Fatalf("%s: incentive terms %q", c.lang, terms)
		}
		// Same prominence up and down: every level's button has the same size and style.
		same := evalJS[bool](p, `(() => {
			const bs = [...document.querySelectorAll('#tier-list button.choose')];
			if (bs.length !== 5) return false;
			const r0 = bs[0].getBoundingClientRect(), s0 = getComputedStyle(bs[1]);
			return bs.every((b) => { const r = b.getBoundingClientRect(), s = getComputedStyle(b);
				return Math.abs(r.width - r0.width) < 1 && Math.abs(r.height - r0.height) < 1 && b.className === bs[0].className &&
					(b.disabled || (s.backgroundColor === s0.backgroundColor && s.fontSize === s0.fontSize)); });
		})()`)
		if !same {
			t.Fatalf("%s: the level buttons are not alike", c.lang)
		}
		p.do(chromedp.ScrollIntoView(css("#tier")))
		browsertest.Screenshot(t, p.ctx, "tier-picker-"+c.lang+"-1400", 1400, 1000)
		browsertest.Screenshot(t, p.ctx, "tier-picker-"+c.lang+"-390", 390, 844)
		if wide := evalJS[bool](p, `document.getElementById('tier').scrollWidth > document.getElementById('tier').clientWidth + 1`); wide {
			t.Fatalf("%s: the tier section does not fit a 390-pixel phone", c.lang)
		}
		p.do(chromedp.EmulateViewport(1400, 1000))

		// Down to the bottom in one click: every tier consent withdrawn, points kept.
		p.do(chromedp.Click(css("#tier-choose-conservative")),
			chromedp.WaitVisible(css(`#tier-list li[data-tier="conservative"][aria-current="true"]`)))
		st, _ := r.app.Ledger.Current(ctx, sub)
		for _, k := range []string{"analytics.reporting", "personalize.content", "marketing.advertising.profiling", "marketing.communications.email"} {
			if st.Granted(k) {
				t.Fatalf("%s: %s still granted after going down", c.lang, k)
			}
		}
		if s := p.text("#tier-status"); !strings.Contains(s, c.conservative) || !strings.Contains(s, "6") {
			t.Fatalf("%s: status after going down %q", c.lang, s)
		}
		if bal := p.text("#points-balance"); !strings.HasSuffix(bal, " 200") {
			t.Fatalf("%s: going down took points back: %q", c.lang, bal)
		}
		// And back up, the same way.
		p.do(chromedp.Click(css("#tier-choose-contributor")),
			chromedp.WaitVisible(css(`#tier-list li[data-tier="contributor"][aria-current="true"]`)))
		if st, _ := r.app.Ledger.Current(ctx, sub); !st.Granted("marketing.advertising.first_party") {
			t.Fatalf("%s: going up did not grant", c.lang)
		}
		// Points buy a month of the privacy subscription (120 of 200).
		p.do(chromedp.SetValue(css("#subscription-months"), "1"), chromedp.Click(css("#subscription-redeem")),
			chromedp.WaitVisible(css("#subscription-active")))
		if bal := p.text("#points-balance"); !strings.HasSuffix(bal, " 80") {
			t.Fatalf("%s: balance after redeeming %q", c.lang, bal)
		}
		if st, _ := r.app.Ledger.Current(ctx, sub); !st.Granted(consent.SignalAdFree) {
			t.Fatalf("%s: the subscription is not in the ledger", c.lang)
		}
		p.do(chromedp.ScrollIntoView(css("#subscription")))
		browsertest.Screenshot(t, p.ctx, "tier-subscription-"+c.lang+"-1400", 1400, 1000)
		p.do(chromedp.EmulateViewport(1400, 1000))
	}
}
