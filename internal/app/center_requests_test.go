package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/config"
)

// operator creates an operator of a role and a token for it.
func (r *running) operator(t *testing.T, name string, role auth.Role) (id, token string) {
	t.Helper()
	op, err := r.app.Auth.CreateOperator(context.Background(), name, role)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := r.app.Auth.IssueToken(context.Background(), op.ID, "t", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return op.ID, tok
}

type requestDoc struct {
	ID, Type, State, Jurisdiction, Origin, Assignee string
	Deadline                                        time.Time
	Extended                                        bool
	Extension                                       struct {
		Allowed bool
		Until   time.Time
		Why     string
	}
	Requester *struct {
		Email, Name    string
		UserID         string `json:"user_id"`
		CustomerEmail  string `json:"customer_email"`
		Masked, Linked bool
	}
	Details map[string]any
	Notes   []struct{ Actor, Text string }
	Notices []struct {
		Kind        string
		Attempts    int
		DeliveredAt *time.Time `json:"delivered_at"`
	}
	Steps []struct{ State, Actor, Note string }
}

func (r *running) requestAs(t *testing.T, token, id string) requestDoc {
	t.Helper()
	status, body := r.call(t, "GET", "/api/v1/rights-requests/"+id, token, "")
	if status != 200 {
		t.Fatalf("get %s: %d %s", id, status, body)
	}
	var d requestDoc
	json.Unmarshal(body, &d)
	return d
}

// Issue 18 item 4: a request is worked through the operator API — who asked, masked by
// role; what they asked; assignment, sealed notes, the extension where the law allows it and
// its refusal where it does not — and every state change reaches the shop's backend by a
// webhook signed with HMAC-SHA256 over timestamp and body, retried until it answers; every
// step is in the audit log.
func TestRightsRequestsAreWorked(t *testing.T) {
	const secret = "shop-webhook-secret-0123456789"
	shop := newHook(t, secret)
	shop.fail = 1 // the backend is down for the first delivery: it is retried
	r := startAppWith(t, func(c *config.Config) {
		c.Notify.RightsWebhookURL = shop.URL + "/hooks/privacy"
		c.Notify.RightsWebhookSecret = secret
	})
	r.track(t, `{"batch":[{"type":"identify","userId":"wk-1","traits":{"email":"wei.zhang@example.com","name":"张伟"}}]}`)
	tok := r.session(t, "wk-1")
	file := func(body string) requestDoc {
		t.Helper()
		status, out := r.call(t, "POST", "/api/v1/me/requests", tok, body)
		if status != 201 {
			t.Fatalf("file %s: %d %s", body, status, out)
		}
		var d requestDoc
		json.Unmarshal(out, &d)
		return d
	}
	corr := file(`{"type":"correction","jurisdiction":"EU","details":{"field":"traits.email","value":"wei@example.org"}}`)
	first := shop.wait(t, "the correction was filed", func(n hookNotice) bool { return n.Request.ID == corr.ID && n.Request.State == "verified" })
	if first.Type != "rights_request.state_changed" || first.Request.UserID != "wk-1" || first.Request.Type != "correction" ||
		first.Request.Jurisdiction != "EU" || first.Key != first.ID || first.Event != first.Type {
		t.Fatalf("notice: %+v", first)
	}
	shop.mu.Lock()
	tries, bad := shop.tries[first.ID], shop.bad
	shop.mu.Unlock()
	if tries != 2 || bad != 0 {
		t.Fatalf("the notice was delivered after %d tries (want a retry after the failure), %d bad signatures", tries, bad)
	}

	// Who asked, masked by role: the privacy officer sees the customer in clear, the
	// auditor masked; both see what was asked.
	poID, po := r.operator(t, "Lin Officer", auth.RolePrivacyOfficer)
	_, auditor := r.operator(t, "Ann Auditor", auth.RoleAuditor)
	clear := r.requestAs(t, po, corr.ID)
	if clear.Requester == nil || clear.Requester.UserID != "wk-1" || clear.Requester.Name != "张伟" || clear.Requester.CustomerEmail != "wei.zhang@example.com" ||
		clear.Requester.Masked || !clear.Requester.Linked || clear.Details["value"] != "wei@example.org" {
		t.Fatalf("privacy officer's view: %+v %v", clear.Requester, clear.Details)
	}
	masked := r.requestAs(t, auditor, corr.ID)
	if masked.Requester == nil || !masked.Requester.Masked || strings.Contains(masked.Requester.CustomerEmail, "wei.zhang") ||
		masked.Requester.Name == "张伟" || masked.Requester.UserID == "wk-1" || masked.Requester.CustomerEmail == "" {
		t.Fatalf("auditor's view is not masked: %+v", masked.Requester)
	}
	// The auditor reads; only rights:write works a request.
	if s, _ := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/assignee", auditor, `{"operator_id":"`+poID+`"}`); s != 403 {
		t.Fatalf("an auditor assigned a request: %d", s)
	}

	// Assignment.
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/assignee", po, `{"operator_id":"op_nobody"}`); s != 400 {
		t.Fatalf("assigned to nobody: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/assignee", po, `{"operator_id":"`+poID+`"}`); s != 200 || !strings.Contains(string(b), poID) {
		t.Fatalf("assign: %d %s", s, b)
	}

	// A note names the person: it is sealed at rest and its text is nowhere in the log.
	const noteText = "张伟 called: the new address is wei@example.org"
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/notes", po, `{"text":"`+noteText+`"}`); s != 200 {
		t.Fatalf("note: %d %s", s, b)
	}
	stored, err := r.app.Store.RightsNotes(t.Context(), corr.ID)
	if err != nil || len(stored) != 1 || bytes.Contains(stored[0].Body, []byte("wei@example.org")) || bytes.Contains(stored[0].Body, []byte("called")) {
		t.Fatalf("the note is not sealed at rest: %v %q", err, stored)
	}
	if d := r.requestAs(t, po, corr.ID); len(d.Notes) != 1 || d.Notes[0].Text != noteText || d.Notes[0].Actor != poID || d.Assignee != poID {
		t.Fatalf("notes read back: %+v", d.Notes)
	}
	if s, _ := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/notes", po, `{"text":"   "}`); s != 400 {
		t.Fatal("an empty note was kept")
	}

	// GDPR Art. 12(3): extended by two months, once, with its reason; the person is told.
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/extension", po, `{"reason":"because"}`); s != 400 {
		t.Fatalf("an extension without a lawful reason: %d %s", s, b)
	}
	s, b := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/extension", po, `{"reason":"complexity"}`)
	var ext requestDoc
	json.Unmarshal(b, &ext)
	want := corr.Deadline.AddDate(0, 2, 0).Format(time.DateOnly)
	if s != 200 || !ext.Extended || ext.Deadline.Format(time.DateOnly) != want || ext.Extension.Allowed {
		t.Fatalf("EU extension: %d %s (want deadline %s)", s, b, want)
	}
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/extension", po, `{"reason":"volume"}`); s != 409 || !strings.Contains(string(b), "already extended") {
		t.Fatalf("a second extension: %d %s", s, b)
	}
	told := shop.wait(t, "the extension", func(n hookNotice) bool { return n.Type == "rights_request.deadline_extended" })
	if !told.Request.Extended || told.Request.Deadline.Format(time.DateOnly) != want {
		t.Fatalf("extension notice: %+v", told)
	}
	_, mine := r.call(t, "GET", "/api/v1/me/requests/"+corr.ID, tok, "")
	if !strings.Contains(string(mine), "deadline extended to "+want+" because the request is complex") {
		t.Fatalf("the person is not told why: %s", mine)
	}

	// PIPL and GB/T 35273-2020 §8.7 allow no extension: refused, saying so.
	cn := file(`{"type":"correction","jurisdiction":"CN","details":{"field":"traits.name"}}`)
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+cn.ID+"/extension", po, `{"reason":"complexity"}`); s != 409 || !strings.Contains(string(b), "GB/T 35273-2020") {
		t.Fatalf("a PIPL extension: %d %s", s, b)
	}
	// CCPA §1798.130(a)(2): 45 further days.
	ca := file(`{"type":"correction","jurisdiction":"US-CA","details":{"field":"traits.name"}}`)
	s, b = r.call(t, "POST", "/api/v1/rights-requests/"+ca.ID+"/extension", po, `{"reason":"volume"}`)
	json.Unmarshal(b, &ext)
	if s != 200 || ext.Deadline.Format(time.DateOnly) != ca.Deadline.AddDate(0, 0, 45).Format(time.DateOnly) {
		t.Fatalf("CCPA extension: %d %s", s, b)
	}

	// Each state change reaches the backend.
	for _, st := range []string{"in_progress", "done"} {
		if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/steps", po, `{"state":"`+st+`","reason":"email corrected"}`); s != 200 {
			t.Fatalf("%s: %d %s", st, s, b)
		}
		shop.wait(t, st, func(n hookNotice) bool { return n.Request.ID == corr.ID && n.Request.State == st })
	}
	if s, _ := r.call(t, "POST", "/api/v1/rights-requests/"+corr.ID+"/notes", po, `{"text":"late"}`); s != 409 {
		t.Fatal("a note on a closed request")
	}
	d := r.requestAs(t, po, corr.ID)
	delivered := 0
	for _, n := range d.Notices {
		if n.DeliveredAt != nil {
			delivered++
		}
	}
	if len(d.Notices) != 4 || delivered != 4 {
		t.Fatalf("notices of the correction: %+v", d.Notices)
	}
	// Delivered notices keep no payload (it names the customer).
	notices, _ := r.app.Store.RightsNotices(t.Context(), corr.ID)
	for _, n := range notices {
		if n.DeliveredAt != nil && n.Payload != nil {
			t.Fatalf("a delivered notice kept its payload: %+v", n)
		}
	}

	// Every step is in the person's audit log, the note's text nowhere.
	sub, _ := r.app.SubjectForUserID(t.Context(), "wk-1")
	rep, err := r.app.Audit.Report(t.Context(), sub)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]int{}
	for _, e := range rep.Entries {
		if strings.Contains(e.Leaf, "wei@example.org") || strings.Contains(e.Leaf, "called") {
			t.Fatalf("the log holds the note or the value: %s", e.Leaf)
		}
		if e.Act == "rights_step" && e.Detail["request"] == corr.ID {
			steps[e.Detail["step"]+"/"+e.Detail["state"]]++
		}
	}
	for _, k := range []string{"/verified", "assigned/verified", "note/verified", "extended/verified", "/in_progress", "/done"} {
		if steps[k] != 1 {
			t.Fatalf("the log lacks %s: %v", k, steps)
		}
	}
	// The operator's reads of what was asked and of who asked are in the log too.
	reads := 0
	for _, e := range rep.Entries {
		if e.Act == "read" && e.Purpose == "rights.handling" {
			reads++
		}
	}
	if reads < 2 {
		t.Fatalf("%d recorded reads under rights.handling", reads)
	}
	t.Logf("notices delivered to the shop's backend: %d, steps recorded: %v", delivered, steps)
}
