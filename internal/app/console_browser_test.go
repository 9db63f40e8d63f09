package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/browsertest"
)

// signIn opens the console in lang and signs in with a pasted token.
func (p page) signIn(base, lang, token string) {
	p.t.Helper()
	// A fresh sign-in, not the saved one: forget it on a page of the origin that does not
	// start the console (which would save it again).
	p.step("forget the saved token", chromedp.Navigate(base+"/healthz"))
	evalJS[bool](p, `(sessionStorage.clear(), true)`)
	p.step("sign in", chromedp.Navigate(base+"/console/?lang="+lang),
		chromedp.WaitVisible(css("#token")),
		chromedp.SendKeys(css("#token"), token),
		chromedp.Click(css("#signin-submit")),
		chromedp.WaitVisible(css("#nav-list a")))
}

// step runs browser actions with a deadline, failing with what the page shows instead of
// waiting for the whole test's.
func (p page) step(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v; the page shows %q", what, err, evalJS[string](p, `document.body.innerText.slice(0, 1500)`))
	}
}

// shots takes the acceptance screenshots of the page as it is: desktop and phone.
func (p page) shots(name string) {
	p.t.Helper()
	browsertest.Screenshot(p.t, p.ctx, name+"-1400x1000", 1400, 1000)
	browsertest.Screenshot(p.t, p.ctx, name+"-390x844", 390, 844)
	p.do(chromedp.EmulateReset())
}

// contactPerson is a customer who gave an email and a phone number and ordered twice.
const contactPerson = `"type":"identify","traits":{"email":"Li.Na@Example.com","phone":"138 0013 8000","name":"李娜","address":{"city":"上海"}}`

