package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// issue 17 (medium): the settings document's apiHost and the privacy-center session URL are
// never built from the Host header (a forged Host would send browsers, and a person's
// session secret, elsewhere), and neither answer is cached.
func TestURLsDoNotFollowTheHostHeader(t *testing.T) {
	h := newHarness(t)
	h.identify("host-1")
	req, _ := http.NewRequest("GET", h.url+"/v1/projects/"+h.writeKey+"/settings", nil)
	req.Host = "evil.example"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	b, _ := json.Marshal(doc)
	if res.StatusCode != 200 || strings.Contains(string(b), "evil.example") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("settings = %d %s (Cache-Control %q)", res.StatusCode, b, res.Header.Get("Cache-Control"))
	}
	req, _ = http.NewRequest("POST", h.url+"/api/v1/subjects/host-1/sessions", strings.NewReader(`{}`))
	req.Host = "evil.example"
	req.Header.Set("Authorization", "Bearer "+h.admin)
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ URL string }
	json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	if res.StatusCode != 201 || strings.Contains(s.URL, "evil.example") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("session = %d %q (Cache-Control %q)", res.StatusCode, s.URL, res.Header.Get("Cache-Control"))
	}
}

// issue 17 (medium): minting a privacy-center session is an audited act naming the
// operator and the reason, and the person's own report shows who opened their data. A
// privacy officer must give a reason.
func TestSessionMintingIsAuditedWithItsReason(t *testing.T) {
	h := newHarness(t)
	h.identify("mint-1")
	ctx := t0()
	op, _ := h.auth.CreateOperator(ctx, "po", "privacy_officer")
	tok, _, _ := h.auth.IssueToken(ctx, op.ID, "t", nil, 0)
	if r := h.do("POST", "/api/v1/subjects/mint-1/sessions", tok, "application/json", strings.NewReader(`{}`)); r.status != 400 {
		t.Fatalf("privacy officer without a reason = %d %s", r.status, r.body)
	}
	r := h.do("POST", "/api/v1/subjects/mint-1/sessions", tok, "application/json", strings.NewReader(`{"reason":"ticket 4711: customer asked by phone"}`))
	var s struct{ Token string }
	json.Unmarshal(r.body, &s)
	if r.status != 201 {
		t.Fatalf("mint = %d %s", r.status, r.body)
	}
	rep := h.do("GET", "/api/v1/me/report", s.Token, "", nil)
	var report struct {
		Entries []struct {
			Act, Actor string
			Detail     map[string]string
		}
	}
	json.Unmarshal(rep.body, &report)
	found := false
	for _, e := range report.Entries {
		found = found || (e.Act == "session_minted" && e.Actor == op.ID && e.Detail["reason"] == "ticket 4711: customer asked by phone")
	}
	if rep.status != 200 || !found {
		t.Fatalf("report does not show who opened the data and why: %d %s", rep.status, rep.body)
	}
}
