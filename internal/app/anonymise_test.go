package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/anonymise"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/demo"
)

// anonPreview is the part of a preview (and of a release) the tests read.
type anonPreview struct {
	PreviewID  string `json:"preview_id"`
	Population struct {
		Considered, Included int
		Excluded             []struct {
			Reason string
			Count  int
		}
	}
	Columns []struct {
		Column    string
		Hierarchy string
		Level     int
		LevelName string `json:"level_name"`
		Levels    []string
	}
	Models []string
	Report struct {
		Records, Suppressed, Classes int
		Risk                         struct {
			Before, After struct {
				ProsecutorHighest float64 `json:"prosecutor_highest"`
				SampleUniques     float64 `json:"sample_uniques"`
				Records           int
			}
			Summary map[string]string
		}
	}
	// Release only.
	CSV       string `json:"csv"`
	SHA256    string `json:"sha256"`
	AuditLeaf uint64 `json:"audit_leaf"`
	Filename  string
}

// seedDemo sends the demo shop's shoppers through the real ingestion endpoint and
// recomputes profiles (as exclusions_test does), returning the generator's ground truth.
func (r *running) seedDemo(t *testing.T, subjects int) []demo.Subject {
	t.Helper()
	r.waitProfiles(t)
	cfg := demo.Config{Seed: 7, Subjects: subjects, Months: 1, Now: time.Now().UTC().Add(-time.Minute)}
	if _, err := demo.Generate(cfg, func(batch []byte) error { r.track(t, string(batch)); return nil }); err != nil {
		t.Fatal(err)
	}
	out, err := demo.Subjects(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The engine picks new events up within a tick; wait until every shopper is in it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s, b := r.call(t, "POST", "/api/v1/profiles/refresh", r.admin, ""); s != 200 {
			t.Fatalf("refresh: %d %s", s, b)
		}
		if _, ok := r.app.Profiles.PersonOf(mustSubject(t, r, out[len(out)-1].UserID), nil, nil); ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return out
}

func mustSubject(t *testing.T, r *running, userID string) string {
	t.Helper()
	id, err := r.app.SubjectForUserID(t.Context(), userID)
	if err != nil {
		return ""
	}
	return id
}

// An anonymised export of the demo shop (issue 21 item 3 acceptance): the demo's shoppers
// go through the real ingestion; an analyst previews a 5-anonymous export for
// analytics.reporting — city by the manifest's hierarchy, account creation date by date
// levels, orders by intervals, a tag — with the risk before and after; the privacy officer
// releases it; the file passes anonymise's own verifier; the audit log holds one leaf
// committing to exactly the people whose consent allows analytics, and those people (and
// no one else) find it in their transparency report.
func TestAnonymisedExportOfTheDemoShop(t *testing.T) {
	r := startApp(t)
	subjects := r.seedDemo(t, 300)
	roles := r.roleTokens(t)

	status, body := r.call(t, "GET", "/api/v1/anonymised-exports/options", roles[auth.RoleAnalyst], "")
	if status != 200 {
		t.Fatalf("options: %d %s", status, body)
	}
	var opts struct {
		Purpose string
		Columns []struct{ ID, Hierarchy string }
	}
	json.Unmarshal(body, &opts)
	hier := map[string]string{}
	for _, c := range opts.Columns {
		hier[c.ID] = c.Hierarchy
	}
	orders := `attribute:count("Order Completed", 90d)`
	if opts.Purpose != "analytics.reporting" || hier["trait:address.city"] != "declared" || hier["trait:createdAt"] != "date" || hier[orders] != "interval" ||
		hier["tag:recent_buyer"] != "flat" || hier["trait:email"] != "" {
		t.Fatalf("options: %s", body)
	}

	spec := map[string]any{"purpose": "analytics.reporting", "k": 5, "suppression": 0.05,
		"quasi_identifiers": []string{"trait:address.city", "trait:createdAt", "tag:recent_buyer"}, "sensitive": orders}
	specJSON, _ := json.Marshal(spec)
	status, body = r.call(t, "POST", "/api/v1/anonymised-exports/preview", roles[auth.RoleAnalyst], string(specJSON))
	if status != 200 {
		t.Fatalf("preview: %d %s", status, body)
	}
	var p anonPreview
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	t.Logf("population %+v; models %v; suppressed %d of %d; classes %d", p.Population, p.Models, p.Report.Suppressed, p.Report.Records, p.Report.Classes)
	for _, c := range p.Columns {
		t.Logf("  %s: %s (level %d of %v)", c.Column, c.LevelName, c.Level, c.Levels)
	}
	t.Logf("en: %s", p.Report.Risk.Summary["en"])
	t.Logf("zh-CN: %s", p.Report.Risk.Summary["zh-CN"])

	// Ground truth: who allowed analytics in the end.
	allowed := map[string]bool{}
	for _, s := range subjects {
		if s.Consent.Given && s.Consent.Final.Analytics {
			allowed[s.UserID] = true
		}
	}
	if p.Population.Included != len(allowed) || p.Population.Included+p.Population.Excluded[0].Count != p.Population.Considered {
		t.Errorf("included %d, ground truth %d; population %+v", p.Population.Included, len(allowed), p.Population)
	}
	after := p.Report.Risk.After
	if p.Report.Records != p.Population.Included || after.ProsecutorHighest > 0.2+1e-9 || p.Report.Risk.Before.ProsecutorHighest <= after.ProsecutorHighest ||
		float64(p.Report.Suppressed) > 0.05*float64(p.Report.Records) {
		t.Fatalf("risk: %+v", p.Report)
	}
	if !strings.Contains(p.Report.Risk.Summary["en"], fmt.Sprintf("Of %d records", p.Report.Records)) || !strings.Contains(p.Report.Risk.Summary["zh-CN"], "准标识符") {
		t.Fatalf("summaries: %v", p.Report.Risk.Summary)
	}

	// The analyst previews; only the privacy officer releases.
	release := func(token string, extra map[string]any) (int, []byte) {
		body := map[string]any{}
		for k, v := range spec {
			body[k] = v
		}
		for k, v := range extra {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		return r.call(t, "POST", "/api/v1/anonymised-exports", token, string(b))
	}
	if status, body := release(roles[auth.RoleAnalyst], nil); status != 403 || !strings.Contains(string(body), "anonymised:release") {
		t.Fatalf("analyst release: %d %s", status, body)
	}
	if status, body := release(roles[auth.RoleMarketer], nil); status != 403 {
		t.Fatalf("marketer release: %d %s", status, body)
	}
	if status, _ := release(roles[auth.RolePrivacyOfficer], map[string]any{"preview_id": "0123456789abcdef0123456789abcdef"}); status != 409 {
		t.Fatalf("release of another preview: %d", status)
	}
	status, body = release(roles[auth.RolePrivacyOfficer], map[string]any{"preview_id": p.PreviewID})
	if status != 200 {
		t.Fatalf("release: %d %s", status, body)
	}
	var rel anonPreview
	json.Unmarshal(body, &rel)
	if rel.PreviewID != p.PreviewID || rel.Report.Suppressed != p.Report.Suppressed || !strings.HasSuffix(rel.Filename, ".csv") {
		t.Fatalf("release differs from its preview: %s", body)
	}

	// anonymise's own verifier, from the file alone.
	v, err := anonymise.Verify(strings.NewReader(rel.CSV), ',', anonymise.Claim{QuasiIdentifiers: spec["quasi_identifiers"].([]string), Sensitive: orders, K: 5, Suppression: 0.05})
	if err != nil {
		t.Fatalf("the release is not 5-anonymous: %v", err)
	}
	if v.Records != len(allowed) || v.SmallestClass < 5 || (v.SuppressedStarred && v.Starred != rel.Report.Suppressed) {
		t.Fatalf("verification %+v; release suppressed %d", v, rel.Report.Suppressed)
	}
	for _, s := range subjects {
		for _, personal := range []string{s.UserID, s.Email, s.AnonymousID} {
			if personal != "" && strings.Contains(rel.CSV, personal) {
				t.Fatalf("the release holds an identifier of subject %d", s.Index)
			}
		}
	}
	t.Logf("release: %d records, %d classes (smallest %d), %d starred; %d bytes; first lines:\n%s", v.Records, v.Classes, v.SmallestClass, v.Starred, len(rel.CSV),
		strings.Join(strings.SplitN(rel.CSV, "\n", 6)[:5], "\n"))

	// The audit leaf: one act about exactly those people, with the models and the risk.
	status, body = r.call(t, "GET", fmt.Sprintf("/api/v1/audit/leaves/%d", rel.AuditLeaf), r.admin, "")
	if status != 200 {
		t.Fatalf("leaf: %d %s", status, body)
	}
	var view struct{ Leaf string }
	json.Unmarshal(body, &view)
	var l struct {
		Act, Actor, Purpose string
		LegalBasis          string `json:"legal_basis"`
		Detail              map[string]string
	}
	if err := json.Unmarshal([]byte(view.Leaf), &l); err != nil {
		t.Fatalf("leaf: %v: %s", err, body)
	}
	if l.Act != "anonymised_release" || l.Purpose != "analytics.reporting" || l.LegalBasis != "consent" || l.Detail["k"] != "5" ||
		l.Detail["audience_size"] != fmt.Sprint(len(allowed)) || l.Detail["sha256"] != rel.SHA256 || l.Detail["records"] != fmt.Sprint(len(allowed)) ||
		l.Detail["suppressed"] != fmt.Sprint(rel.Report.Suppressed) || l.Detail["prosecutor_highest_after"] == "" || l.Detail["models"] != "5-anonymity" {
		t.Fatalf("leaf: %s", body)
	}
	t.Logf("audit leaf %d: %s", rel.AuditLeaf, body)

	// The people in it see it in their transparency report; someone who refused does not.
	var in, out string
	for _, s := range subjects {
		if allowed[s.UserID] && in == "" {
			in = s.UserID
		}
		if !allowed[s.UserID] && s.Consent.Given && out == "" {
			if _, ok := r.app.Profiles.PersonOf(mustSubject(t, r, s.UserID), nil, nil); ok {
				out = s.UserID
			}
		}
	}
	seen := func(user string) bool {
		_, b := r.call(t, "GET", "/api/v1/me/report", r.session(t, user), "")
		return strings.Contains(string(b), `"act":"anonymised_release"`)
	}
	if !seen(in) || out == "" || seen(out) {
		t.Fatalf("transparency: included %s sees it %v; refused %q sees it %v", in, seen(in), out, out != "" && seen(out))
	}

	// Refusals: a model that cannot be met (422 naming it), a purpose that may not export,
	// a direct identifier.
	bad := `{"purpose":"analytics.reporting","k":5000,"quasi_identifiers":["trait:gender"]}`
	if status, body := r.call(t, "POST", "/api/v1/anonymised-exports/preview", roles[auth.RolePrivacyOfficer], bad); status != 422 ||
		!strings.Contains(string(body), `"code":"privacy_model_not_met"`) || !strings.Contains(string(body), "5000-anonymity cannot be met") {
		t.Fatalf("unsatisfiable: %d %s", status, body)
	}
	bad = `{"purpose":"marketing.advertising.profiling","k":5,"quasi_identifiers":["trait:address.city"]}`
	if status, body := r.call(t, "POST", "/api/v1/anonymised-exports/preview", roles[auth.RolePrivacyOfficer], bad); status != 403 || !strings.Contains(string(body), "only analytics.reporting") {
		t.Fatalf("advertising purpose: %d %s", status, body)
	}
	bad = `{"purpose":"analytics.reporting","k":5,"quasi_identifiers":["trait:email"]}`
	if status, body := r.call(t, "POST", "/api/v1/anonymised-exports/preview", roles[auth.RolePrivacyOfficer], bad); status != 400 {
		t.Fatalf("email: %d %s", status, body)
	}
	if status, _ := r.call(t, "POST", "/api/v1/anonymised-exports/preview", roles[auth.RoleAuditor], string(specJSON)); status != 403 {
		t.Fatalf("auditor preview: %d", status)
	}
}