// People (issue 18 item 1): an administrator finds a person by email and by phone (blind
// indexes: the query is written differently from what was sent), sees contact details,
// identifiers, consent history with receipt kinds, tags with reasons, a purpose-bound
// timeline and the audit acts, and opens their privacy center with a reason; a marketer finds
// them by userId only, sees no contact details, and the timeline masks identifiers.
func TestConsolePeopleInBrowser(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	now := time.Now().UTC()
	r.track(t, shopperBatch("people-1", "anon-people-1", now.Add(-time.Hour), contactPerson, order, order))
	r.track(t, shopperBatch("people-2", "anon-people-2", now.Add(-time.Hour), `"type":"identify","traits":{"email":"other@example.com"}`))
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := r.call(t, "GET", "/api/v1/subjects/people-1/person", r.admin, "")
		if status == 200 && strings.Contains(string(body), `"repeat_buyer"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("person page: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The API: exact matches through the index, normalised like ingestion; no match for a
	// near miss; the shape {"subjects":[{"user_id",…}]}.
	for q, want := range map[string]string{"li.na@example.com": "people-1", "+86 138-0013-8000": "people-1", "13800138000": "people-1",
		"people-2": "people-2", "li.na@example.co": "", "people": ""} {
		status, body := r.call(t, "GET", "/api/v1/subjects?q="+url.QueryEscape(q), r.admin, "")
		var res struct {
			Subjects []struct {
				UserID  string `json:"user_id"`
				Matched string `json:"matched"`
			} `json:"subjects"`
		}
		if status != 200 || json.Unmarshal(body, &res) != nil {
			t.Fatalf("search %q: %d %s", q, status, body)
		}
		if want == "" && len(res.Subjects) != 0 || want != "" && (len(res.Subjects) != 1 || res.Subjects[0].UserID != want) {
			t.Fatalf("search %q = %s, want %q", q, body, want)
		}
	}
	tokens := r.roleTokens(t)
	if status, body := r.call(t, "GET", "/api/v1/subjects?q=li.na@example.com", tokens[auth.RoleMarketer], ""); status != 403 {
		t.Fatalf("a marketer searched by email: %d %s", status, body)
	}
	if status, body := r.call(t, "GET", "/api/v1/subjects?q=people-1", tokens[auth.RoleAnalyst], ""); status != 403 {
		t.Fatalf("an analyst (neither subjects:read nor profiles:read) searched: %d %s", status, body)
	}

	p := page{t, browsertest.New(t)}
	for _, lang := range []string{"en", "zh-CN"} {
		p.signIn(r.base, lang, r.admin)
		p.step("step 1", chromedp.Click(css("#nav-people")), chromedp.WaitVisible(css("#people-q")),
			chromedp.SendKeys(css("#people-q"), " LI.NA@example.com "), chromedp.Click(css("#people-search")),
			chromedp.WaitVisible(css("#person-audit")))
		if u := p.text("#person-user"); u != "people-1" {
			t.Fatalf("%s: person = %q", lang, u)
		}
		if e, ph := p.text("#contact-email"), p.text("#contact-phone"); e != "Li.Na@Example.com" || ph != "138 0013 8000" {
			t.Fatalf("%s: an administrator sees contact %q %q", lang, e, ph)
		}
		if n := p.text(`#person-identities dd[data-kind="email"]`); n != "1" {
			t.Fatalf("%s: email identities = %q", lang, n)
		}
		if rows := evalJS[int](p, `document.querySelectorAll('#consent-history tbody tr').length`); rows < 3 {
			t.Fatalf("%s: consent history rows = %d", lang, rows)
		}
		kind := map[string]string{"en": "given", "zh-CN": "同意"}[lang]
		if h := p.text("#consent-history"); !strings.Contains(h, kind) || !strings.Contains(h, "api") {
			t.Fatalf("%s: consent history lacks the receipt kind or method: %q", lang, h)
		}
		if tag := p.text(`#person-tag-list li[data-tag="repeat_buyer"]`); !strings.Contains(tag, "2") {
			t.Fatalf("%s: tag without its facts: %q", lang, tag)
		}
		p.step("step 2", chromedp.SetValue(css("#timeline-purpose"), "essential.service"), chromedp.Click(css("#timeline-show")), chromedp.WaitVisible(css("#timeline")))
		if tl := p.text("#timeline"); !strings.Contains(tl, "Li.Na@Example.com") {
			t.Fatalf("%s: an administrator's essential.service timeline: %q", lang, tl)
		}
		reason := map[string]string{"en": "The customer called the help desk", "zh-CN": "用户致电客服"}[lang]
		p.step("step 3", chromedp.SendKeys(css("#session-reason"), reason), chromedp.Click(css("#session-mint")), chromedp.WaitVisible(css("#session-url")))
		href := evalJS[string](p, `document.getElementById('session-url').href`)
		if !strings.HasPrefix(href, r.base+"/privacy/#token=") {
			t.Fatalf("%s: session link = %q", lang, href)
		}
		p.step("step 4", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		p.shots("console-person-" + lang)
	}
	// The minted sessions' reasons are in the person's own report, with who opened them.
	status, body := r.call(t, "GET", "/api/v1/subjects/people-1/person", r.admin, "")
	if status != 200 || !strings.Contains(string(body), "session_minted") || !strings.Contains(string(body), `"act":"read"`) {
		t.Fatalf("the person page's audit lacks the reads and the sessions: %d %.400s", status, body)
	}

	// A marketer: userId only, no contact section; the timeline masks email and phone.
	p.signIn(r.base, "en", tokens[auth.RoleMarketer])
	p.step("step 5", chromedp.Click(css("#nav-people")), chromedp.WaitVisible(css("#people-q")),
		chromedp.SendKeys(css("#people-q"), "li.na@example.com"), chromedp.Click(css("#people-search")))
	waitJS(p, `document.querySelector('#people-results .error')`, `document.getElementById('screen').innerText`, 10*time.Second)
	p.step("step 6", chromedp.SetValue(css("#people-q"), "people-1"), chromedp.Click(css("#people-search")), chromedp.WaitVisible(css("#person-timeline")))
	if n := evalJS[int](p, `document.querySelectorAll('#person-contact, #session-form').length`); n != 0 {
		t.Fatal("a marketer sees contact details or can mint sessions")
	}
	p.step("step 7", chromedp.SetValue(css("#timeline-purpose"), "essential.service"), chromedp.Click(css("#timeline-show")), chromedp.WaitVisible(css("#timeline-note")))
	if tl := p.text("#timeline-out"); strings.Contains(tl, "Li.Na@Example.com") || strings.Contains(tl, "13800138000") || strings.Contains(tl, "138 0013 8000") {
		t.Fatalf("a marketer sees identifiers in clear: %q", tl)
	}
	if note := p.text("#timeline-note"); !strings.Contains(note, "masked") {
		t.Fatalf("timeline note = %q", note)
	}
	p.shots("console-person-marketer-en")
}

