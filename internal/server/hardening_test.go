package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// issue 17 (low): arbitrary HTTP methods must not each become a metrics label.
func TestMetricsMethodLabelIsBounded(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		h.do(fmt.Sprintf("BREW%d", i), "/healthz", "", "", nil)
	}
	r := h.do("GET", "/metrics", "", "", nil)
	if bytes.Contains(r.body, []byte("BREW")) {
		t.Fatalf("metrics carry caller-chosen methods:\n%s", grep(r.body, "BREW"))
	}
	if !bytes.Contains(r.body, []byte(`method="other"`)) {
		t.Fatalf("unknown methods not counted under one label")
	}
}

func grep(b []byte, s string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// issue 17 (low): personal-data responses are never cached, and errors are always the
// JSON envelope, without Go type names.
func TestResponsesAreNotCachedAndErrorsAreEnvelopes(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/api/v1/operators", "/api/v1/tokens", "/api/v1/whoami"} {
		r := h.do("GET", path, h.admin, "", nil)
		if r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d Cache-Control %q", path, r.status, r.header.Get("Cache-Control"))
		}
	}
	// Dot segments, /static and /console misses: the envelope, not a redirect or plain text.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/api/v1/../v1/operators", "/static/nothing.js", "/console/nothing/here.png", "/api/v1/./whoami"} {
		req, _ := http.NewRequest("GET", h.url+path, nil)
		req.URL.Opaque = path // keep the dot segments on the wire
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		res.Body.Close()
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !bytes.Contains(buf.Bytes(), []byte(`"error"`)) {
			t.Errorf("%s: %d %q %q", path, res.StatusCode, res.Header.Get("Content-Type"), buf.String())
		}
	}
	// A wrong JSON type is named in JSON's terms, not Go's.
	r := h.do("POST", "/api/v1/operators/op_admin/tokens", h.admin, "application/json", strings.NewReader(`{"name":"x","ttl_seconds":"soon"}`))
	if r.status != 400 || strings.Contains(string(r.body), "int64") || strings.Contains(string(r.body), "server.") {
		t.Errorf("type error = %d %s", r.status, r.body)
	}
	r = h.do("POST", "/api/v1/operators", h.admin, "application/json", strings.NewReader(`{"name":["x"],"role":"admin"}`))
	if r.status != 400 || strings.Contains(string(r.body), "string") && strings.Contains(string(r.body), "Go") {
		t.Errorf("type error = %d %s", r.status, r.body)
	}
}

// issue 17 (low): a read scope never changes state. GET whoami records nothing; signing
// in is a POST; signing a checkpoint needs more than audit:read.
func TestReadScopesDoNotChangeState(t *testing.T) {
	h := newHarness(t)
	size := func() uint64 {
		n, err := h.app.Audit.Size(t0())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := size()
	h.do("GET", "/api/v1/whoami?signin=1", h.admin, "", nil)
	if got := size(); got != before {
		t.Fatalf("GET whoami appended %d leaves", got-before)
	}
	if r := h.do("POST", "/api/v1/signin", h.admin, "", nil); r.status != 200 || !strings.Contains(string(r.body), `"capabilities"`) {
		t.Fatalf("POST signin = %d %s", r.status, r.body)
	}
	if got := size(); got != before+1 {
		t.Fatalf("sign-in not recorded: %d leaves after, %d before", got, before)
	}
	ctx := t0()
	op, _ := h.auth.CreateOperator(ctx, "aud", "auditor")
	tok, _, _ := h.auth.IssueToken(ctx, op.ID, "t", nil, 0)
	if r := h.do("POST", "/api/v1/audit/checkpoint", tok, "", nil); r.status != 403 {
		t.Fatalf("auditor signing a checkpoint = %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/api/v1/audit/checkpoint", tok, "", nil); r.status == 403 {
		t.Fatalf("auditor reading the checkpoint = %d", r.status)
	}
}
