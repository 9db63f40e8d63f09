package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
)

// newHarnessOn is newHarness over the store db selects ("" for SQLite).
func newHarnessOn(t *testing.T, db string) *harness {
	t.Helper()
	if db == "" {
		return newHarness(t)
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DB = db
	logs := &syncBuffer{}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Profiles.Load(ctx); err != nil {
		t.Fatal(err)
	}
	tok, _ := readFile(a.AdminTokenPath())
	key, _ := readFile(a.WriteKeyPath())
	ts := httptest.NewServer(a.Server.Handler())
	h := &harness{t: t, url: ts.URL, srv: a.Server, auth: a.Auth, admin: strings.TrimSpace(tok), logs: logs, app: a, writeKey: strings.TrimSpace(key)}
	h.close = func() { ts.Close(); a.Close() }
	t.Cleanup(h.close)
	return h
}

// bothStores runs fn against SQLite and PostgreSQL.
func bothStores(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newHarnessOn(t, "")) })
	t.Run("postgres", func(t *testing.T) { fn(t, newHarnessOn(t, pgtest.Schema(t, pgtest.URL(t)))) })
}

func (h *harness) ingest(path, body string) resp {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+path, strings.NewReader(body))
	req.SetBasicAuth(h.writeKey, "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

// issue 17 item 7: a NUL in a messageId, an id, a name or a path or query parameter is a
// 400 naming the field on both stores (it was a 500 on PostgreSQL, and a batch holding one
// failed forever, so clients retried without end).
func TestNULTextIsRefusedAtTheEdge(t *testing.T) {
	bothStores(t, func(t *testing.T, h *harness) {
		cases := []struct {
			name, method, path, token, ctype, body string
			field                                  string
		}{
			{"messageId", "POST", "/v1/batch", "", "", `{"batch":[{"type":"track","event":"e","userId":"u1","messageId":"m\u0000"}]}`, "messageId"},
			{"event name", "POST", "/v1/track", "", "", `{"type":"track","event":"e\u0000","userId":"u1","messageId":"m2"}`, "event"},
			{"path id", "GET", "/api/v1/rights-requests/r%00x", h.admin, "", "", "{id}"},
			{"path name", "GET", "/api/v1/tags/t%00x", h.admin, "", "", "{name}"},
			{"subject id", "POST", "/api/v1/subjects/u%00x/sessions", h.admin, "application/json", `{}`, "{id}"},
			{"query", "GET", "/api/v1/tokens?operator_id=op%00x", h.admin, "", "", "operator_id"},
			{"json name", "POST", "/api/v1/operators", h.admin, "application/json", `{"name":"a\u0000b","role":"admin"}`, "name"},
			{"json source", "POST", "/api/v1/sources", h.admin, "application/json", `{"name":"s\u0000"}`, "name"},
			{"json scopes", "POST", "/api/v1/operators/op_admin/tokens", h.admin, "application/json", `{"name":"t","scopes":["a\u0000"]}`, "scopes"},
		}
		for _, c := range cases {
			var r resp
			if c.token == "" {
				r = h.ingest(c.path, c.body)
			} else {
				r = h.do(c.method, c.path, c.token, c.ctype, strings.NewReader(c.body))
			}
			if r.status != 400 || !strings.Contains(string(r.body), c.field) {
				t.Errorf("%s: %s %s = %d %s; want 400 naming %s", c.name, c.method, c.path, r.status, r.body, c.field)
			}
		}
		// The good message of a client's next batch is stored: nothing is stuck.
		if r := h.ingest("/v1/batch", `{"batch":[{"type":"track","event":"e","userId":"u1","messageId":"m3"}]}`); r.status != 200 {
			t.Fatalf("clean batch = %d %s", r.status, r.body)
		}
	})
}