// The overview (issue 18 item 2): its counters are the ingestion's own (what the API said
// it kept and dropped), consent choices are charted per purpose by manifest name on the day
// they were made, with axes and units, in both languages.
func TestConsoleOverviewInBrowser(t *testing.T) {
	r := startApp(t)
	now := time.Now().UTC()
	// Kept: three messages with consent; dropped: two events no purpose the person allows
	// needs (no consent at all), and one event type the manifest does not know.
	r.track(t, shopperBatch("ov-1", "anon-ov-1", now.Add(-10*24*time.Hour), identifyShanghai, order, order))
	r.track(t, `{"batch":[{"type":"track","event":"Product Viewed","anonymousId":"anon-ov-2","properties":{"product_id":"p1"}},`+
		`{"type":"track","event":"Product Viewed","anonymousId":"anon-ov-2","properties":{"product_id":"p2"}},`+
		`{"type":"track","event":"Secret Thing","anonymousId":"anon-ov-2"}]}`)
	status, body := r.call(t, "GET", "/api/v1/overview", r.admin, "")
	if status != 200 {
		t.Fatalf("overview: %d %s", status, body)
	}
	var o struct {
		People      int64
		IngestToday struct {
			Received, Stored, Dropped int64
			DroppedBy                 map[string]int64 `json:"dropped_by"`
		} `json:"ingest_today"`
		Consent []struct {
			Purpose, Name string
			Days          []struct{ Day string }
		}
		Store struct{ Healthy bool }
	}
	json.Unmarshal(body, &o)
	if o.IngestToday.Received != 6 || o.IngestToday.Stored != 3 || o.IngestToday.Dropped != 3 || o.IngestToday.DroppedBy["event_not_in_manifest"] != 1 || !o.Store.Healthy || o.People != 2 {
		t.Fatalf("overview counts: %s", body)
	}
	// Consent was chosen ten days ago (the messages' time), not today when it arrived.
	choiceDay := now.Add(-10 * 24 * time.Hour).Format(time.DateOnly)
	found := false
	for _, c := range o.Consent {
		if c.Purpose == "analytics.reporting" {
			found = len(c.Days) == 1 && c.Days[0].Day == choiceDay && c.Name != c.Purpose
		}
	}
	if !found {
		t.Fatalf("consent by day of the choice (%s): %s", choiceDay, body)
	}

	p := page{t, browsertest.New(t)}
	for _, c := range []struct{ lang, purpose, axis string }{{"en", "Statistics about the shop", "events"}, {"zh-CN", "统计分析", "事件数"}} {
		p.signIn(r.base, c.lang, r.admin)
		p.step("step 8", chromedp.WaitVisible(css("#chart-ingest")))
		if v := p.text("#card-today .card-value"); !strings.Contains(v, "6") {
			t.Fatalf("%s: today card = %q", c.lang, v)
		}
		if rows := p.text("#drop-reasons"); !strings.Contains(rows, map[string]string{"en": "Event type not in the manifest", "zh-CN": "事件类型不在清单中"}[c.lang]) {
			t.Fatalf("%s: drop reasons = %q", c.lang, rows)
		}
		axis := evalJS[string](p, `[...document.querySelectorAll('#chart-ingest .axis-label')].map(e => e.textContent).join('|')`)
		if !strings.Contains(axis, c.axis) {
			t.Fatalf("%s: ingest chart axis labels = %q", c.lang, axis)
		}
		caps := p.text("#consent-by-purpose")
		if !strings.Contains(caps, c.purpose) || strings.Contains(caps, "analytics.reporting") {
			t.Fatalf("%s: consent charts are not labelled by purpose name: %q", c.lang, caps)
		}
		bars := evalJS[int](p, fmt.Sprintf(`document.querySelectorAll('figure[data-purpose="analytics.reporting"] rect[data-day="%s"]').length`, choiceDay))
		if bars != 1 {
			t.Fatalf("%s: no granted bar on the day of the choice %s", c.lang, choiceDay)
		}
		p.shots("console-overview-" + c.lang)
	}
}

