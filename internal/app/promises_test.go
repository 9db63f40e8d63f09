package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/auth"
)

// tokens issues a token with every scope of each role.
func (r *running) roleTokens(t *testing.T) map[auth.Role]string {
	t.Helper()
	out := map[auth.Role]string{}
	for _, role := range auth.Roles {
		op, err := r.app.Auth.CreateOperator(context.Background(), "op-"+string(role), role)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := r.app.Auth.IssueToken(context.Background(), op.ID, "t", nil, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		out[role] = tok
	}
	return out
}

// promised is a customer with a birthday, an address, contact details, orders and a basket:
// the manifest lets essential.service read the birthday and order ids, and the advertising
// profile only the city and the behaviour; the purchase model tags them likely_to_buy, an
// advertising-profiling tag.
func (r *running) promised(t *testing.T, user string) {
	t.Helper()
	now := time.Now().UTC()
	r.track(t, shopperBatch(user, "anon-"+user, now.Add(-2*time.Hour),
		`"type":"identify","traits":{"email":"pat@example.com","phone":"13912345678","name":"Pat Lee","birthday":"1990-04-01","address":{"city":"上海"}}`,
		`"type":"track","event":"Product Added","properties":{"product_id":"p1"}`,
		`"type":"track","event":"Product Added","properties":{"product_id":"p2"}`,
		`"type":"track","event":"Product Added","properties":{"product_id":"p3"}`,
		`"type":"track","event":"Order Completed","properties":{"order_id":"ord-1","revenue":120,"total":120}`,
		`"type":"track","event":"Order Completed","properties":{"order_id":"ord-2","revenue":80,"total":80}`))
	if s, b := r.call(t, "POST", "/api/v1/profiles/refresh", r.admin, ""); s != 200 {
		t.Fatalf("refresh: %d %s", s, b)
	}
}

// Every read for a purpose returns only the fields, attributes and tags that purpose may
// read: the manifest's field uses and the tag's purpose (issue 16 item 1; PIPL Art. 6, PM-02).
func TestReadsAreLimitedToTheirPurpose(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	r.promised(t, "pat")

	_, ads := r.call(t, "GET", "/api/v1/subjects/pat/events?purpose=marketing.advertising.profiling", r.admin, "")
	_, service := r.call(t, "GET", "/api/v1/subjects/pat/events?purpose=essential.service", r.admin, "")
	for _, s := range []string{"1990-04-01", "ord-1"} {
		if strings.Contains(string(ads), s) {
			t.Errorf("the advertising profile reads %q, which the manifest allows only for essential.service:\n%s", s, ads)
		}
		if !strings.Contains(string(service), s) {
			t.Errorf("essential.service does not read %q:\n%s", s, service)
		}
	}
	if !strings.Contains(string(ads), "上海") {
		t.Errorf("the advertising profile lost the city it may read:\n%s", ads)
	}
	if string(ads) == string(service) {
		t.Error("two purposes read the same thing")
	}

	profile := func(purpose string) (tags []string, traits map[string]any) {
		t.Helper()
		s, b := r.call(t, "GET", "/api/v1/subjects/pat/profile?purpose="+purpose, r.admin, "")
		if s != 200 {
			t.Fatalf("profile for %s: %d %s", purpose, s, b)
		}
		var v struct {
			Profile struct {
				Tags   []string
				Traits map[string]any
			}
		}
		json.Unmarshal(b, &v)
		return v.Profile.Tags, v.Profile.Traits
	}
	adTags, _ := profile("marketing.advertising.profiling")
	serviceTags, _ := profile("essential.service")
	if !strings.Contains(strings.Join(adTags, ","), "likely_to_buy") {
		t.Fatalf("the advertising profile lacks its own tag: %v", adTags)
	}
	for _, tag := range serviceTags {
		if tag == "likely_to_buy" || tag == "repeat_buyer" {
			t.Errorf("the essential.service profile lists %s, a tag built for another purpose: %v", tag, serviceTags)
		}
	}
}

// Masking by role belongs to the one read path: every route that returns a person's data
// masks direct identifiers for every role but admins and privacy officers (issue 17 item 3;
// SD-02).
func TestEveryRouteMasksIdentifiersByRole(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	r.promised(t, "pat")
	tokens := r.roleTokens(t)
	routes := []string{
		"/api/v1/subjects/pat/events?purpose=essential.service",
		"/api/v1/subjects/pat/profile?purpose=essential.service",
	}
	clear := map[auth.Role]bool{auth.RoleAdmin: true, auth.RolePrivacyOfficer: true}
	checked := 0
	for _, route := range routes {
		for _, role := range auth.Roles {
			s, b := r.call(t, "GET", route, tokens[role], "")
			if s == 403 && !role.Grants(auth.ScopeProfilesRead) {
				continue // the role may not read people at all
			}
			if s != 200 {
				t.Fatalf("%s as %s: %d %s", route, role, s, b)
			}
			shown := strings.Contains(string(b), "pat@example.com") || strings.Contains(string(b), "13912345678") || strings.Contains(string(b), "Pat Lee")
			if shown && !clear[role] {
				t.Errorf("%s as %s: identifiers in clear:\n%s", route, role, b)
			}
			// The events route shows the identify, masked or not by role. (A profile holds
			// no contact details at all: no profiling purpose may read them.)
			if strings.Contains(route, "/events") && shown != clear[role] {
				t.Errorf("%s as %s: identifiers in clear = %v, want %v:\n%s", route, role, shown, clear[role], b)
			}
			if strings.Contains(route, "/events") && !clear[role] && !strings.Contains(string(b), "p***@example.com") {
				t.Errorf("%s as %s: the email is not shown masked:\n%s", route, role, b)
			}
			checked++
		}
	}
	if checked < 4 {
		t.Fatalf("only %d route×role reads checked", checked)
	}
}

// ingest posts a batch with the write key and returns the status and answer.
func (r *running) ingest(t *testing.T, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", r.base+"/v1/batch", strings.NewReader(body))
	req.SetBasicAuth(r.key, "")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// Errors that tell the truth (issue 16 item 8).
func TestErrorsTellTheTruth(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	// A segment over a trait its purpose may not read is refused saying so (the manifest
	// lets marketing messages use the email and the userId, not the city).
	s, b := r.call(t, "POST", "/api/v1/segments/preview", r.admin, `{"expression":"trait(\"city\") == \"上海\"","purpose":"marketing.communications"}`)
	if s != 400 || !strings.Contains(string(b), `may not read trait \"city\"`) || strings.Contains(string(b), "unknown trait") {
		t.Errorf("segment over a trait the purpose may not read: %d %s", s, b)
	}
	// An oversized batch is 413, which Segment's and RudderStack's clients do not retry.
	big := `{"batch":[{"type":"track","event":"Product Viewed","userId":"u","properties":{"product_id":"` + strings.Repeat("x", 791<<10) + `"}}]}`
	if s, b := r.ingest(t, big); s != 413 || !strings.Contains(string(b), "payload_too_large") {
		t.Errorf("791 KB batch: %d %.200s", s, b)
	}
	// A refusal without a reason is bad input, not a conflict.
	r.track(t, `{"batch":[{"type":"identify","userId":"err-1","traits":{"email":"e@example.com"}}]}`)
	_, rb := r.call(t, "POST", "/api/v1/me/requests", r.session(t, "err-1"), `{"type":"correction"}`)
	var req struct{ ID string }
	json.Unmarshal(rb, &req)
	if s, b := r.call(t, "POST", "/api/v1/rights-requests/"+req.ID+"/steps", r.admin, `{"state":"refused"}`); s != 400 {
		t.Errorf("refusal without a reason: %d %s", s, b)
	}
	// Ingestion says what the gate did: kept, dropped by reason, fields stripped by reason.
	s, b = r.ingest(t, `{"batch":[
		{"type":"track","event":"Product Viewed","userId":"err-1","properties":{"product_id":"p1","shoe_size":42},"context":{"consent":{"categoryPreferences":{"Analytics":true}}}},
		{"type":"track","event":"Made Up Event","userId":"err-1"},
		{"type":"track","event":"Product Viewed","anonymousId":"nobody-asked"}]}`)
	var got struct {
		Success  bool
		Kept     int
		Dropped  map[string]int
		Stripped map[string]int
	}
	json.Unmarshal(b, &got)
	if s != 200 || !got.Success || got.Kept != 1 || got.Dropped["event_not_in_manifest"] != 1 || len(got.Dropped) != 2 || got.Stripped["not_in_schema"] < 1 {
		t.Errorf("ingest answer: %d %s", s, b)
	}
}

// Tags used to target or personalise a person are visible to them and deletable: a hidden
// one is refused, naming why; only essential purposes may keep a tag out of view (issue 16
// item 5; CAC ARP Art. 17, GB/T 35273 §7.5).
func TestNoHiddenTargetingTags(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	hidden := `{"name":"quiet_target","kind":"rule","expression":"count(\"Product Viewed\", 30d) >= 1","categories":["user.behavior.browsing_history"],"purpose":"marketing.advertising.profiling","ttl":"30d","refresh":"1h","user_visible":false,"deletable":true}`
	s, b := r.call(t, "POST", "/api/v1/tags", r.admin, hidden)
	if s != 400 || !strings.Contains(string(b), "must be visible to the people it is used on") {
		t.Fatalf("hidden advertising tag: %d %s", s, b)
	}
	fraud := `{"name":"many_orders","kind":"rule","expression":"count(\"Order Completed\", 1d) >= 5","categories":["user.behavior.purchase_history","system.operations"],"purpose":"essential.service","ttl":"1d","refresh":"1h","user_visible":false,"deletable":false}`
	if s, b := r.call(t, "POST", "/api/v1/tags", r.admin, fraud); s != 201 {
		t.Fatalf("hidden essential tag: %d %s", s, b)
	}
}

// meDoc reads the privacy center's document: the switch and the purposes granted.
func (r *running) meDoc(t *testing.T, token string) (on bool, granted map[string]bool) {
	t.Helper()
	_, b := r.call(t, "GET", "/api/v1/me", token, "")
	var doc struct {
		Sections []struct {
			ID       string
			On       bool
			Purposes []struct {
				Key     string
				Granted bool
			}
		}
	}
	json.Unmarshal(b, &doc)
	granted = map[string]bool{}
	for _, s := range doc.Sections {
		switch s.ID {
		case "personalisation":
			on = s.On
		case "consent":
			for _, p := range s.Purposes {
				granted[p.Key] = p.Granted
			}
		}
	}
	return on, granted
}

// The personalisation switch is one truth: "off" withdraws every targeting purpose, "on"
// restores the choices held before, /me says what the ledger says, and the audit log records
// each click as what it was (issue 16 item 6; PIPL Art. 24, PT-03).
func TestPersonalisationSwitchIsOneTruth(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"identify","userId":"sw-1","traits":{"email":"sw@example.com"}}]}`)
	tok := r.session(t, "sw-1")
	for _, p := range []string{"personalize.content", "marketing.advertising.profiling", "analytics.reporting"} {
		if s, b := r.call(t, "POST", "/api/v1/me/consents", tok, `{"purpose":"`+p+`","granted":true}`); s != 204 {
			t.Fatalf("grant %s: %d %s", p, s, b)
		}
	}
	if s, _ := r.call(t, "POST", "/api/v1/me/personalisation", tok, `{"on":false}`); s != 204 {
		t.Fatal("off")
	}
	on, granted := r.meDoc(t, tok)
	if on || granted["personalize.content"] || granted["marketing.advertising.profiling"] || !granted["analytics.reporting"] {
		t.Fatalf("after off: on=%v %v", on, granted)
	}
	if s, _ := r.call(t, "POST", "/api/v1/me/personalisation", tok, `{"on":true}`); s != 204 {
		t.Fatal("on")
	}
	on, granted = r.meDoc(t, tok)
	if !on || !granted["personalize.content"] || !granted["marketing.advertising.profiling"] || granted["marketing.advertising.first_party"] {
		t.Fatalf("after on: the choices held before off are not back: on=%v %v", on, granted)
	}
	_, rb := r.call(t, "GET", "/api/v1/me/report", tok, "")
	var rep struct {
		Entries []struct {
			Act    string
			Detail map[string]string
		}
	}
	json.Unmarshal(rb, &rep)
	var clicks []string
	for _, e := range rep.Entries {
		if p := e.Detail["personalisation"]; p != "" {
			clicks = append(clicks, p)
		}
	}
	if strings.Join(clicks, ",") != "off,on" {
		t.Fatalf("the audit log records the clicks as %v, want off then on", clicks)
	}
}

// The jurisdiction of a request comes from the person — their address, then where their
// events came from, then the shop's home — and the request shows it with its deadline
// (issue 16 item 4).
func TestJurisdictionFromThePerson(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[
		{"type":"identify","userId":"leipzig","traits":{"email":"l@example.de","address":{"city":"Leipzig","country":"DE"}}},
		{"type":"identify","userId":"sf","traits":{"email":"s@example.com","address":{"city":"San Francisco","state":"CA","country":"US"}}},
		{"type":"identify","userId":"paris","traits":{"email":"p@example.fr"},"context":{"location":{"country":"FR"}}},
		{"type":"identify","userId":"shanghai","traits":{"email":"h@example.cn"}}]}`)
	for user, want := range map[string][2]string{
		"leipzig": {"EU", "GDPR Art. 12(3)"}, "sf": {"US-CA", "CCPA"}, "paris": {"EU", "GDPR Art. 12(3)"}, "shanghai": {"CN", "GB/T 35273-2020 §8.7"},
	} {
		s, b := r.call(t, "POST", "/api/v1/me/requests", r.session(t, user), `{"type":"access"}`)
		var req struct {
			Jurisdiction   string
			DeadlineSource string `json:"deadline_source"`
		}
		json.Unmarshal(b, &req)
		if s != 201 || req.Jurisdiction != want[0] || !strings.Contains(req.DeadlineSource, want[1]) {
			t.Errorf("%s: %d jurisdiction %q (%s), want %s", user, s, req.Jurisdiction, req.DeadlineSource, want[0])
		}
	}
}

