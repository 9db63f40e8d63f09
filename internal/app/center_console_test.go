package app_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/config"
)

// waitText waits until the element's text contains want.
func waitText(p page, sel, want string) string {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	got := ""
	for time.Now().Before(deadline) {
		got = evalJS[string](p, `(document.querySelector(`+jsString(sel)+`) || {innerText: ""}).innerText`)
		if strings.Contains(got, want) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("%s never said %q: %q", sel, want, got)
	return ""
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// fileVisitorRequest files a request through the public form's API, reading the code from
// the mailbox.
func fileVisitorRequest(t *testing.T, r *running, box *mailbox, email, typ, message string) string {
	t.Helper()
	s, b := r.call(t, "POST", "/api/v1/visitor/requests/code", "", `{"email":"`+email+`","type":"`+typ+`"}`)
	if s != 202 {
		t.Fatalf("code: %d %s", s, b)
	}
	var ch struct{ Challenge string }
	json.Unmarshal(b, &ch)
	code, _ := box.code(t, email, 0)
	s, b = r.call(t, "POST", "/api/v1/visitor/requests", "", `{"challenge":"`+ch.Challenge+`","email":"`+email+`","code":"`+code+`","details":{"message":"`+message+`"}}`)
	if s != 201 {
		t.Fatalf("confirm: %d %s", s, b)
	}
	var rc struct{ ID string }
	json.Unmarshal(b, &rc)
	return rc.ID
}

// Issue 18 item 4 in the console, in English and in Chinese: the queue, then a request with
// who asked (masked for an auditor), what they asked, law and deadline; the identity check of
// a request from the public form, assignment, a note, the extension where the law allows it
// (and a disabled button saying why where it does not), moving it on, and the notices the
// shop's backend received.
func TestConsoleWorksRequestsInBrowser(t *testing.T) {
	box := newMailbox(t)
	shop := newHook(t, "shop-webhook-secret-0123456789")
	r := startAppWith(t, func(c *config.Config) {
		c.Notify.SMTPAddr, c.Notify.SMTPFrom, c.Notify.SMTPTLS = box.Addr, "privacy@shop.example.com", "none"
		c.Notify.RightsWebhookURL, c.Notify.RightsWebhookSecret = shop.URL, "shop-webhook-secret-0123456789"
	})
	r.track(t, `{"batch":[{"type":"identify","userId":"cw-1","traits":{"email":"hua.li@example.com","name":"李华"}},
		{"type":"identify","userId":"cw-2","traits":{"email":"mia.k@example.de","name":"Mia Koch"}}]}`)
	file := func(user, body string) string {
		t.Helper()
		s, b := r.call(t, "POST", "/api/v1/me/requests", r.session(t, user), body)
		if s != 201 {
			t.Fatalf("file: %d %s", s, b)
		}
		var d struct{ ID string }
		json.Unmarshal(b, &d)
		return d.ID
	}
	euCorrection := file("cw-2", `{"type":"correction","jurisdiction":"EU","details":{"field":"traits.name","value":"Mia Koch-Weber"}}`)
	cnCorrection := file("cw-1", `{"type":"correction","jurisdiction":"CN","details":{"field":"traits.email","value":"hua@example.cn"}}`)
	visitor := fileVisitorRequest(t, r, box, "hua.li@example.com", "erasure", "Delete me please")
	poID, po := r.operator(t, "Lin Officer", auth.RolePrivacyOfficer)
	_, auditor := r.operator(t, "Ann Auditor", auth.RoleAuditor)

	p := page{t, browsertest.New(t)}
	signIn := func(lang, token string) {
		if evalJS[bool](p, `!!document.getElementById('app') && !document.getElementById('app').hidden`) {
			p.do(chromedp.Click(css("#signout")), chromedp.WaitVisible(css("#token"))) // a new operator signs in
		}
		p.do(chromedp.Navigate(r.base+"/console/?lang="+lang), chromedp.WaitVisible(css("#token")))
		p.do(chromedp.SendKeys(css("#token"), token), chromedp.Click(css("#signin-submit")),
			chromedp.WaitVisible(css("#nav-rights")), chromedp.Click(css("#nav-rights")), chromedp.WaitVisible(css("#requests-mine")))
	}
	open := func(id string) {
		p.do(chromedp.Click(css(`a[data-request="`+id+`"]`)), chromedp.WaitVisible(css(`article.request[data-request="`+id+`"]`)))
	}

	// English, as the privacy officer: the visitor's erasure.
	signIn("en", po)
	if n := evalJS[int](p, `document.querySelectorAll('#requests-table tbody tr').length`); n != 3 {
		t.Fatalf("%d requests in the queue", n)
	}
	shoot(t, p, "console-requests-queue-en")
	open(visitor)
	who := p.text("#requester-email")
	if who != "hua.li@example.com" || !strings.Contains(p.text("#request-details"), "Delete me please") || !strings.Contains(p.text("#request-title"), "Deletion") {
		t.Fatalf("who asked %q", who)
	}
	p.do(chromedp.SetValue(css("#verify-method"), "email_on_file"), chromedp.SendKeys(css("#verify-userid"), "cw-1"), chromedp.Click(css("#verify-submit")))
	waitText(p, "#request-title", "Verified")
	if name := p.text("#requester-name"); name != "李华" {
		t.Fatalf("linked to %q", name)
	}
	p.do(chromedp.SetValue(css("#request-assignee"), poID), chromedp.Click(css("#request-assign")))
	waitJS(p, `document.querySelector('#requests-table tr[data-row="`+visitor+`"]').innerText.includes("Lin Officer") && !!document.querySelector('article.request')`,
		`document.getElementById('screen').innerText`, 10*time.Second)
	p.do(chromedp.SendKeys(css("#note-text"), "Called the customer; erasure confirmed."), chromedp.Click(css("#note-add")))
	waitText(p, "#request-notes", "erasure confirmed")
	p.do(chromedp.ScrollIntoView(css(`article.request`)))
	shoot(t, p, "console-request-visitor-en")

	// The EU correction: extended by two months, then worked to done.
	open(euCorrection)
	if !strings.Contains(p.text("#request-extension"), "allowed") {
		t.Fatalf("extension: %q", p.text("#request-extension"))
	}
	p.do(chromedp.SetValue(css("#extend-reason"), "complexity"), chromedp.Click(css("#extend-submit")))
	waitText(p, "#request-steps", "because the request is complex")
	p.do(chromedp.Click(css("#step-start")))
	waitText(p, "#request-title", "In progress")
	p.do(chromedp.SendKeys(css("#step-reason"), "name corrected"), chromedp.Click(css("#step-done")))
	waitText(p, "#request-title", "Done")
	shop.wait(t, "the correction was done", func(n hookNotice) bool { return n.Request.ID == euCorrection && n.Request.State == "done" })
	waitText(p, "#request-notices", "Deadline extended")
	// Reopened once the last notice went out, the screen lists every notice delivered.
	waitJS(p, `(window.steward.screens.rights.open(`+jsString(euCorrection)+`), [...document.querySelectorAll('#request-notices li')].filter(li => li.innerText.includes("delivered")).length === 4)`,
		`document.getElementById('request-notices').innerText`, 10*time.Second)
	evalJS[bool](p, `document.getElementById('request-notices').scrollIntoView(); true`)
	shoot(t, p, "console-request-done-en")

	// Chinese: the PIPL request cannot be extended, and the page says why.
	signIn("zh-CN", po)
	open(cnCorrection)
	if dis := evalJS[bool](p, `document.getElementById('extend-submit').disabled`); !dis || !strings.Contains(p.text("#extend-help"), "GB/T 35273-2020") {
		t.Fatalf("the PIPL extension is offered: %v %q", dis, p.text("#extend-help"))
	}
	p.do(chromedp.SendKeys(css("#note-text"), "已电话联系李华核实新邮箱。"), chromedp.Click(css("#note-add")))
	waitText(p, "#request-notes", "已电话联系")
	text := evalJS[string](p, `document.getElementById('request-detail').innerText`)
	for _, en := range []string{"Correction", "Received", "Assigned to", "Notes"} {
		if strings.Contains(text, en) {
			t.Fatalf("English %q on the Chinese screen: %q", en, text)
		}
	}
	p.do(chromedp.ScrollIntoView(css(`article.request`)))
	shoot(t, p, "console-request-pipl-zh-CN")

	// The auditor reads, masked, and has nothing to click.
	signIn("zh-CN", auditor)
	shoot(t, p, "console-requests-queue-zh-CN")
	open(cnCorrection)
	if !evalJS[bool](p, `!!document.getElementById('requester-masked')`) || strings.Contains(p.text("#requester-customer-email"), "hua.li") ||
		evalJS[bool](p, `!!document.getElementById('note-add') || !!document.getElementById('step-done')`) {
		t.Fatal("the auditor's view is not masked, or offers writes")
	}
	if regexp.MustCompile(`hua\.li@`).MatchString(evalJS[string](p, `document.body.innerText`)) {
		t.Fatal("the auditor sees the address in clear")
	}
	shoot(t, p, "console-request-auditor-zh-CN")

	// What the console did is what the store holds.
	d := r.requestAs(t, po, visitor)
	if d.Assignee != poID || len(d.Notes) != 1 || d.State != "verified" || !d.Requester.Linked {
		t.Fatalf("visitor request after the console: %+v", d)
	}
	if e := r.requestAs(t, po, euCorrection); e.State != "done" || !e.Extended {
		t.Fatalf("EU request after the console: %+v", e)
	}
}
