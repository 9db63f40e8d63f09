package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
)

// waitJS polls a boolean expression in the page until it holds (chromedp.Poll is not in the
// v0.23 generic API we use); it fails the test with what the page shows after the timeout.
func waitJS(p page, expr, show string, within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	// The page re-renders a screen by replacing it: while it does, the elements expr reads
	// may be briefly absent, which is "not yet", not a failure.
	guarded := "(() => { try { return !!(" + expr + "); } catch (e) { return false; } })()"
	for !evalJS[bool](p, guarded) {
		if time.Now().After(deadline) {
			p.t.Fatalf("page never reached %s; it shows %q", expr, evalJS[string](p, show))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A person deletes a tag in the privacy center; a recomputation and new qualifying events do
// not bring it back, and the page lists it under the tags they deleted (issue 8 item 3, CAC
// algorithmic recommendation provisions Art. 17; REQUIREMENTS CAC-17).
func TestPrivacyCenterDeletesTagForGood(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	now := time.Now().UTC()
	r.track(t, shopperBatch("tagged-1", "anon-t1", now.Add(-time.Hour), identifyShanghai, order, order))
	tok := r.session(t, "tagged-1")
	deadline := time.Now().Add(5 * time.Second)
	for !r.myTags(t, tok).has("repeat_buyer") {
		if time.Now().After(deadline) {
			t.Fatalf("repeat_buyer never assigned: %+v", r.myTags(t, tok))
		}
		time.Sleep(50 * time.Millisecond)
	}

	p := page{t, browsertest.New(t)}
	p.do(chromedp.Navigate(r.base+"/privacy/?lang=en#token="+tok),
		chromedp.WaitVisible(css(`#tags-list li[data-tag="repeat_buyer"]`)))
	shown := p.text(`#tags-list li[data-tag="repeat_buyer"]`)
	for _, want := range []string{"Repeat buyer", "at least two orders", "Used for: Personalised recommendations", "Delete this tag"} {
		if !strings.Contains(shown, want) {
			t.Fatalf("tag row lacks %q: %q", want, shown)
		}
	}
	if !strings.Contains(shown, "2") {
		t.Fatalf("tag row shows no evidence: %q", shown)
	}

	p.do(chromedp.Click(css("#tag-delete-repeat_buyer")),
		chromedp.WaitVisible(css(`#tags-deleted li[data-deleted-tag="repeat_buyer"]`)))
	if n := evalJS[int](p, `document.querySelectorAll('#tags-list li[data-tag="repeat_buyer"]').length`); n != 0 {
		t.Fatal("deleted tag still listed")
	}
	if st := p.text("#tags-status"); !strings.Contains(st, "Repeat buyer") {
		t.Fatalf("status after delete = %q", st)
	}

	// Recompute everything and send another qualifying order: the tag stays deleted.
	if status, body := r.call(t, "POST", "/api/v1/profiles/refresh", r.admin, ""); status != 200 {
		t.Fatalf("refresh: %d %s", status, body)
	}
	r.track(t, shopperBatch("tagged-1", "anon-t1", now.Add(-time.Minute), order))
	time.Sleep(1500 * time.Millisecond) // three sync ticks of the profile engine
	if status, body := r.call(t, "POST", "/api/v1/profiles/refresh", r.admin, ""); status != 200 {
		t.Fatalf("refresh: %d %s", status, body)
	}
	p.do(chromedp.Reload(), chromedp.WaitVisible(css(`#tags-deleted li[data-deleted-tag="repeat_buyer"]`)))
	if n := evalJS[int](p, `document.querySelectorAll('#tags-list li[data-tag="repeat_buyer"]').length`); n != 0 {
		t.Fatalf("the deleted tag came back after recomputation: %q", p.text("#tags-list"))
	}
	if m := r.myTags(t, tok); m.has("repeat_buyer") || len(m.Deleted) != 1 {
		t.Fatalf("API after recomputation: %+v", m)
	}
	// The other tags are untouched: high_spender (the only buyer is the top decile) stays.
	if n := evalJS[int](p, `document.querySelectorAll('#tags-list li[data-tag="high_spender"]').length`); n != 1 {
		t.Fatalf("deleting one tag changed the others: %q", p.text("#tags-list"))
	}

	// The same page in Chinese explains in Chinese.
	p.do(chromedp.Navigate(r.base+"/privacy/?lang=zh-CN"), chromedp.WaitVisible(css(`#tags-deleted li[data-deleted-tag="repeat_buyer"]`)))
	if h := p.text("#tags-h"); h != "用于我的标签" || !strings.Contains(p.text("#tags-deleted-block"), "回头客") {
		t.Fatalf("zh-CN tags section: %q / %q", h, p.text("#tags-deleted-block"))
	}
}

// The console's tags and segments screens: coverage and expiry per tag, a refused
// definition shown with the server's reason, a segment's size by purpose with exclusions as
// counts, a located error for a mistaken expression (issue 8 item 6).
func TestConsoleTagsAndSegmentsScreens(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	now := time.Now().UTC()
	r.track(t, shopperBatch("console-1", "anon-c1", now.Add(-time.Hour), identifyShanghai, order, order))
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, body := r.call(t, "GET", "/api/v1/tags/repeat_buyer", r.admin, "")
		if status == 200 && strings.Contains(string(body), `"coverage":1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("repeat_buyer coverage: %d %s", status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	p := page{t, browsertest.New(t)}
	p.do(chromedp.Navigate(r.base+"/console/?lang=en"),
		chromedp.SendKeys(css("#token"), r.admin),
		chromedp.Click(css("#signin-submit")),
		chromedp.WaitVisible(css("#nav-tags")),
		chromedp.Click(css("#nav-tags")),
		chromedp.WaitVisible(css(`#tags-table tr[data-tag="repeat_buyer"]`)))
	row := p.text(`#tags-table tr[data-tag="repeat_buyer"]`)
	for _, want := range []string{`count("Order Completed", 90d) >= 2`, "personalize.content", "user.behavior.purchase_history", "30d / 1h", "manifest"} {
		if !strings.Contains(row, want) {
			t.Fatalf("tag row lacks %q: %q", want, row)
		}
	}
	if cov := evalJS[string](p, `document.querySelector('#tags-table tr[data-tag="repeat_buyer"] td.num').textContent`); cov != "1" {
		t.Fatalf("coverage shown = %q", cov)
	}

	// A marketing tag built on a sensitive category is refused, naming the category.
	bad := `{"name":"expecting","kind":"rule","expression":"count(\"Order Completed\", 90d) >= 1","categories":["user.health_and_medical"],"purpose":"marketing.advertising.profiling","ttl":"30d","refresh":"1h","user_visible":true,"deletable":true}`
	p.do(chromedp.SetValue(css("#tag-definition"), bad), chromedp.Click(css("#tag-define")), chromedp.WaitVisible(css("#tag-refusal")))
	if refusal := p.text("#tag-refusal"); !strings.Contains(refusal, "user.health_and_medical") {
		t.Fatalf("refusal = %q", refusal)
	}
	if status, _ := r.call(t, "GET", "/api/v1/tags/expecting", r.admin, ""); status != 404 {
		t.Fatalf("refused tag was stored: %d", status)
	}
	// The prefilled example is a valid definition: it is defined and listed, then removed.
	p.do(chromedp.Click(css("#nav-tags")), chromedp.WaitVisible(css("#tag-define")), chromedp.Click(css("#tag-define")),
		chromedp.WaitVisible(css(`#tags-table tr[data-tag="weekend_browser"]`)))
	if st := p.text("#tags-status"); !strings.Contains(st, "weekend_browser") {
		t.Fatalf("status = %q", st)
	}
	p.do(chromedp.Click(css("#tags-refresh")))
	waitJS(p, `document.getElementById('tags-status').textContent.includes('recomputed')`, `document.getElementById('tags-status').textContent`, 10*time.Second)
	p.do(chromedp.Click(css(`button[data-delete-tag="weekend_browser"]`)))
	waitJS(p, `!document.querySelector('#tags-table tr[data-tag="weekend_browser"]') && !!document.querySelector('#tags-table tr[data-tag="repeat_buyer"]')`,
		`document.getElementById('screen').innerText`, 5*time.Second)

	// Segments: a mistake gets a located error; a good one is saved and sized by purpose.
	p.do(chromedp.Click(css("#nav-segments")), chromedp.WaitVisible(css("#segment-expression")),
		chromedp.SetValue(css("#segment-expression"), `tag("repeat_buyer") and trait("city") = "上海"`),
		chromedp.SetValue(css("#segment-name"), "shanghai_regulars"),
		chromedp.Click(css("#segment-define")), chromedp.WaitVisible(css("#segment-error")))
	if e := p.text("#segment-error"); !strings.Contains(e, "1:") {
		t.Fatalf("error without a location: %q", e)
	}
	p.do(chromedp.SetValue(css("#segment-expression"), `trait("city") == "上海" and count("Order Completed", 90d) >= 2`),
		chromedp.SetValue(css("#segment-purpose"), "personalize.content"),
		chromedp.Click(css("#segment-preview")), chromedp.WaitVisible(css("#preview-counts")))
	if c := p.text("#preview-counts"); !strings.Contains(c, "Match the expression 1") {
		t.Fatalf("preview = %q", c)
	}
	p.do(chromedp.Click(css("#segment-define")), chromedp.WaitVisible(css(`article[data-segment="shanghai_regulars"]`)))
	card := `article[data-segment="shanghai_regulars"]`
	if m := p.text(card + " dd.matches"); m != "1" {
		t.Fatalf("matches shown = %q", m)
	}
	reasons := evalJS[string](p, `[...document.querySelectorAll('`+card+` ul.bars li')].map(li => li.dataset.reason).join(',')`)
	if reasons != "personalisation_off,objection,minor,ad_free,no_legal_basis" {
		t.Fatalf("exclusion reasons shown = %q", reasons)
	}
	byPurpose := evalJS[string](p, `[...document.querySelectorAll('`+card+` table.by-purpose tr[data-purpose]')].map(tr => tr.dataset.purpose).join(',')`)
	if !strings.Contains(byPurpose, "marketing.advertising.profiling") {
		t.Fatalf("by purpose = %q", byPurpose)
	}

	// The same person turns personalisation off: still a match (the expression reads no
	// tag computed for personalisation), now counted as excluded, and the audience is empty.
	tok := r.session(t, "console-1")
	if status, body := r.call(t, "POST", "/api/v1/me/personalisation", tok, `{"on":false}`); status >= 300 {
		t.Fatalf("personalisation off: %d %s", status, body)
	}
	deadline = time.Now().Add(5 * time.Second)
	for r.segment(t, "shanghai_regulars").Size != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("audience after personalisation off: %+v", r.segment(t, "shanghai_regulars"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.do(chromedp.Click(css("#nav-segments")), chromedp.WaitVisible(css(card)))
	if n := p.text(card + ` ul.bars li[data-reason="personalisation_off"] .num`); n != "1" {
		t.Fatalf("personalisation_off count shown = %q; API: %+v", n, r.segment(t, "shanghai_regulars"))
	}
	if s := p.text(card + " dd.size"); s != "0" {
		t.Fatalf("size shown = %q", s)
	}
}
