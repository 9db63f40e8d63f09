package server_test

import (
	"strings"
	"testing"
)

// issue 17 (medium): min_audience has a server-side floor, and a preview is no membership
// oracle for a direct identifier.
func TestAudienceFloorAndNoIdentifierOracle(t *testing.T) {
	h := newHarness(t)
	h.identify("floor-1")
	r := h.do("POST", "/api/v1/segments", h.admin, "application/json", strings.NewReader(`{"name":"everyone","expression":"trait(\"city\") == \"上海\"","purpose":"analytics.reporting"}`))
	if r.status != 201 {
		t.Fatalf("define = %d %s", r.status, r.body)
	}
	for _, k := range []string{"1", "49"} {
		r = h.do("POST", "/api/v1/segments/everyone/export", h.admin, "application/json", strings.NewReader(`{"min_audience":`+k+`}`))
		if r.status != 400 || !strings.Contains(string(r.body), "50") {
			t.Fatalf("export with min_audience %s = %d %s", k, r.status, r.body)
		}
	}
	for _, e := range []string{`trait(\"email\") == \"floor-1@example.com\"`, `trait(\"phone\") == \"13800001111\"`, `trait(\"name\") == \"李娜\"`, `not (trait(\"email\") == \"x\")`} {
		r = h.do("POST", "/api/v1/segments/preview", h.admin, "application/json", strings.NewReader(`{"expression":"`+e+`","purpose":"essential.service"}`))
		if r.status != 400 {
			t.Fatalf("preview of %s = %d %s; want refused", e, r.status, r.body)
		}
	}
}
