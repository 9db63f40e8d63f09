package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestPrivacyCenterSessions(t *testing.T) {
	h := newHarness(t)
	sub := h.identify("shopper-1")
	r := h.do("POST", "/api/v1/subjects/shopper-1/sessions", h.admin, "", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("mint: %d %s", r.status, r.body)
	}
	var minted struct{ Token, URL string }
	json.Unmarshal(r.body, &minted)
	if !strings.HasPrefix(minted.Token, "stw_ss_") || !strings.Contains(minted.URL, "/privacy/#token="+minted.Token) {
		t.Fatalf("minted = %+v", minted)
	}
	me := h.do("GET", "/api/v1/me?lang=zh-CN", minted.Token, "", nil)
	// The person's own document, in the language asked for (a purpose's zh-CN name).
	if me.status != 200 || !strings.Contains(string(me.body), `"id":"`+sub+`"`) || !strings.Contains(string(me.body), `个性化推荐`) {
		t.Fatalf("me: %d %s", me.status, me.body)
	}
	// An operator token is not a session, and a session is not an operator token.
	if r := h.do("GET", "/api/v1/me", h.admin, "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("operator token on /me: %d", r.status)
	}
	if r := h.do("GET", "/api/v1/operators", minted.Token, "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("session on operator API: %d", r.status)
	}
	if r := h.do("POST", "/api/v1/subjects/nobody/sessions", h.admin, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown userId: %d %s", r.status, r.body)
	}
	if r := h.do("POST", "/api/v1/subjects/shopper-1/sessions", h.admin, "application/json", strings.NewReader(`{"ttl_seconds":"x"}`)); r.status != http.StatusBadRequest {
		t.Fatalf("bad body: %d", r.status)
	}
	// Sign-out revokes the session.
	if r := h.do("DELETE", "/api/v1/me/session", minted.Token, "", nil); r.status != http.StatusNoContent {
		t.Fatalf("sign out: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/api/v1/me", minted.Token, "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked session: %d", r.status)
	}
}
