package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
)

// Every TC string produced by IAB's reference libraries (internal/tcf/testdata/gen) decodes
// through the API to the lists the library reported (issue 4 acceptance).
func TestTCFDecodeAPIMatchesReferenceLibrary(t *testing.T) {
	h := newHarness(t)
	raw, err := os.ReadFile("../tcf/testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Name     string         `json:"name"`
		Library  string         `json:"library"`
		TCString string         `json:"tc_string"`
		Expected map[string]any `json:"expected"`
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) < 30 {
		t.Fatalf("only %d vectors; the acceptance asks for at least 30", len(vectors))
	}
	libs := map[string]int{}
	for _, v := range vectors {
		body, _ := json.Marshal(map[string]string{"tc_string": v.TCString})
		r := h.do("POST", "/api/v1/tcf/decode", h.admin, "application/json", strings.NewReader(string(body)))
		if r.status != http.StatusOK {
			t.Errorf("%s: status %d %s", v.Name, r.status, r.body)
			continue
		}
		var got map[string]any
		json.Unmarshal(r.body, &got)
		for k, want := range v.Expected {
			if !reflect.DeepEqual(got[k], want) {
				t.Errorf("%s: %s = %v, library says %v", v.Name, k, got[k], want)
			}
		}
		libs[v.Library]++
	}
	t.Logf("%d TC strings from %v decode as the reference library reports", len(vectors), libs)
}

func TestTCFDecodeRejectsMalformed(t *testing.T) {
	h := newHarness(t)
	raw, err := os.ReadFile("../tcf/testdata/malformed.json")
	if err != nil {
		t.Fatal(err)
	}
	var bad []struct {
		Name     string `json:"name"`
		TCString string `json:"tc_string"`
	}
	if err := json.Unmarshal(raw, &bad); err != nil {
		t.Fatal(err)
	}
	bad = append(bad, struct {
		Name     string `json:"name"`
		TCString string `json:"tc_string"`
	}{"empty", ""})
	for _, b := range bad {
		body, _ := json.Marshal(map[string]string{"tc_string": b.TCString})
		r := h.do("POST", "/api/v1/tcf/decode", h.admin, "application/json", strings.NewReader(string(body)))
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "message") {
			t.Errorf("%s: status %d %s, want 400 with a reason", b.Name, r.status, r.body)
		}
	}
	r := h.do("GET", "/.well-known/gpc.json", "", "", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"gpc":true`) {
		t.Fatalf("gpc.json: %d %s", r.status, r.body)
	}
}
