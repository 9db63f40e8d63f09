package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
)

func (r *running) session(t *testing.T, userID string) string {
	t.Helper()
	status, body := r.call(t, "POST", "/api/v1/subjects/"+userID+"/sessions", r.admin, "")
	if status != 201 {
		t.Fatalf("mint %s: %d %s", userID, status, body)
	}
	var m struct{ Token string }
	json.Unmarshal(body, &m)
	return m.Token
}

// Rights requests through the privacy center and the operator queue (issue 9 items 1-2).
func TestRightsRequests(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"identify","userId":"rq-a","traits":{"email":"a@example.com"}},{"type":"identify","userId":"rq-b","traits":{"email":"b@example.com"}}]}`)
	a, b := r.session(t, "rq-a"), r.session(t, "rq-b")
	post := func(tok, body string) map[string]any {
		t.Helper()
		status, out := r.call(t, "POST", "/api/v1/me/requests", tok, body)
		if status != 201 {
			t.Fatalf("request %s: %d %s", body, status, out)
		}
		var m map[string]any
		json.Unmarshal(out, &m)
		return m
	}
	// A withdrawal made as a request is carried out at once.
	r.call(t, "POST", "/api/v1/me/consents", a, `{"purpose":"analytics.reporting","granted":true}`)
	w := post(a, `{"type":"withdrawal","details":{"purpose":"analytics.reporting"}}`)
	if w["state"] != "done" || !strings.Contains(w["deadline_source"].(string), "GB/T 35273-2020") {
		t.Fatalf("withdrawal: %v", w)
	}
	// A correction waits for an operator: verified → in_progress → done.
	c := post(a, `{"type":"correction","jurisdiction":"EU","details":{"field":"traits.email"}}`)
	if c["state"] != "verified" || !strings.Contains(c["deadline_source"].(string), "GDPR Art. 12(3)") {
		t.Fatalf("correction: %v", c)
	}
	id := c["id"].(string)
	if status, body := r.call(t, "POST", "/api/v1/rights-requests/"+id+"/steps", r.admin, `{"state":"refused"}`); status != 400 {
		t.Fatalf("refusal without reason: %d %s", status, body)
	}
	if status, _ := r.call(t, "POST", "/api/v1/rights-requests/"+id+"/steps", r.admin, `{"state":"in_progress"}`); status != 200 {
		t.Fatal("in_progress")
	}
	if status, body := r.call(t, "POST", "/api/v1/rights-requests/"+id+"/steps", r.admin, `{"state":"done","reason":"email corrected"}`); status != 200 || !strings.Contains(string(body), "email corrected") {
		t.Fatalf("done: %d %s", status, body)
	}
	if status, _ := r.call(t, "POST", "/api/v1/rights-requests/"+id+"/steps", r.admin, `{"state":"in_progress"}`); status != 409 {
		t.Fatal("a done request moved again")
	}
	if status, _ := r.call(t, "POST", "/api/v1/me/requests", a, `{"type":"telepathy"}`); status != 400 {
		t.Fatal("unknown type accepted")
	}
	// The queue lists open requests first, with deadline flags; B's open request is there.
	post(b, `{"type":"restriction","jurisdiction":"US-CA"}`)
	status, body := r.call(t, "GET", "/api/v1/rights-requests", r.admin, "")
	var q struct{ Requests []map[string]any }
	json.Unmarshal(body, &q)
	if status != 200 || len(q.Requests) != 3 || q.Requests[0]["state"] != "verified" || q.Requests[0]["due_soon"] != false {
		t.Fatalf("queue: %d %s", status, body)
	}

	// No /api/v1/me route reaches another subject's data: B's session with A's ids in the
	// path, query and body still sees only B (issue 9 acceptance).
	if status, _ := r.call(t, "GET", "/api/v1/me/requests/"+id, b, ""); status != 404 {
		t.Fatalf("B read A's request: %d", status)
	}
	subA, _ := r.app.SubjectForUserID(t.Context(), "rq-a")
	for _, probe := range []struct{ method, path, body string }{
		{"GET", "/api/v1/me?subject=" + subA + "&userId=rq-a", ""},
		{"GET", "/api/v1/me/requests?subject_id=" + subA, ""},
		{"GET", "/api/v1/me/export?subject=" + subA, ""},
		{"GET", "/api/v1/me/consent-mode?subject=" + subA, ""},
	} {
		status, body := r.call(t, probe.method, probe.path, b, probe.body)
		if status != 200 || strings.Contains(string(body), subA) || strings.Contains(string(body), "a@example.com") || strings.Contains(string(body), id) {
			t.Fatalf("%s %s as B: %d %s", probe.method, probe.path, status, body)
		}
	}
	// Bodies naming A are refused (unknown fields) or act on B only.
	if status, _ := r.call(t, "POST", "/api/v1/me/consents", b, `{"purpose":"analytics.reporting","granted":true,"subject_id":"`+subA+`"}`); status != 400 {
		t.Fatalf("a body naming another subject was accepted: %d", status)
	}
	if status, _ := r.call(t, "POST", "/api/v1/me/requests", b, `{"type":"access","subject_id":"`+subA+`"}`); status != 400 {
		t.Fatalf("a request body naming another subject was accepted: %d", status)
	}
	// Account deletion in a verified session is done within seconds, and A's data is gone.
	d := post(a, `{"type":"account_deletion"}`)
	if d["state"] != "done" || !strings.Contains(d["deadline_source"].(string), "15 working days") {
		t.Fatalf("account deletion: %v", d)
	}
	if status, _ := r.call(t, "GET", "/api/v1/me", a, ""); status != 401 {
		t.Fatal("A's session survived the deletion")
	}
	if _, err := r.app.SubjectForUserID(t.Context(), "rq-a"); err == nil {
		t.Fatal("A still resolves")
	}
	status, body = r.call(t, "GET", "/api/v1/rights-requests/"+d["id"].(string), r.admin, "")
	if status != 200 || !strings.Contains(string(body), "completeness check found nothing left") {
		t.Fatalf("deletion record: %d %s", status, body)
	}
}

// The console's request queue: deadlines, steps, and moving a request on (issue 9 item 5).
func TestConsoleRequestQueue(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"identify","userId":"q-1","traits":{"email":"q@example.com"}}]}`)
	tok := r.session(t, "q-1")
	status, body := r.call(t, "POST", "/api/v1/me/requests", tok, `{"type":"correction","jurisdiction":"EU"}`)
	var req struct{ ID string }
	json.Unmarshal(body, &req)
	if status != 201 {
		t.Fatalf("request: %d %s", status, body)
	}
	p := page{t, browsertest.New(t)}
	p.do(chromedp.Navigate(r.base+"/console/?lang=en"),
		chromedp.SendKeys(css("#token"), r.admin),
		chromedp.Click(css("#signin-submit")),
		chromedp.WaitVisible(css("#nav-rights")),
		chromedp.Click(css("#nav-rights")),
		chromedp.WaitVisible(css(`a[data-request="`+req.ID+`"]`)),
		chromedp.Click(css(`a[data-request="`+req.ID+`"]`)),
		chromedp.WaitVisible(css("#step-start")))
	if steps := p.text("#request-steps"); !strings.Contains(steps, "Received") {
		t.Fatalf("steps = %q", steps)
	}
	p.do(chromedp.Click(css("#step-start")), chromedp.WaitVisible(css("#requests-table")))
	for i := 0; i < 50; i++ {
		if row := evalJS[string](p, `(document.getElementById('requests-table') || {innerText: ''}).innerText`); strings.Contains(row, "In progress") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the request did not move to in_progress")
}
