package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

// Layered notices come from the manifest in both languages, versioned and hashed, with
// just-in-time variants; a changed purpose makes consents given under the old text need
// re-consent, and they no longer count until given again (issue 4 item 1).
func TestNoticesAndReconsent(t *testing.T) {
	r := startApp(t)
	ctx := context.Background()
	status, body := r.call(t, "GET", "/sdk/notice.json?lang=zh-CN", "", "")
	var n struct {
		Version int64
		Hash    string
		Summary []struct {
			Purpose, Name, What, Icon string
			RetentionDays             int `json:"retention_days"`
		}
		Full []map[string]any
	}
	json.Unmarshal(body, &n)
	if status != 200 || n.Version != 1 || len(n.Hash) != 64 || len(n.Summary) < 8 || len(n.Full) != len(n.Summary) {
		t.Fatalf("notice: %d %s", status, body)
	}
	for _, s := range n.Summary {
		if s.What == "" || s.Icon == "" || s.RetentionDays <= 0 || strings.Contains(s.What, "improve your experience") {
			t.Fatalf("summary row %+v", s)
		}
	}
	status, body = r.call(t, "GET", "/sdk/notice.json?lang=en&moment=checkout", "", "")
	if status != 200 || !strings.Contains(string(body), `"purpose":"essential.service"`) || strings.Contains(string(body), `"purpose":"cross_border_transfer"`) {
		t.Fatalf("checkout notice: %d %s", status, body)
	}
	// Search starts exactly the purposes the manifest gives the search query.
	status, body = r.call(t, "GET", "/sdk/notice.json?lang=en&moment=search", "", "")
	var jit struct{ Summary []struct{ Purpose string } }
	json.Unmarshal(body, &jit)
	var got []string
	for _, s := range jit.Summary {
		got = append(got, s.Purpose)
	}
	if status != 200 || strings.Join(got, ",") != "analytics.reporting,personalize.content" {
		t.Fatalf("search notice purposes = %v", got)
	}
	if status, _ := r.call(t, "GET", "/sdk/notice.json?moment=telepathy", "", ""); status != 400 {
		t.Fatalf("unknown moment: %d", status)
	}

	// A shopper grants analytics under notice version 1.
	r.track(t, `{"batch":[{"type":"identify","userId":"re-1","traits":{"email":"re1@example.com"}}]}`)
	status, body = r.call(t, "POST", "/api/v1/subjects/re-1/sessions", r.admin, "")
	var minted struct{ Token string }
	json.Unmarshal(body, &minted)
	if status, body := r.call(t, "POST", "/api/v1/me/consents", minted.Token, `{"purpose":"analytics.reporting","granted":true}`); status != 204 {
		t.Fatalf("grant: %d %s", status, body)
	}
	granted := func() (bool, bool) {
		_, body := r.call(t, "GET", "/api/v1/me", minted.Token, "")
		var me struct {
			Sections []struct {
				ID       string
				Purposes []struct {
					Key            string
					Granted        bool
					NeedsReconsent bool `json:"needs_reconsent"`
				}
			}
		}
		json.Unmarshal(body, &me)
		for _, s := range me.Sections {
			for _, p := range s.Purposes {
				if p.Key == "analytics.reporting" {
					return p.Granted, p.NeedsReconsent
				}
			}
		}
		t.Fatalf("no analytics purpose in %s", body)
		return false, false
	}
	if g, re := granted(); !g || re {
		t.Fatalf("after grant: granted %v reconsent %v", g, re)
	}
	// The shop changes what analytics does (longer retention): version 2.
	changed := strings.Replace(string(manifest.DefaultYAML()), "  analytics.reporting:\n    retention_days: 365", "  analytics.reporting:\n    retention_days: 400", 1)
	if status, body := r.putYAML(t, changed); status != 201 {
		t.Fatalf("publish: %d %s", status, body)
	}
	if g, re := granted(); g || !re {
		t.Fatalf("after the purpose changed: granted %v reconsent %v", g, re)
	}
	// Events relying on the stored grant alone are no longer kept.
	sub, _ := r.app.SubjectForUserID(ctx, "re-1")
	before, _ := r.app.Store.SubjectFootprint(ctx, sub)
	r.track(t, `{"batch":[{"type":"track","userId":"re-1","event":"Products Searched","properties":{"query":"shoes"}}]}`)
	after, _ := r.app.Store.SubjectFootprint(ctx, sub)
	if after["events.subject_id"] != before["events.subject_id"] {
		t.Fatal("an event was kept on a consent given under the old notice")
	}
	// Re-consent under the new notice counts again.
	if status, _ := r.call(t, "POST", "/api/v1/me/consents", minted.Token, `{"purpose":"analytics.reporting","granted":true}`); status != 204 {
		t.Fatal("re-grant failed")
	}
	if g, re := granted(); !g || re {
		t.Fatalf("after re-consent: granted %v reconsent %v", g, re)
	}
	status, body = r.call(t, "GET", "/api/v1/notices/1?lang=en", r.admin, "")
	if status != 200 || !strings.Contains(string(body), `"version":1`) {
		t.Fatalf("notice v1: %d %s", status, body)
	}
}
