package app_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/config"
)

// Issue 18 item 4: a person without an account files a request from a public page. They
// give an email address; a one-time code reaches it through a real SMTP server; the request
// exists only once the code comes back. The answer is the same for a customer's address and
// a stranger's; codes are limited per address and per client; neither the address nor the
// code is kept in clear. An operator then verifies the identity and links the request to
// the customer, whose erasure it then carries out.
func TestVisitorRequestFormWithRealSMTP(t *testing.T) {
	box := newMailbox(t)
	var dataDir string
	r := startAppWith(t, func(c *config.Config) {
		c.Notify.SMTPAddr, c.Notify.SMTPFrom, c.Notify.SMTPTLS = box.Addr, "privacy@shop.example.com", "none"
		dataDir = c.DataDir
	})
	r.track(t, `{"batch":[{"type":"identify","userId":"vis-cust","traits":{"email":"mei.wang@example.com","name":"王美"}},
		{"type":"track","userId":"vis-cust","event":"Product Viewed","properties":{"product_id":"p1"}}]}`)
	codeFor := func(body string) (int, map[string]any) {
		t.Helper()
		s, b := r.call(t, "POST", "/api/v1/visitor/requests/code", "", body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return s, m
	}
	keys := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, ",")
	}
	// No enumeration: a customer's address and a stranger's get the same answer.
	s1, cust := codeFor(`{"email":"mei.wang@example.com","type":"erasure","lang":"en"}`)
	s2, stranger := codeFor(`{"email":"nobody@example.net","type":"erasure","lang":"en"}`)
	if s1 != 202 || s2 != 202 || keys(cust) != "challenge,expires_at" || keys(stranger) != keys(cust) {
		t.Fatalf("code answers differ: %d %v / %d %v", s1, cust, s2, stranger)
	}
	code, mail := box.code(t, "nobody@example.net", 0)
	if code == "" || !strings.Contains(mail.Body, code) || !strings.Contains(mail.Body, "15 minutes") || mail.From != "privacy@shop.example.com" {
		t.Fatalf("code mail: %+v", mail)
	}
	// A wrong code is refused with the tries left; the right one then files the request.
	confirm := func(ch, email, code string) (int, []byte) {
		return r.call(t, "POST", "/api/v1/visitor/requests", "", `{"challenge":"`+ch+`","email":"`+email+`","code":"`+code+`"}`)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if s, b := confirm(stranger["challenge"].(string), "nobody@example.net", wrong); s != 400 || !strings.Contains(string(b), "4 tries left") {
		t.Fatalf("wrong code: %d %s", s, b)
	}
	if s, b := confirm(stranger["challenge"].(string), "someone.else@example.net", code); s != 400 {
		t.Fatalf("the code works for another address: %d %s", s, b)
	}
	s, b := confirm(stranger["challenge"].(string), "nobody@example.net", code)
	var stray map[string]any
	json.Unmarshal(b, &stray)
	if s != 201 || stray["state"] != "received" {
		t.Fatalf("confirm: %d %s", s, b)
	}
	if s, _ := confirm(stranger["challenge"].(string), "nobody@example.net", code); s != 400 {
		t.Fatal("a code was used twice")
	}
	// At most three codes an hour for an address.
	codeFor(`{"email":"nobody@example.net","type":"access"}`)
	codeFor(`{"email":"nobody@example.net","type":"access"}`)
	if s, m := codeFor(`{"email":"nobody@example.net","type":"access"}`); s != 429 {
		t.Fatalf("a fourth code this hour: %d %v", s, m)
	}
	if s, _ := codeFor(`{"email":"not an address","type":"access"}`); s != 400 {
		t.Fatal("a bad address accepted")
	}
	if s, _ := codeFor(`{"email":"x@example.net","type":"withdrawal"}`); s != 400 {
		t.Fatal("a withdrawal without an account accepted")
	}

	// The page, in English and in Chinese, with screenshots.
	p := page{t, browsertest.New(t)}
	filed := map[string]string{}
	for _, c := range []struct{ lang, email, typ, details, heading string }{
		{"en", "mei.wang@example.com", "erasure", "Please delete everything about me.", "Make a request about your data"},
		{"zh-CN", "li.yi@example.org", "access", "请告诉我你们保存了哪些信息。", "就您的个人信息提出请求"},
	} {
		p.do(chromedp.Navigate(r.base+"/privacy/request?lang="+c.lang), chromedp.WaitVisible(css("#visitor-email")))
		if h := p.text("#visitor-h"); h != c.heading {
			t.Fatalf("%s heading %q", c.lang, h)
		}
		p.do(chromedp.SendKeys(css("#visitor-email"), c.email), chromedp.SetValue(css("#visitor-type"), c.typ),
			chromedp.SendKeys(css("#visitor-details"), c.details))
		shoot(t, p, "request-form-"+c.lang)
		seen := 0
		if c.lang == "en" {
			seen = 1 // the API asked for one above
		}
		p.do(chromedp.Click(css("#visitor-send")), chromedp.WaitVisible(css("#visitor-code")))
		code, mail := box.code(t, c.email, seen)
		if c.lang == "zh-CN" && (!strings.Contains(mail.Subject, "验证码") || !strings.Contains(mail.Body, "15分钟内有效")) {
			t.Fatalf("the Chinese code mail: %+v", mail)
		}
		p.do(chromedp.SendKeys(css("#visitor-code"), code))
		shoot(t, p, "request-code-"+c.lang)
		p.do(chromedp.Click(css("#code-confirm")), chromedp.WaitVisible(css("#visitor-done")))
		id := p.text("#receipt-id")
		if !strings.HasPrefix(id, "rr_") {
			t.Fatalf("receipt %q", id)
		}
		filed[c.lang] = id
		shoot(t, p, "request-done-"+c.lang)
		if c.lang == "zh-CN" {
			text := evalJS[string](p, `document.querySelector('main').innerText`)
			rest := strings.NewReplacer(c.email, "", id, "").Replace(text)
			if regexp.MustCompile(`[A-Za-z]{4,}`).MatchString(rest) {
				t.Fatalf("English on the Chinese form: %q", rest)
			}
		}
		_, receipt := box.code(t, c.email, seen+1)
		if !strings.Contains(receipt.Body, id) {
			t.Fatalf("receipt mail: %+v", receipt)
		}
	}

	// Nothing of the addresses or the codes is kept in clear, anywhere in the data directory.
	entries, _ := os.ReadDir(dataDir)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		raw, _ := os.ReadFile(filepath.Join(dataDir, e.Name()))
		for _, secret := range []string{"mei.wang@example.com", "li.yi@example.org", "nobody@example.net", "delete everything about me"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Fatalf("%s holds %q in clear", e.Name(), secret)
			}
		}
	}

	// The operator sees who asked, verifies the identity against the shop's records and
	// links the request to the customer; closing it erases the customer.
	_, po := r.operator(t, "Lin Officer", auth.RolePrivacyOfficer)
	en := r.requestAs(t, po, filed["en"])
	if en.Origin != "visitor" || en.State != "received" || en.Requester == nil || en.Requester.Email != "mei.wang@example.com" || en.Requester.Linked ||
		en.Details["message"] != "Please delete everything about me." {
		t.Fatalf("the visitor's request as the operator sees it: %+v %+v", en, en.Requester)
	}
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+filed["en"]+"/steps", po, `{"state":"done","reason":"x"}`); s != 409 {
		t.Fatalf("closed before the identity was verified: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+filed["en"]+"/verification", po, `{"method":"email_on_file","user_id":"no-such-user"}`); s != 404 {
		t.Fatalf("verified against a userId nobody has: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+filed["en"]+"/verification", po, `{"method":"email_on_file","user_id":"vis-cust"}`); s != 200 {
		t.Fatalf("verify: %d %s", s, b)
	}
	linked := r.requestAs(t, po, filed["en"])
	if linked.State != "verified" || linked.Requester == nil || !linked.Requester.Linked || linked.Requester.Name != "王美" ||
		linked.Requester.Email != "mei.wang@example.com" || linked.Details["message"] != "Please delete everything about me." {
		t.Fatalf("after linking: %+v %+v", linked, linked.Requester)
	}
	sub := waitSubject(t, r, "vis-cust")
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+filed["en"]+"/steps", po, `{"state":"done","reason":"erased"}`); s != 200 {
		t.Fatalf("done: %d %s", s, b)
	}
	fp, err := r.app.Store.SubjectFootprint(t.Context(), sub)
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range fp {
		if n != 0 {
			t.Fatalf("the erasure left %d rows in %s", n, k)
		}
	}
	// A stranger's request: no customer matches, so nothing is held.
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+filed["zh-CN"]+"/verification", po, `{"method":"no_account"}`); s != 200 || !strings.Contains(string(b), "nothing is held") {
		t.Fatalf("no account: %d %s", s, b)
	}
	// The public form is rate-limited per client address too.
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		s, b := r.call(t, "POST", "/api/v1/visitor/requests/code", "", `{"email":"flood`+string(rune('a'+i%26))+`@example.net","type":"access"}`)
		limited = s == 429 && strings.Contains(string(b), "from this address")
	}
	if !limited {
		t.Fatal("no per-client limit on the public form")
	}
}
