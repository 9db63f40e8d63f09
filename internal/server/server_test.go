package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/config"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	t     *testing.T
	url   string
	srv   *server.Server
	auth  *auth.Service
	admin string // admin token secret
	logs  *syncBuffer
	close func()
	app   *app.App
	// writeKey is the default source's write key.
	writeKey string
}

// newHarness serves a whole Steward (app.Open over SQLite in a temporary directory) on a
// loopback port: the routes run against the real services, as in production.
func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	logs := &syncBuffer{}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Profiles.Load(ctx); err != nil { // what Serve does first
		t.Fatal(err)
	}
	tok, _ := readFile(a.AdminTokenPath())
	key, _ := readFile(a.WriteKeyPath())
	ts := httptest.NewServer(a.Server.Handler()) // binds 127.0.0.1 on a free port
	h := &harness{t: t, url: ts.URL, srv: a.Server, auth: a.Auth, admin: strings.TrimSpace(tok), logs: logs, app: a, writeKey: strings.TrimSpace(key)}
	h.close = func() { ts.Close(); a.Close() }
	t.Cleanup(h.close)
	return h
}

// identify tells Steward about a customer of the shop, as the shop's backend would.
func (h *harness) identify(userID string) string {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/v1/identify", strings.NewReader(`{"userId":"`+userID+`","traits":{"city":"上海"}}`))
	req.SetBasicAuth(h.writeKey, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		h.t.Fatalf("identify %s: %d", userID, res.StatusCode)
	}
	sub, err := h.app.SubjectForUserID(context.Background(), userID)
	if err != nil {
		h.t.Fatal(err)
	}
	return sub
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) errorCode() string {
	var env struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	json.Unmarshal(r.body, &env)
	return env.Error.Code
}

func (h *harness) do(method, path, token, contentType string, body io.Reader) resp {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func TestBadInputGetsEnvelopeNever500(t *testing.T) {
	h := newHarness(t)
	huge := strings.Repeat("x", 2<<20)
	cases := []struct {
		name, method, path, token, ctype, body string
		status                                 int
		code                                   string
	}{
		{"malformed JSON", "POST", "/api/v1/operators", h.admin, "application/json", `{"name": "x",`, 400, "invalid_json"},
		{"syntax error", "POST", "/api/v1/operators", h.admin, "application/json", `{"name": nope}`, 400, "invalid_json"},
		{"wrong type", "POST", "/api/v1/operators", h.admin, "application/json", `{"name": 5, "role": "admin"}`, 400, "invalid_json"},
		{"unknown field", "POST", "/api/v1/operators", h.admin, "application/json", `{"name": "a", "role": "admin", "x": 1}`, 400, "invalid_json"},
		{"two objects", "POST", "/api/v1/operators", h.admin, "application/json", `{"name":"a","role":"admin"} {}`, 400, "invalid_json"},
		{"empty body", "POST", "/api/v1/operators", h.admin, "application/json", ``, 400, "invalid_json"},
		{"unknown role", "POST", "/api/v1/operators", h.admin, "application/json", `{"name": "a", "role": "king"}`, 400, "bad_request"},
		{"empty name", "POST", "/api/v1/operators", h.admin, "application/json", `{"name": " ", "role": "admin"}`, 400, "bad_request"},
		{"wrong content type", "POST", "/api/v1/operators", h.admin, "text/plain", `{"name": "a", "role": "admin"}`, 415, "unsupported_media_type"},
		{"no content type", "POST", "/api/v1/sources", h.admin, "", `{"name": "a"}`, 415, "unsupported_media_type"},
		{"oversized body", "POST", "/api/v1/sources", h.admin, "application/json", `{"name": "` + huge + `"}`, 413, "payload_too_large"},
		{"unknown route", "GET", "/api/v1/nothing-here", h.admin, "", "", 404, "not_found"},
		{"unknown top-level route", "GET", "/wp-login.php", "", "", "", 404, "not_found"},
		{"wrong method", "PUT", "/api/v1/operators", h.admin, "application/json", `{}`, 405, "method_not_allowed"},
		{"missing token", "GET", "/api/v1/operators", "", "", "", 401, "unauthorized"},
		{"invalid token", "GET", "/api/v1/operators", "stw_op_forged", "", "", 401, "unauthorized"},
		{"garbage token", "GET", "/api/v1/operators", "stw_op_\u00e9\u00e9", "", "", 401, "unauthorized"},
		{"revoke unknown token", "DELETE", "/api/v1/tokens/tok_nope", h.admin, "", "", 404, "not_found"},
		{"token for unknown operator", "POST", "/api/v1/operators/op_nope/tokens", h.admin, "application/json", `{"name":"x"}`, 404, "not_found"},
		{"unknown scope", "POST", "/api/v1/operators/op_admin/tokens", h.admin, "application/json", `{"name":"x","scopes":["root"]}`, 400, "bad_request"},
		{"negative ttl", "POST", "/api/v1/operators/op_admin/tokens", h.admin, "application/json", `{"name":"x","ttl_seconds":-1}`, 400, "bad_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(c.method, c.path, c.token, c.ctype, strings.NewReader(c.body))
			if r.status != c.status || r.errorCode() != c.code {
				t.Fatalf("%s %s = %d %q (%s); want %d %q", c.method, c.path, r.status, r.errorCode(), r.body, c.status, c.code)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type = %q, want JSON envelope", ct)
			}
		})
	}
	// Duplicate names are a conflict, not a crash.
	if r := h.do("POST", "/api/v1/sources", h.admin, "application/json", strings.NewReader(`{"name":"default"}`)); r.status != 409 || r.errorCode() != "conflict" {
		t.Fatalf("duplicate source = %d %s", r.status, r.body)
	}
}