// Operators and tokens (issue 18 item 3): create an operator, issue a token with a subset of
// its role's scopes and an expiry, see the secret once, and revoke it; the token works, then
// does not.
func TestConsoleOperatorsInBrowser(t *testing.T) {
	r := startApp(t)
	p := page{t, browsertest.New(t)}
	for _, lang := range []string{"en", "zh-CN"} {
		name := "li.na-" + lang
		p.signIn(r.base, lang, r.admin)
		p.step("step 9", chromedp.Click(css("#nav-operators")), chromedp.WaitVisible(css("#operator-form")),
			chromedp.SendKeys(css("#operator-name-new"), name), chromedp.SetValue(css("#operator-role-new"), "marketer"),
			chromedp.Click(css("#operator-create")))
		waitJS(p, `document.getElementById('operators-status').textContent.includes('`+name+`')`, `document.getElementById('operators-status').textContent`, 10*time.Second)
		opID := evalJS[string](p, `[...document.querySelectorAll('#token-operator option')].find(o => o.textContent.startsWith('`+name+`')).value`)
		p.step("step 10", chromedp.SetValue(css("#token-operator"), opID),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('token-operator').dispatchEvent(new Event('change'))`))
		// The form offers the marketer's scopes: no rights or subjects scopes.
		offered := evalJS[string](p, `[...document.querySelectorAll('#token-scopes input')].map(b => b.value).join(',')`)
		if !strings.Contains(offered, "segments:write") || strings.Contains(offered, "rights:read") || strings.Contains(offered, "subjects:read") {
			t.Fatalf("%s: scopes offered for a marketer = %q", lang, offered)
		}
		if d := evalJS[string](p, `document.getElementById('token-days').value`); d != "90" {
			t.Fatalf("%s: default expiry = %q days", lang, d)
		}
		p.step("step 11", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#token-scopes input')].forEach(b => { b.checked = b.value === 'segments:read' || b.value === 'tags:read'; })`),
			chromedp.SendKeys(css("#token-name"), "laptop"), chromedp.SetValue(css("#token-days"), "30"),
			chromedp.Click(css("#token-issue")), chromedp.WaitVisible(css("#token-secret")))
		secret := p.text("#token-secret")
		status, body := r.call(t, "GET", "/api/v1/whoami", secret, "")
		var who struct{ Scopes []string }
		json.Unmarshal(body, &who)
		if status != 200 || strings.Join(who.Scopes, ",") != "segments:read,tags:read" {
			t.Fatalf("%s: the issued token: %d %s", lang, status, body)
		}
		var toks struct {
			Tokens []struct {
				ID        string
				ExpiresAt time.Time `json:"expires_at"`
			}
		}
		_, body = r.call(t, "GET", "/api/v1/tokens?operator_id="+opID, r.admin, "")
		json.Unmarshal(body, &toks)
		if len(toks.Tokens) != 1 || time.Until(toks.Tokens[0].ExpiresAt) > 30*24*time.Hour || time.Until(toks.Tokens[0].ExpiresAt) < 29*24*time.Hour {
			t.Fatalf("%s: token expiry: %s", lang, body)
		}
		p.step("step 12", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		p.shots("console-operators-" + lang)
		evalJS[bool](p, `(window.confirm = () => true, true)`)
		p.step("step 13", chromedp.Click(css(`button[data-revoke="`+toks.Tokens[0].ID+`"]`)))
		waitJS(p, `document.querySelector('#tokens-table tr.revoked[data-token="`+toks.Tokens[0].ID+`"]')`, `document.getElementById('screen').innerText`, 10*time.Second)
		if status, _ := r.call(t, "GET", "/api/v1/whoami", secret, ""); status != 401 {
			t.Fatalf("%s: a revoked token still works: %d", lang, status)
		}
	}
}
