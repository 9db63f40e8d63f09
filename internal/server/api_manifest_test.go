package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
)

// fakeManifests refuses YAML containing "bad" with two located errors.
type fakeManifests struct{}

func (fakeManifests) Current(context.Context) (any, error) { return map[string]any{"seq": 1}, nil }
func (fakeManifests) Versions(context.Context) (any, error) {
	return map[string]any{"versions": []any{}}, nil
}
func (fakeManifests) Version(_ context.Context, seq int64) (any, error) {
	if seq != 1 {
		return nil, store.ErrNotFound
	}
	return map[string]any{"seq": 1}, nil
}
func (fakeManifests) Diff(context.Context, int64, int64) (any, error) {
	return map[string]any{"changes": []any{}}, nil
}
func (fakeManifests) Publish(_ context.Context, yaml []byte, _ string) (any, error) {
	if strings.Contains(string(yaml), "bad") {
		return nil, &server.LocatedErrors{Errors: []server.LocatedError{{Line: 3, Column: 5, Message: "purpose x has no legal basis"}, {Line: 9, Column: 1, Message: "unknown key"}}}
	}
	return map[string]any{"seq": 2}, nil
}
func (fakeManifests) Taxonomy(context.Context, string) (any, error)  { return map[string]any{}, nil }
func (fakeManifests) SDKConfig(context.Context, string) (any, error) { return map[string]any{}, nil }
func (fakeManifests) Notice(_ context.Context, seq int64, _, _ string) (any, error) {
	if seq > 1 {
		return nil, store.ErrNotFound
	}
	return map[string]any{}, nil
}

func TestManifestAPIRefusalsAndErrors(t *testing.T) {
	h := newHarness(t)
	r := h.do("PUT", "/api/v1/manifest", h.admin, "application/yaml", strings.NewReader("version: 2\nbad: true\n"))
	if r.status != http.StatusBadRequest || r.errorCode() != "invalid_manifest" || !strings.Contains(string(r.body), `"line":3`) {
		t.Fatalf("bad manifest: %d %s", r.status, r.body)
	}
	if r := h.do("PUT", "/api/v1/manifest", h.admin, "application/json", strings.NewReader("{}")); r.status != http.StatusUnsupportedMediaType {
		t.Fatalf("json body: %d", r.status)
	}
	if r := h.do("PUT", "/api/v1/manifest", h.admin, "application/yaml", strings.NewReader("version: 2\n")); r.status != http.StatusCreated {
		t.Fatalf("good manifest: %d %s", r.status, r.body)
	}
	if r := h.do("GET", "/api/v1/manifest/versions/x", h.admin, "", nil); r.status != http.StatusBadRequest {
		t.Fatalf("bad seq: %d", r.status)
	}
	if r := h.do("GET", "/api/v1/manifest/versions/7", h.admin, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("missing seq: %d", r.status)
	}
	if r := h.do("GET", "/api/v1/manifest/diff?from=1", h.admin, "", nil); r.status != http.StatusBadRequest {
		t.Fatalf("diff without to: %d", r.status)
	}
}
