package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

func TestManifestAPIRefusalsAndErrors(t *testing.T) {
	h := newHarness(t)
	r := h.do("PUT", "/api/v1/manifest", h.admin, "application/yaml", strings.NewReader("version: 2\nbad: true\n"))
	if r.status != http.StatusBadRequest || r.errorCode() != "invalid_manifest" || !strings.Contains(string(r.body), `"line":2`) {
		t.Fatalf("bad manifest: %d %s", r.status, r.body)
	}
	if r := h.do("PUT", "/api/v1/manifest", h.admin, "application/json", strings.NewReader("{}")); r.status != http.StatusUnsupportedMediaType {
		t.Fatalf("json body: %d", r.status)
	}
	good := strings.Replace(string(manifest.DefaultYAML()), "version: 1", "version: 2", 1)
	if r := h.do("PUT", "/api/v1/manifest", h.admin, "application/yaml", strings.NewReader(good)); r.status != http.StatusCreated {
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
