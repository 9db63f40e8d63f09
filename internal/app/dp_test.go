package app_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/demo"
)

// release is what POST /api/v1/reports answers (the contract's fields and ours).
type release struct {
	ID    string `json:"id"`
	Cells []struct {
		Key   map[string]string `json:"key"`
		Value float64           `json:"value"`
		CI    [2]float64        `json:"ci"`
	} `json:"cells"`
	Charged   map[string]any `json:"charged"`
	Remaining map[string]any `json:"remaining"`
	DryRun    bool           `json:"dry_run"`
	Allowed   bool           `json:"allowed"`
	Replayed  bool           `json:"replayed"`
	Preview   struct {
		HalfWidth float64 `json:"ci95_half_width"`
	} `json:"preview"`
}

// analyticsEvents are the demo's event types analytics.reporting may read.
var analyticsEvents = []string{"Cart Viewed", "Checkout Started", "Order Completed", "Order Refunded", "Product Added",
	"Product Removed", "Product Viewed", "Products Searched", "identify", "page"}

// seedDemoWith feeds a small demo shop of cfg through the real ingestion endpoint.
func (r *running) seedDemoWith(t *testing.T, cfg demo.Config) []demo.Subject {
	t.Helper()
	if _, err := demo.Generate(cfg, func(batch []byte) error { r.track(t, string(batch)); return nil }); err != nil {
		t.Fatal(err)
	}
	subjects, err := demo.Subjects(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return subjects
}

// reportWhenReady posts a report, asking again while its data is being prepared (the first
// report of a purpose reads everyone once, in the background; 503 charges nothing).
func (r *running) reportWhenReady(t *testing.T, token, spec string) (int, []byte) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, body := r.call(t, "POST", "/api/v1/reports", token, spec)
		if status != 503 || time.Now().After(deadline) {
			return status, body
		}
		if !strings.Contains(string(body), "being prepared") {
			t.Fatalf("503 for another reason: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Issue 20's acceptance on the demo shop, over HTTP: a budget, three reports, the third
// refused with 409 privacy_budget_exhausted and the amounts. The reports read the stored
// events through the purpose-scoped reader: the people counted are exactly the shoppers
// whose consent allows analytics.
func TestDPReportsOnDemoShop(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	cfg := demo.Config{Seed: 7, Subjects: 300, Months: 1, Now: time.Now().UTC().Add(-time.Minute)}
	subjects := r.seedDemoWith(t, cfg)
	consenting := 0
	for _, s := range subjects {
		if s.Consent.Given && s.Consent.Final.Analytics {
			consenting++
		}
	}
	tokens := r.roleTokens(t)

	// Budgets are the privacy officer's to set; an analyst may not.
	budget := `{"name":"growth","epsilon":12,"delta":1e-6,"period":"30d"}`
	if status, body := r.call(t, "POST", "/api/v1/privacy-budgets", tokens[auth.RoleAnalyst], budget); status != 403 {
		t.Fatalf("analyst created a budget: %d %s", status, body)
	}
	if status, body := r.call(t, "POST", "/api/v1/privacy-budgets", tokens[auth.RolePrivacyOfficer], budget); status != 201 {
		t.Fatalf("budget: %d %s", status, body)
	}
	analyst := tokens[auth.RoleAnalyst]
	report := func(token, spec string, want int) (release, []byte) {
		t.Helper()
		status, body := r.reportWhenReady(t, token, spec)
		if status != want {
			t.Fatalf("report %s: %d %s, want %d", spec, status, body, want)
		}
		var rel release
		if err := json.Unmarshal(body, &rel); err != nil {
			t.Fatal(err)
		}
		return rel, body
	}

	// Report 1: how many people the purpose may read, at ε = 10 (Laplace, scale 0.1).
	r1, _ := report(analyst, `{"budget":"growth","purpose":"analytics.reporting","measure":"count_people","epsilon":10}`, 201)
	if len(r1.Cells) != 1 || r1.ID == "" || r1.Charged["epsilon"] != 10.0 {
		t.Fatalf("report 1 = %+v", r1)
	}
	got := r1.Cells[0].Value
	t.Logf("demo shop: %d shoppers, %d consent to analytics; the report counts %.0f (95%% CI %v)", len(subjects), consenting, got, r1.Cells[0].CI)
	if math.Abs(got-float64(consenting)) > 2 || consenting == len(subjects) || consenting == 0 {
		t.Fatalf("report 1 counted %.1f people, the shoppers consenting to analytics are %d of %d", got, consenting, len(subjects))
	}

	// A dry run prices report 2 and shows its expected error; nothing is charged.
	to := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.AddDate(0, 0, -35)
	keys, _ := json.Marshal(map[string][]string{"event": analyticsEvents})
	spec2 := fmt.Sprintf(`{"budget":"growth","purpose":"analytics.reporting","measure":"count","group_by":["event","day"],"epsilon":1,"from":%q,"to":%q,"public_keys":%s`,
		from.Format(time.RFC3339), to.Format(time.RFC3339), keys)
	dry, _ := report(analyst, spec2+`,"dry_run":true}`, 200)
	if !dry.DryRun || !dry.Allowed || len(dry.Cells) != 0 || dry.Preview.HalfWidth <= 0 || dry.Remaining["epsilon"] != 1.0 {
		t.Fatalf("dry run = %+v", dry)
	}
	// Report 2: events per type and day, every cell with its 95% interval.
	r2, _ := report(analyst, spec2+`}`, 201)
	if len(r2.Cells) != len(analyticsEvents)*35 || r2.Remaining["epsilon"] != 1.0 {
		t.Fatalf("report 2: %d cells, remaining %v", len(r2.Cells), r2.Remaining)
	}
	views := 0.0
	for _, c := range r2.Cells {
		if c.CI[0] > c.Value || c.Value > c.CI[1] {
			t.Fatalf("cell %v: %v outside its interval %v", c.Key, c.Value, c.CI)
		}
		if c.Key["event"] == "Product Viewed" {
			views += c.Value
		}
	}
	if views < 100 {
		t.Fatalf("report 2 counts %.0f product views in all", views)
	}
	// The same query over the same data is answered again for free.
	if again, _ := report(analyst, spec2+`}`, 200); !again.Replayed || again.ID != r2.ID || again.Charged["epsilon"] != 0.0 {
		t.Fatalf("replay = %+v", again)
	}

	// Report 3 would overspend: 409 privacy_budget_exhausted with the amounts.
	_, body := report(tokens[auth.RoleMarketer], `{"budget":"growth","purpose":"analytics.reporting","measure":"histogram","event":"Order Completed","property":"total","bounds":[0,5000],"epsilon":1.5}`, 409)
	var refusal struct {
		Error struct {
			Code, Message string
			Details       struct {
				Budget    string                    `json:"budget"`
				Cost      struct{ Epsilon float64 } `json:"cost"`
				Spent     struct{ Epsilon float64 } `json:"spent"`
				Limit     struct{ Epsilon float64 } `json:"limit"`
				Remaining struct{ Epsilon float64 } `json:"remaining"`
			}
		}
	}
	if err := json.Unmarshal(body, &refusal); err != nil {
		t.Fatal(err)
	}
	d := refusal.Error.Details
	t.Logf("report 3: %s", body)
	if refusal.Error.Code != "privacy_budget_exhausted" || d.Budget != "growth" || d.Cost.Epsilon != 1.5 || math.Abs(d.Spent.Epsilon-11) > 1e-9 ||
		d.Limit.Epsilon != 12 || math.Abs(d.Remaining.Epsilon-1) > 1e-9 || !strings.Contains(refusal.Error.Message, "growth") {
		t.Fatalf("refusal = %s", body)
	}

	// Both releases are stored and listed; the budget shows the spend; an auditor reads
	// them but runs nothing.
	auditor := tokens[auth.RoleAuditor]
	if status, body := r.call(t, "GET", "/api/v1/reports?budget=growth", auditor, ""); status != 200 || strings.Count(string(body), `"id":"rel_`) != 2 {
		t.Fatalf("releases: %d %s", status, body)
	}
	if status, body := r.call(t, "GET", "/api/v1/reports/"+r1.ID, auditor, ""); status != 200 || !strings.Contains(string(body), r1.ID) {
		t.Fatalf("release: %d %s", status, body)
	}
	if status, _ := r.call(t, "POST", "/api/v1/reports", auditor, spec2+`}`); status != 403 {
		t.Fatalf("auditor ran a report: %d", status)
	}
	status, body := r.call(t, "GET", "/api/v1/privacy-budgets", auditor, "")
	if status != 200 || !strings.Contains(string(body), `"charges":2`) {
		t.Fatalf("budgets: %d %s", status, body)
	}
}

// What a report's purpose may not read is refused before anything is charged: a trait
// the manifest does not list for the purpose, a tag built for another purpose, an unknown
// field; an unknown budget is a 404.
func TestDPReportRefusals(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	if status, body := r.call(t, "POST", "/api/v1/privacy-budgets", r.admin, `{"name":"b","epsilon":1,"delta":1e-6,"period":"lifetime"}`); status != 201 {
		t.Fatalf("budget: %d %s", status, body)
	}
	for _, c := range []struct {
		spec   string
		status int
		code   string
		says   string
	}{
		{`{"budget":"b","purpose":"analytics.reporting","measure":"count_people","group_by":["trait:email"],"epsilon":0.5}`, 400, "invalid_spec", `read no trait`},
		{`{"budget":"b","purpose":"analytics.reporting","measure":"count_people","group_by":["tag:repeat_buyer"],"epsilon":0.5}`, 400, "invalid_spec", "built for personalize.content"},
		{`{"budget":"b","purpose":"analytics.reporting","measure":"sum","event":"Order Completed","property":"shipping","bounds":[0,100],"epsilon":0.5}`, 400, "invalid_spec", `read no property`},
		{`{"budget":"b","purpose":"analytics.reporting","measure":"count","epsilon":0.5,"colour":"red"}`, 400, "invalid_json", "unknown field"},
		{`{"budget":"b","purpose":"analytics.reporting","measure":"mean","event":"Order Completed","property":"total","epsilon":0.5}`, 400, "invalid_spec", "bounds"},
		{`{"budget":"nope","purpose":"analytics.reporting","measure":"count","epsilon":0.5}`, 404, "not_found", "nope"},
	} {
		status, body := r.call(t, "POST", "/api/v1/reports", r.admin, c.spec)
		if status != c.status || !strings.Contains(string(body), `"code":"`+c.code+`"`) || !strings.Contains(string(body), c.says) {
			t.Errorf("%s: %d %s, want %d %s saying %q", c.spec, status, body, c.status, c.code, c.says)
		}
	}
	if _, body := r.call(t, "GET", "/api/v1/privacy-budgets", r.admin, ""); !strings.Contains(string(body), `"charges":0`) {
		t.Fatalf("refusals charged: %s", body)
	}
	// The schema says what the purpose may read: the console offers only that.
	status, body := r.call(t, "GET", "/api/v1/reports/schema?purpose=analytics.reporting", r.admin, "")
	if status != 200 || !strings.Contains(string(body), `{"name":"Order Completed","properties":["currency","products","revenue","total"]}`) ||
		!strings.Contains(string(body), `"city"`) || strings.Contains(string(body), `"email"`) {
		t.Fatalf("schema: %d %s", status, body)
	}
	if status, body := r.call(t, "GET", "/api/v1/reports/schema?purpose=nope", r.admin, ""); status != 400 || !strings.Contains(string(body), "invalid_spec") {
		t.Fatalf("schema of an unknown purpose: %d %s", status, body)
	}
}
