package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/browsertest"
)

// centerShopper is a customer with account details, a dozen products viewed, orders and a
// search, consenting through the banner to statistics and personalisation; they carry the
// repeat_buyer tag, were profiled, sent a campaign, and included in a partner's clean-room
// job — those two recorded exactly as the campaign engine and a clean-room job record them
// (one audience leaf for everyone included), so the view shows them by act, with no code
// that knows them.
func centerShopper(t *testing.T, r *running, user string) string {
	t.Helper()
	now := time.Now().UTC()
	msgs := []string{`"type":"identify","traits":{"name":"李娜","email":"li.na@example.com","phone":"13812345678","address":{"city":"上海","country":"CN"}}`}
	for i := 0; i < 12; i++ {
		msgs = append(msgs, fmt.Sprintf(`"type":"track","event":"Product Viewed","properties":{"product_id":"p%d","category":"奶粉"}`, i))
	}
	msgs = append(msgs, `"type":"track","event":"Order Completed","properties":{"order_id":"o1","revenue":300,"total":300}`,
		`"type":"track","event":"Order Completed","properties":{"order_id":"o2","revenue":120,"total":120}`,
		`"type":"track","event":"Products Searched","properties":{"query":"婴儿湿巾"}`)
	r.track(t, shopperBatch(user, "anon-"+user, now.Add(-time.Hour), msgs...))
	r.waitProfiles(t)
	sub := waitSubject(t, r, user)
	ctx := context.Background()
	waitFor(t, func() bool {
		if err := r.app.Profiles.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		for _, a := range r.app.Profiles.TagsOf(sub, "en", true) {
			if a.Tag.Name == "repeat_buyer" {
				return true
			}
		}
		return false
	}, "repeat_buyer computed")
	if err := r.app.Profiles.FlushProfiling(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.app.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActActivation, Actor: "system", Purpose: "marketing.advertising.first_party",
		LegalBasis: "consent", Detail: map[string]string{"campaign": "spring_sale", "channel": "email", "people": "2"}}, []string{sub, "someone-else"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.app.Recorder.RecordAudience(ctx, audit.Event{Act: "clean_room_job", Actor: "system", Purpose: "analytics.reporting", LegalBasis: "consent",
		Recipient: "Brand X Ltd.", Detail: map[string]string{"partner": "Brand X Ltd.", "job": "psi_cardinality"}}, []string{sub, "someone-else"}); err != nil {
		t.Fatal(err)
	}
	return sub
}

// Issue 18 item 5 and issue 25 item 4: the privacy center a person understands, in Chinese
// and in English — their name; their actual data, labelled, counts rounded; what was done
// with it in plain words, each line with a log entry this browser checks; where it went
// (collected, purposes, tags, campaigns, partners, deleted); correction, objection and
// restriction filed from the page; deletion explained, with a cancel.
func TestPrivacyCenterAPersonUnderstandsInBrowser(t *testing.T) {
	r := startApp(t)
	sub := centerShopper(t, r, "pc-1")
	_, mb := r.call(t, "POST", "/api/v1/subjects/pc-1/sessions", r.admin, `{"reason":"customer asked for help on the phone"}`)
	var minted struct{ URL string }
	json.Unmarshal(mb, &minted)
	p := page{t, browsertest.New(t)}
	p.do(chromedp.Navigate(strings.Replace(minted.URL, "/privacy/#", "/privacy/?lang=zh-CN#", 1)), chromedp.WaitVisible(css("#greeting")))
	waitJS(p, `document.querySelectorAll('#report-list li[data-act]').length > 3 && document.querySelectorAll('#flows li').length > 5`,
		`document.getElementById('center').innerText`, 15*time.Second)

	// Chinese: the name, the data itself labelled in Chinese, rounded counts.
	if g := p.text("#greeting"); !strings.Contains(g, "李娜") {
		t.Fatalf("greeting %q", g)
	}
	profile := p.text("#held-profile")
	for _, want := range []string{"姓名", "李娜", "电子邮箱", "li.na@example.com", "手机号码", "13812345678", "城市", "上海"} {
		if !strings.Contains(profile, want) {
			t.Fatalf("account details lack %q: %q", want, profile)
		}
	}
	activity := p.text("#held-activity")
	if !strings.Contains(activity, "浏览的商品") || !strings.Contains(activity, "约10 次") || !strings.Contains(activity, "下单") {
		t.Fatalf("activity: %q", activity)
	}
	// Plain words, and no English keys or event names anywhere on the Chinese page.
	report := p.text("#report-list")
	for _, want := range []string{"您的画像被用于为您挑选推荐内容", "店铺工作人员为您打开了隐私中心", "向您发送了营销活动“spring_sale”的信息"} {
		if !strings.Contains(report, want) {
			t.Fatalf("the report does not say %q: %q", want, report)
		}
	}
	page := evalJS[string](p, `[...document.querySelectorAll('#center > section, #greeting')].map(s => s.innerText).join("\n")`)
	for _, en := range []string{"Product Viewed", "Order Completed", "Products Searched", "consent_change", "profiling", "personalize.content",
		"analytics.reporting", "rights_step", "clean_room_job", "activation"} {
		if i := strings.Index(page, en); i >= 0 {
			t.Fatalf("English key %q on the Chinese page: …%s…", en, page[max(0, i-300):min(len(page), i+100)])
		}
	}
	// The page checks a line's proof itself.
	p.do(chromedp.Click(css(`#report-list button[data-verify]`)))
	waitText(p, "#report-list .verdict", "已确认在店铺签名的日志中")
	p.do(chromedp.ScrollIntoView(css("#greeting")))
	shoot(t, p, "privacy-center-zh-CN")
	p.do(chromedp.ScrollIntoView(css("#report")))
	shoot(t, p, "privacy-report-zh-CN")

	// Where the data went, every line backed by a log entry.
	flows := map[string]string{}
	for _, id := range []string{"collected", "purposes", "tags", "campaigns", "partners", "deleted"} {
		flows[id] = p.text("#flows-" + id)
	}
	for id, want := range map[string]string{"collected": "浏览的商品", "purposes": "您的画像被用于为您挑选推荐内容", "tags": "回头客",
		"campaigns": "spring_sale", "partners": "Brand X Ltd.", "deleted": "尚未删除任何数据"} {
		if !strings.Contains(flows[id], want) {
			t.Fatalf("flows %s lacks %q: %q", id, want, flows[id])
		}
	}
	p.do(chromedp.Click(css(`#flows-partners button[data-verify]`)))
	waitText(p, "#flows-partners .verdict", "已确认")
	p.do(chromedp.Click(css(`#flows-campaigns button[data-verify]`)))
	waitText(p, "#flows-campaigns .verdict", "已确认")
	p.do(chromedp.ScrollIntoView(css("#flows")))
	shoot(t, p, "privacy-flows-zh-CN")
	// On a phone nothing is wider than the screen (the recipients' list once was).
	p.do(chromedp.EmulateViewport(390, 844))
	if w := evalJS[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		wide := evalJS[string](p, `[...document.querySelectorAll('#center *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ': ' + e.innerText.slice(0, 60)).join(' | ')`)
		t.Errorf("the privacy center is %d px wider than a 390 px phone: %s", w, wide)
	}
	p.do(chromedp.EmulateViewport(1400, 1000))

	// The check can fail: an altered proof, leaf or membership does not verify.
	_, fb := r.call(t, "GET", "/api/v1/me/flows", tokenOf(t, r, "pc-1"), "")
	var doc struct {
		Checkpoint json.RawMessage
		Sections   []struct {
			ID    string
			Lines []struct{ Evidence json.RawMessage }
		}
	}
	json.Unmarshal(fb, &doc)
	var ev json.RawMessage
	for _, s := range doc.Sections {
		if s.ID == "partners" {
			ev = s.Lines[0].Evidence
		}
	}
	check := func(mutate string) bool {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(async () => { const ev = `+string(ev)+`, cp = `+string(doc.Checkpoint)+`; `+mutate+
			`; return await window.steward.verify(ev, cp); })()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !check("") {
		t.Fatal("a genuine entry does not verify")
	}
	for _, m := range []string{`ev.leaf = ev.leaf.replace("Brand X", "Brand Y")`, `ev.proof[0] = btoa("x".repeat(32))`, `ev.index += 1`,
		`ev.audience.pseudonym = "someone"`, `ev.audience.proof.reverse(); ev.audience.proof.push(ev.audience.proof[0])`} {
		if check(m) {
			t.Fatalf("an altered entry verifies: %s", m)
		}
	}

	// English: correction, objection and restriction from the page.
	p.do(chromedp.Navigate(r.base+"/privacy/?lang=en"), chromedp.WaitVisible(css("#right-correction")))
	if !strings.Contains(p.text("#held-activity"), "Products viewed") || !strings.Contains(p.text("#held-activity"), "about 10 times") {
		t.Fatalf("en activity: %q", p.text("#held-activity"))
	}
	p.do(chromedp.Click(css("#right-correction")), chromedp.WaitVisible(css("#correct-field")),
		chromedp.SetValue(css("#correct-field"), "traits.phone"), chromedp.SendKeys(css("#correct-value"), "13900001111"))
	p.do(chromedp.ScrollIntoView(css("#right-form")))
	shoot(t, p, "privacy-correction-en")
	p.do(chromedp.Click(css("#right-send")))
	waitText(p, "#right-status", "Correction")
	p.do(chromedp.Click(css("#right-objection")), chromedp.WaitVisible(css("#object-purpose")),
		chromedp.SetValue(css("#object-purpose"), "analytics.reporting"), chromedp.SendKeys(css("#object-reason"), "I do not want to be counted"),
		chromedp.Click(css("#right-send")))
	waitText(p, "#right-status", "Objection")
	p.do(chromedp.Click(css("#right-restriction")), chromedp.WaitVisible(css("#restrict-reason")),
		chromedp.SetValue(css("#restrict-reason"), "accuracy"), chromedp.Click(css("#right-send")))
	waitText(p, "#right-status", "Restriction")
	reqs := p.text("#requests-list")
	for _, want := range []string{"Correction", "Objection", "Restriction"} {
		if !strings.Contains(reqs, want) {
			t.Fatalf("requests list lacks %s: %q", want, reqs)
		}
	}
	st, _ := r.app.Ledger.State(t.Context(), sub)
	if st.Granted("analytics.reporting") || !st.Granted("signal.restricted") {
		t.Fatalf("the objection withdrew nothing, or the restriction is not recorded: %+v", st)
	}
	// Deletion says what happens, and can be cancelled.
	p.do(chromedp.Click(css("#delete-account")), chromedp.WaitVisible(css("#delete-dialog")))
	consequences := p.text("#delete-what")
	for _, want := range []string{"30 years", "accounting law", "cannot be undone", "signed out"} {
		if !strings.Contains(consequences, want) {
			t.Fatalf("the deletion does not say %q: %q", want, consequences)
		}
	}
	p.do(chromedp.ScrollIntoView(css("#delete-dialog")))
	shoot(t, p, "privacy-delete-en")
	p.do(chromedp.Click(css("#delete-cancel")))
	waitJS(p, `document.getElementById('delete-dialog').hidden`, `document.getElementById('requests').innerText`, 5*time.Second)
	if s, _ := r.call(t, "GET", "/api/v1/me", tokenOf(t, r, "pc-1"), ""); s != 200 {
		t.Fatal("cancel deleted the account")
	}
	p.do(chromedp.ScrollIntoView(css("#greeting")))
	shoot(t, p, "privacy-center-en")
	p.do(chromedp.ScrollIntoView(css("#flows")))
	shoot(t, p, "privacy-flows-en")
}

// tokenOf mints a session for a userId.
func tokenOf(t *testing.T, r *running, user string) string { return r.session(t, user) }
