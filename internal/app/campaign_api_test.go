package app_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/dp"
)

// The campaigns API: a definition that does not check is refused with its place (line and
// column for broken JSON, the JSON pointer for a wrong value); campaigns:read and
// campaigns:write belong to the marketer (and admin), not the analyst; a campaign and a
// journey are listed with their status, activated and paused; a channel this deployment
// has not configured cannot be activated; the OpenAPI document describes the routes.
func TestCampaignsAPI(t *testing.T) {
	r := startCampaignApp(t, app.Options{})
	tokens := r.roleTokens(t)
	marketer, analyst := tokens[auth.RoleMarketer], tokens[auth.RoleAnalyst]

	type located struct {
		Error struct {
			Code    string
			Message string
			Errors  []struct {
				Line, Column int
				Pointer      string
				Message      string
			}
		}
	}
	refuse := func(body string) located {
		t.Helper()
		s, b := r.call(t, "POST", "/api/v1/campaigns", marketer, body)
		var l located
		json.Unmarshal(b, &l)
		if s != 400 || l.Error.Code != "invalid_definition" || len(l.Error.Errors) != 1 {
			t.Fatalf("%s: %d %s", body, s, b)
		}
		return l
	}
	if l := refuse("{\n  \"id\": \"x\",\n  \"purpose\" \"marketing.communications\"\n}"); l.Error.Errors[0].Line != 3 || l.Error.Errors[0].Column < 13 {
		t.Fatalf("broken JSON located at %+v", l.Error.Errors[0])
	}
	good := onceCampaign("api-c", "marketing.communications")
	if l := refuse(strings.Replace(good, `"channel"`, `"holdot": 0.1, "channel"`, 1)); l.Error.Errors[0].Pointer != "/holdot" || l.Error.Errors[0].Message != "unknown member" {
		t.Fatalf("unknown member located at %+v", l.Error.Errors[0])
	}
	if l := refuse(strings.Replace(good, `"kind": "once"`, `"kind": "recurring", "cron": "61 * * * *"`, 1)); l.Error.Errors[0].Pointer != "/schedule/cron" {
		t.Fatalf("bad cron located at %+v", l.Error.Errors[0])
	}
	if l := refuse(strings.Replace(good, `"content": {"plain": {"body": "Spring sale 春季促销"}}`, `"content": {"plain": {"body": "Hi {{.name}}"}}`, 1)); l.Error.Errors[0].Pointer != "/content/plain/body" {
		t.Fatalf("a plain variant using attributes located at %+v", l.Error.Errors[0])
	}
	if s, _ := r.call(t, "GET", "/api/v1/campaigns", analyst, ""); s != 403 {
		t.Fatalf("analyst reads campaigns: %d", s)
	}
	for _, tc := range []struct {
		tok  string
		want bool
	}{{marketer, true}, {analyst, false}} {
		_, b := r.call(t, "GET", "/api/v1/whoami", tc.tok, "")
		var who struct{ Capabilities []string }
		json.Unmarshal(b, &who)
		if slices.Contains(who.Capabilities, "campaigns") != tc.want {
			t.Fatalf("whoami capabilities %v, campaigns wanted %v", who.Capabilities, tc.want)
		}
	}

	// Lifecycle: draft, active, paused, in the lists with their status.
	if s, b := r.call(t, "POST", "/api/v1/campaigns", marketer, good); s != 201 {
		t.Fatalf("define: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/journeys", marketer, `{"id": "api-j", "purpose": "marketing.communications", "entry": {"event": "Signed Up"},
  "channel": {"type": "webhook"}, "steps": [{"id": "hi", "send": {"content": {"plain": {"body": "欢迎"}}}}]}`); s != 201 {
		t.Fatalf("define journey: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/campaigns/api-c/activate", marketer, ""); s != 200 || !strings.Contains(string(b), `"status":"active"`) {
		t.Fatalf("activate: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/campaigns/api-c/pause", marketer, ""); s != 200 || !strings.Contains(string(b), `"status":"paused"`) {
		t.Fatalf("pause: %d %s", s, b)
	}
	if s, _ := r.call(t, "POST", "/api/v1/campaigns/api-j/activate", marketer, ""); s != 404 {
		t.Fatalf("a journey activated as a campaign: %d", s)
	}
	var list struct {
		Campaigns []struct {
			ID, Status, Kind, Purpose string
			Results                   *struct{ Funnel struct{ Audience int64 } }
		}
	}
	_, b := r.call(t, "GET", "/api/v1/campaigns", marketer, "")
	if json.Unmarshal(b, &list); len(list.Campaigns) != 1 || list.Campaigns[0].Status != "paused" || list.Campaigns[0].Results == nil {
		t.Fatalf("campaigns: %s", b)
	}
	var jl struct {
		Journeys []struct{ ID, Status, Entry string }
	}
	_, b = r.call(t, "GET", "/api/v1/journeys", marketer, "")
	if json.Unmarshal(b, &jl); len(jl.Journeys) != 1 || jl.Journeys[0].Status != "draft" || jl.Journeys[0].Entry != "event:Signed Up" {
		t.Fatalf("journeys: %s", b)
	}
	email := strings.Replace(strings.Replace(good, `"id": "api-c"`, `"id": "api-mail"`, 1), `{"type": "webhook"}`, `{"type": "email"}`, 1)
	email = strings.Replace(email, `{"body": "Spring sale 春季促销"}`, `{"subject": "Sale", "body": "Spring sale"}`, 1)
	if s, b := r.call(t, "POST", "/api/v1/campaigns", marketer, email); s != 201 {
		t.Fatalf("define email: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/campaigns/api-mail/activate", marketer, ""); s != 409 || !strings.Contains(string(b), "channel not configured") {
		t.Fatalf("activating an unconfigured channel: %d %s", s, b)
	}
	if s, _ := r.call(t, "GET", "/api/v1/campaigns/nope", marketer, ""); s != 404 {
		t.Fatalf("unknown campaign: %d", s)
	}
	req, _ := http.NewRequest("POST", r.base+"/api/v1/campaigns", strings.NewReader(good))
	req.Header.Set("Authorization", "Bearer "+marketer)
	req.Header.Set("Content-Type", "text/plain")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 415 {
		t.Fatalf("text/plain definition: %v %v", res, err)
	}
	s, b := r.call(t, "GET", "/api/openapi.json", "", "")
	if s != 200 {
		t.Fatalf("openapi: %d %.300s", s, b)
	}
	// The routes with their scopes, and the definition's durations as the strings they are.
	for _, want := range []string{`"/api/v1/journeys/{id}/pause"`, `"/unsubscribe"`, `"campaigns:write"`, `a duration such as`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("openapi lacks %s", want)
		}
	}
}

// Results of a campaign that names a privacy budget are released only through the DP
// engine: the release is charged to the budget before anything is read, the counts are
// noisy, the same question over the same data is answered again for free, and when the
// data changed and the budget cannot pay, the answer is 409 privacy_budget_exhausted. The
// list leaves such results out (listing must not spend a budget).
func TestCampaignResultsThroughDP(t *testing.T) {
	r := startCampaignApp(t, app.Options{})
	r.noQuietHours(t)
	ctx := context.Background()
	for _, u := range []string{"dp-a", "dp-b", "dp-c"} {
		r.shopper(t, u, "marketing.communications")
	}
	r.viewers(t, 3)
	led, err := dp.New(dp.Config{Store: r.app.Store, Source: dp.NewMemorySource(nil), Recorder: r.app.Recorder})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.CreateBudget(ctx, "op_test", dp.BudgetSpec{Name: "campaign-results", Epsilon: 0.5, Period: "lifetime"}); err != nil {
		t.Fatal(err)
	}
	def := strings.Replace(onceCampaign("dp-news", "marketing.communications"), `"schedule"`,
		`"conversion": {"event": "Order Completed", "window": "7d"}, "dp": {"budget": "campaign-results", "epsilon": 0.5}, "schedule"`, 1)
	r.launch(t, "campaigns", def)
	waitFor(t, func() bool {
		res, err := r.app.Campaigns.Results(ctx, "dp-news")
		return err == nil && res.Delivered == 3
	}, "three deliveries")

	_, b := r.call(t, "GET", "/api/v1/campaigns", r.admin, "")
	if !strings.Contains(string(b), `"dp_budget":"campaign-results"`) || strings.Contains(string(b), `"results"`) {
		t.Fatalf("the list must name the budget and leave the results out: %s", b)
	}
	first := r.results(t, "campaigns", "dp-news")
	if first.Results.DP == nil || first.Results.DP.Budget != "campaign-results" || first.Results.DP.Release == "" || first.Results.DP.Replayed {
		t.Fatalf("first release: %+v", first.Results)
	}
	if d := first.Results.Delivered; d < 0 || math.Abs(float64(d-3)) > 40 {
		t.Fatalf("noisy delivered %d is not near 3 at ε 0.5", d)
	}
	again := r.results(t, "campaigns", "dp-news")
	if !again.Results.DP.Replayed || again.Results.DP.Release != first.Results.DP.Release || again.Results.Delivered != first.Results.Delivered {
		t.Fatalf("the same question over the same data must be answered again for free: %+v then %+v", first.Results, again.Results)
	}
	// The data changes (a conversion): a new release would need a new charge, and the
	// budget has none left.
	r.track(t, shopperBatch("dp-a", "anon-dp-a", time.Now().UTC(), order))
	waitFor(t, func() bool {
		res, _ := r.app.Campaigns.Results(ctx, "dp-news")
		return res.Conversions == 1
	}, "a conversion")
	s, b := r.call(t, "GET", "/api/v1/campaigns/dp-news", r.admin, "")
	if s != 409 || !strings.Contains(string(b), "privacy_budget_exhausted") {
		t.Fatalf("over budget: %d %s", s, b)
	}
}