func TestEveryRoleIsRefusedWhatItsScopesLack(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	tokens := map[auth.Role]string{}
	for _, role := range auth.Roles {
		op, err := h.auth.CreateOperator(ctx, "op-"+string(role), role)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := h.auth.IssueToken(ctx, op.ID, "t", nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = secret
	}
	checked := 0
	for _, rt := range h.srv.Routes() {
		if rt.Access != server.Operator || rt.Scope == "" {
			continue
		}
		for _, role := range auth.Roles {
			path := strings.NewReplacer("{id}", "op_admin").Replace(rt.Path)
			r := h.do(rt.Method, path, tokens[role], "application/json", strings.NewReader(`{}`))
			refused := r.status == http.StatusForbidden
			if role.Grants(rt.Scope) == refused {
				t.Errorf("%s %s as %s: status %d; role grants %s = %v", rt.Method, rt.Path, role, r.status, rt.Scope, role.Grants(rt.Scope))
			}
			if r.status >= 500 {
				t.Errorf("%s %s as %s: %d %s", rt.Method, rt.Path, role, r.status, r.body)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no scoped routes checked")
	}
	// The auditor can never write (SD-01).
	for _, sc := range auth.RoleAuditor.Scopes() {
		if !strings.HasSuffix(string(sc), ":read") {
			t.Errorf("auditor holds non-read scope %s", sc)
		}
	}
}

func TestTokenLifecycle(t *testing.T) {
	h := newHarness(t)
	r := h.do("POST", "/api/v1/operators", h.admin, "application/json", strings.NewReader(`{"name":"mei","role":"marketer"}`))
	if r.status != 201 {
		t.Fatalf("create operator = %d %s", r.status, r.body)
	}
	var op struct{ ID string }
	json.Unmarshal(r.body, &op)
	// A marketer cannot hold operators:read.
	r = h.do("POST", "/api/v1/operators/"+op.ID+"/tokens", h.admin, "application/json", strings.NewReader(`{"name":"x","scopes":["operators:read"]}`))
	if r.status != 400 {
		t.Fatalf("token beyond role = %d %s", r.status, r.body)
	}
	r = h.do("POST", "/api/v1/operators/"+op.ID+"/tokens", h.admin, "application/json", strings.NewReader(`{"name":"x","scopes":["sources:read"]}`))
	if r.status != 201 {
		t.Fatalf("issue = %d %s", r.status, r.body)
	}
	var tok struct{ ID, Token string }
	json.Unmarshal(r.body, &tok)
	if r := h.do("GET", "/api/v1/sources", tok.Token, "", nil); r.status != 200 {
		t.Fatalf("use token = %d %s", r.status, r.body)
	}
	if r := h.do("DELETE", "/api/v1/tokens/"+tok.ID, h.admin, "", nil); r.status != 204 {
		t.Fatalf("revoke = %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/api/v1/sources", tok.Token, "", nil); r.status != 401 {
		t.Fatalf("revoked token still works: %d", r.status)
	}
	// Token listings never include secrets or digests.
	r = h.do("GET", "/api/v1/tokens", h.admin, "", nil)
	if r.status != 200 || bytes.Contains(r.body, []byte(tok.Token)) || bytes.Contains(r.body, []byte("hash")) {
		t.Fatalf("token list leaks secrets or is broken: %d %s", r.status, r.body)
	}
	// whoami reports scopes and capabilities.
	r = h.do("GET", "/api/v1/whoami", h.admin, "", nil)
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"operators"`)) {
		t.Fatalf("whoami = %d %s", r.status, r.body)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	h := newHarness(t)
	if r := h.do("GET", "/healthz", "", "", nil); r.status != 200 {
		t.Fatalf("healthz = %d %s", r.status, r.body)
	}
	r := h.do("GET", "/metrics", "", "", nil)
	if r.status != 200 || !bytes.Contains(r.body, []byte(`steward_http_requests_total{code="200",method="GET",route="/healthz"} 1`)) {
		t.Fatalf("metrics missing request counter:\n%.2000s", r.body)
	}
}

func TestHealthzFailsWhenStoreIsClosed(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Migrate(ctx)
	srv, err := server.New(server.Config{Store: st, Auth: auth.New(st, nil), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("healthz with closed store = %d, want 503", rec.Code)
	}
}

func TestLogsCarryNoPersonalData(t *testing.T) {
	h := newHarness(t)
	email := "li.na@example.com"
	h.do("GET", "/api/v1/operators?email="+email, h.admin, "", nil)
	h.do("GET", "/api/v1/subjects/"+email+"/sessions", h.admin, "", nil)
	h.do("POST", "/api/v1/operators", h.admin, "application/json", strings.NewReader(`{"name":"`+email+`","role":"admin"}`))
	logs := h.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/operators"`) {
		t.Fatalf("access log lacks route pattern:\n%s", logs)
	}
	if strings.Contains(logs, email) || strings.Contains(logs, h.admin) {
		t.Fatalf("logs contain personal data or secrets:\n%s", logs)
	}
}

func TestRequestIDs(t *testing.T) {
	h := newHarness(t)
	req, _ := http.NewRequest("GET", h.url+"/healthz", nil)
	req.Header.Set("X-Request-ID", "trace-abc-123")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-ID"); got != "trace-abc-123" {
		t.Fatalf("request id not echoed: %q", got)
	}
	req.Header.Set("X-Request-ID", "bad id with spaces <script>")
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if got := res.Header.Get("X-Request-ID"); len(got) != 24 {
		t.Fatalf("unsafe request id not replaced: %q", got)
	}
}
