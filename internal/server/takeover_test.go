package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// issue 17 item 1, end to end: a shopper who knows another's userId sends an alias with
// the public write key; it does not pull that person's data into the shopper's privacy
// center. The link is held, listed for operators, and approved or rejected with an audited
// decision.
func TestAliasCannotTakeOverAnotherCustomer(t *testing.T) {
	h := newHarness(t)
	if r := h.ingest("/v1/identify", `{"userId":"victim-1","anonymousId":"v-anon","traits":{"email":"victim@example.com","city":"上海"}}`); r.status != 200 {
		t.Fatalf("victim identify = %d %s", r.status, r.body)
	}
	if r := h.ingest("/v1/identify", `{"userId":"attacker-1","anonymousId":"a-anon","traits":{"city":"北京"}}`); r.status != 200 {
		t.Fatalf("attacker identify = %d", r.status)
	}
	if r := h.ingest("/v1/alias", `{"previousId":"victim-1","userId":"attacker-1"}`); r.status != 200 {
		t.Fatalf("alias = %d %s", r.status, r.body)
	}
	// The shop mints the attacker's privacy-center session for the attacker's own userId.
	r := h.do("POST", "/api/v1/subjects/attacker-1/sessions", h.admin, "application/json", strings.NewReader(`{}`))
	var sess struct{ Token string }
	json.Unmarshal(r.body, &sess)
	if r.status != 201 || sess.Token == "" {
		t.Fatalf("session = %d %s", r.status, r.body)
	}
	exp := h.do("GET", "/api/v1/me/export", sess.Token, "", nil)
	if exp.status != 200 {
		t.Fatalf("export = %d %s", exp.status, exp.body)
	}
	if strings.Contains(string(exp.body), "victim@example.com") || strings.Contains(string(exp.body), "上海") {
		t.Fatalf("the attacker's privacy center shows the victim's data:\n%.600s", exp.body)
	}
	victim, attacker := h.subjectOf("victim-1"), h.subjectOf("attacker-1")
	if victim == attacker {
		t.Fatal("victim and attacker are one subject")
	}

	// Operators see the held link and decide; marketers may not.
	r = h.do("GET", "/api/v1/identity/held-links", h.admin, "", nil)
	var list struct {
		Links []struct{ ID, Status, FromSubject, IntoSubject string } `json:"links"`
	}
	json.Unmarshal(r.body, &list)
	if r.status != 200 || len(list.Links) != 1 || !strings.Contains(string(r.body), victim) || !strings.Contains(string(r.body), attacker) {
		t.Fatalf("held links = %d %s", r.status, r.body)
	}
	id := list.Links[0].ID
	if r := h.do("POST", "/api/v1/identity/held-links/"+id+"/reject", h.admin, "", nil); r.status != 200 || !strings.Contains(string(r.body), `"rejected"`) {
		t.Fatalf("reject = %d %s", r.status, r.body)
	}
	if r := h.do("POST", "/api/v1/identity/held-links/"+id+"/approve", h.admin, "", nil); r.status != 409 {
		t.Fatalf("approve after reject = %d %s", r.status, r.body)
	}
	if h.subjectOf("victim-1") != victim {
		t.Fatal("a rejected link merged anyway")
	}
	// The decision is in the audit log.
	r = h.do("GET", "/api/v1/audit/checkpoint", h.admin, "", nil)
	if r.status != 200 {
		t.Fatalf("checkpoint = %d", r.status)
	}
	found := false
	for i := 0; i < 200 && !found; i++ {
		l := h.do("GET", "/api/v1/audit/leaves/"+itoa(i), h.admin, "", nil)
		if l.status != 200 {
			break
		}
		found = strings.Contains(string(l.body), `identity_link`) && strings.Contains(string(l.body), `rejected`) && strings.Contains(string(l.body), "op_admin")
	}
	if !found {
		t.Fatal("no identity_link leaf records the rejection and the operator")
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func (h *harness) subjectOf(userID string) string {
	h.t.Helper()
	s, err := h.app.SubjectForUserID(t0(), userID)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

func t0() context.Context { return context.Background() }
