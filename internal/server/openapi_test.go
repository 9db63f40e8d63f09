package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// The OpenAPI document must list every route of the table with its method and, for
// operator routes, the scope the route enforces.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/api/openapi.json", "", "", nil)
	if r.status != 200 {
		t.Fatalf("openapi = %d", r.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	n := 0
	for _, rt := range h.srv.Routes() {
		raw, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("route %s %s missing from the document", rt.Method, rt.Path)
			continue
		}
		var op struct {
			Scope string `json:"x-steward-scope"`
		}
		json.Unmarshal(raw, &op)
		if op.Scope != string(rt.Scope) {
			t.Errorf("%s %s: document scope %q, route enforces %q", rt.Method, rt.Path, op.Scope, rt.Scope)
		}
		n++
	}
	total := 0
	for _, ops := range doc.Paths {
		total += len(ops)
	}
	if total != n {
		t.Errorf("document has %d operations, the route table %d", total, n)
	}
}