// After an erasure one tracked event does not bring the person back: their userId is kept
// as a keyed hash and its events are dropped with reason "suppressed" until the shop lifts
// it (issue 16 item 7; Segment's "suppress and delete"). Nothing in clear is kept.
func TestErasureSuppresses(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"identify","userId":"gone-1","traits":{"email":"gone@example.com"}}]}`)
	if s, b := r.call(t, "DELETE", "/api/v1/me", r.session(t, "gone-1"), ""); s != 200 || !strings.Contains(string(b), `"suppressed":1`) {
		t.Fatalf("erase: %d %s", s, b)
	}
	event := `{"batch":[{"type":"track","event":"Product Viewed","userId":"gone-1","properties":{"product_id":"p1"},"context":{"consent":{"categoryPreferences":{"Analytics":true}}}}]}`
	s, b := r.ingest(t, event)
	if s != 200 || !strings.Contains(string(b), `"suppressed":1`) || !strings.Contains(string(b), `"kept":0`) {
		t.Fatalf("event for an erased userId: %d %s", s, b)
	}
	if _, err := r.app.SubjectForUserID(context.Background(), "gone-1"); err == nil {
		t.Fatal("one tracked event re-created the erased person")
	}
	// The shop lifts it (the person signed up again); their events count again.
	if s, b := r.call(t, "POST", "/api/v1/suppressions/lift", r.admin, `{"user_id":"gone-1"}`); s != 200 || !strings.Contains(string(b), `"lifted":true`) {
		t.Fatalf("lift: %d %s", s, b)
	}
	if s, b := r.ingest(t, event); s != 200 || !strings.Contains(string(b), `"kept":1`) {
		t.Fatalf("after lifting: %d %s", s, b)
	}
}

// What a person writes in a request is kept — sealed under their data key — and shown to
// them and to the operator handling it; an erasure shreds it with the rest (issue 17).
func TestRequestDetailsAreKept(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"identify","userId":"det-1","traits":{"email":"det@example.com"}}]}`)
	tok := r.session(t, "det-1")
	s, b := r.call(t, "POST", "/api/v1/me/requests", tok, `{"type":"correction","details":{"field":"email","value":"new.det@example.com"}}`)
	var req struct{ ID string }
	json.Unmarshal(b, &req)
	if s != 201 || !strings.Contains(string(b), "new.det@example.com") {
		t.Fatalf("create: %d %s", s, b)
	}
	if _, b := r.call(t, "GET", "/api/v1/rights-requests/"+req.ID, r.admin, ""); !strings.Contains(string(b), `"field":"email"`) {
		t.Fatalf("the operator does not see what was asked: %s", b)
	}
	raw, _ := r.app.Store.RightsRequest(context.Background(), req.ID)
	if len(raw.Details) == 0 || strings.Contains(string(raw.Details), "new.det") {
		t.Fatalf("details are not sealed at rest: %q", raw.Details)
	}
}
