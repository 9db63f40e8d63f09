package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/server"
)

// waitReady waits for the profile engine's first load.
func (r *running) waitProfiles(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !r.app.Profiles.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("profiles never loaded")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func shopperBatch(user, anon string, at time.Time, msgs ...string) string {
	ctx := `{"consent":{"categoryPreferences":{"Analytics":true,"Personalization":true,"Advertising":true}}}`
	var b strings.Builder
	b.WriteString(`{"batch":[`)
	for i, m := range msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{%s,"userId":%q,"anonymousId":%q,"messageId":"%s-%d-%d","timestamp":%q,"context":%s}`,
			m, user, anon, user, at.UnixNano(), i, at.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), ctx)
	}
	b.WriteString(`]}`)
	return b.String()
}

const (
	identifyShanghai = `"type":"identify","traits":{"address":{"city":"上海"},"birthday":"1990-04-01"}`
	order            = `"type":"track","event":"Order Completed","properties":{"order_id":"o","revenue":300,"total":300}`
)

type myTags struct {
	Tags []struct {
		Name        string
		Explanation string
		Evidence    []struct{ What, Value string }
		Deletable   bool
	}
	Deleted []struct{ Name string }
}

func (r *running) myTags(t *testing.T, token string) myTags {
	t.Helper()
	status, body := r.call(t, "GET", "/api/v1/me/tags?lang=en", token, "")
	if status != 200 {
		t.Fatalf("me/tags: %d %s", status, body)
	}
	var m myTags
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m myTags) has(name string) bool {
	for _, t := range m.Tags {
		if t.Name == name {
			return true
		}
	}
	return false
}

type segView struct {
	Name     string
	Matches  int
	Size     int
	Excluded []struct {
		Reason string
		Count  int
	}
}

func (r *running) segment(t *testing.T, name string) segView {
	t.Helper()
	status, body := r.call(t, "GET", "/api/v1/segments/"+name, r.admin, "")
	if status != 200 {
		t.Fatalf("segment %s: %d %s", name, status, body)
	}
	var v segView
	json.Unmarshal(body, &v)
	return v
}

// A new event updates tags and segment memberships within 5 s (issue 8 item 5); a tag the
// person deleted is not computed for them again, not by new events, not by a refresh.
func TestTagsAndSegmentsFollowEventsAndDeletionSticks(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	now := time.Now().UTC()
	r.track(t, shopperBatch("buyer-1", "anon-b1", now.Add(-time.Hour), identifyShanghai, order))
	status, body := r.call(t, "POST", "/api/v1/segments", r.admin,
		`{"name":"shanghai_repeat","expression":"tag(\"repeat_buyer\") and trait(\"city\") == \"上海\"","purpose":"personalize.content"}`)
	if status != 201 {
		t.Fatalf("define segment: %d %s", status, body)
	}
	tok := r.session(t, "buyer-1")
	if m := r.myTags(t, tok); m.has("repeat_buyer") {
		t.Fatalf("one order made a repeat buyer: %+v", m)
	}

	start := time.Now()
	r.track(t, shopperBatch("buyer-1", "anon-b1", now.Add(-time.Minute), order))
	for {
		if r.myTags(t, tok).has("repeat_buyer") && r.segment(t, "shanghai_repeat").Matches == 1 {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("tag or membership not updated within 5 s: %+v %+v", r.myTags(t, tok), r.segment(t, "shanghai_repeat"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("second order → tag repeat_buyer and segment membership after %v", time.Since(start).Round(time.Millisecond))
	m := r.myTags(t, tok)
	for _, tg := range m.Tags {
		if tg.Name == "repeat_buyer" && (tg.Explanation == "" || len(tg.Evidence) == 0 || tg.Evidence[0].Value != "2") {
			t.Fatalf("repeat_buyer without a plain explanation and evidence: %+v", tg)
		}
	}

	// The person's export carries the tag with its explanation, and validates.
	status, body = r.call(t, "GET", "/api/v1/me/export", tok, "")
	if status != 200 || !strings.Contains(string(body), `"name":"repeat_buyer"`) {
		t.Fatalf("export lacks the tag: %d %.300s", status, body)
	}
	validateExport(t, body)

	// The operator's profile view for a purpose: traits and computed attributes that purpose
	// may read, each with its categories; revenue is not for advertising profiling.
	status, body = r.call(t, "GET", "/api/v1/subjects/buyer-1/profile?purpose=personalize.content", r.admin, "")
	for _, want := range []string{`"city":"上海"`, `"name":"count(\"Order Completed\", 90d)","value":2,"categories":["user.behavior.purchase_history`,
		`"name":"sum(\"Order Completed\", \"revenue\", 90d)","value":600`, `"name":"last(\"Order Completed\", \"revenue\")","value":300`,
		`"tags":["repeat_buyer"]`, `"segments":["shanghai_repeat"]`} {
		if status != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("profile lacks %s: %d %s", want, status, body)
		}
	}
	status, body = r.call(t, "GET", "/api/v1/subjects/buyer-1/profile?purpose=marketing.advertising.profiling", r.admin, "")
	if status != 200 || strings.Contains(string(body), "revenue") || !strings.Contains(string(body), `"city":"上海"`) {
		t.Fatalf("advertising profile: %d %s", status, body)
	}

	// The person deletes the tag: gone now, after a refresh, and after more orders.
	if status, body := r.call(t, "DELETE", "/api/v1/me/tags/repeat_buyer", tok, ""); status != 204 {
		t.Fatalf("delete tag: %d %s", status, body)
	}
	if status, body := r.call(t, "DELETE", "/api/v1/me/tags/repeat_buyer", tok, ""); status != 404 {
		t.Fatalf("second delete: %d %s", status, body)
	}
	if status, body := r.call(t, "POST", "/api/v1/profiles/refresh", r.admin, ""); status != 200 {
		t.Fatalf("refresh: %d %s", status, body)
	}
	r.track(t, shopperBatch("buyer-1", "anon-b1", now.Add(-30*time.Second), order))
	time.Sleep(1500 * time.Millisecond)
	m = r.myTags(t, tok)
	if m.has("repeat_buyer") || len(m.Deleted) != 1 || m.Deleted[0].Name != "repeat_buyer" {
		t.Fatalf("deleted tag came back: %+v", m)
	}
	if v := r.segment(t, "shanghai_repeat"); v.Matches != 0 {
		t.Fatalf("segment still built on the deleted tag: %+v", v)
	}

	// Erasure takes the profile with it.
	sub, err := r.app.SubjectForUserID(t.Context(), "buyer-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.app.Profiles.PersonOf(sub, nil, nil); !ok {
		t.Fatal("no profile before erasure")
	}
	if status, body := r.call(t, "DELETE", "/api/v1/me", tok, ""); status != 200 {
		t.Fatalf("erase: %d %s", status, body)
	}
	if _, ok := r.app.Profiles.PersonOf(sub, nil, nil); ok || len(r.app.Profiles.TagsOf(sub, "en", false)) != 0 {
		t.Fatal("profile survived erasure")
	}
}

// Validation through the API: a marketing tag on a sensitive category is refused, naming
// the category; a segment with a mistake gets a located error.
func TestTagAndSegmentDefinitionsAreChecked(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	status, body := r.call(t, "POST", "/api/v1/tags", r.admin, `{"name":"pregnant","kind":"rule",
		"expression":"count(\"Order Completed\", 90d) >= 1","categories":["user.behavior.purchase_history.baby","user.health_and_medical.pregnancy"],
		"purpose":"marketing.advertising.profiling","ttl":"30d","refresh":"1d","user_visible":true,"deletable":true}`)
	if status != 400 || !strings.Contains(string(body), "invalid_definition") || !strings.Contains(string(body), "sensitive category user.health_and_medical.pregnancy") {
		t.Fatalf("pregnant tag: %d %s", status, body)
	}
	status, body = r.call(t, "POST", "/api/v1/segments", r.admin, `{"name":"x","expression":"tag(\"repeat_buyer\") and count(Order Completed, 30d) >= 2","purpose":"personalize.content"}`)
	if status != 400 || !strings.Contains(string(body), "1:") {
		t.Fatalf("bad segment: %d %s", status, body)
	}
	status, body = r.call(t, "POST", "/api/v1/tags", r.admin, `{"name":"viewer","kind":"rule","expression":"count(\"Product Viewed\", 7d) >= 1",
		"categories":["user.behavior"],"purpose":"personalize.content","ttl":"7d","refresh":"1h","user_visible":true,"deletable":true,"bogus":1}`)
	if status != 400 {
		t.Fatalf("unknown field accepted: %d %s", status, body)
	}
	status, body = r.call(t, "POST", "/api/v1/tags", r.admin, `{"name":"viewer","kind":"rule","expression":"count(\"Product Viewed\", 7d) >= 1",
		"categories":["user.behavior"],"purpose":"personalize.content","ttl":"7d","refresh":"1h","user_visible":true,"deletable":true}`)
	if status != 201 || !strings.Contains(string(body), `"origin":"api"`) {
		t.Fatalf("valid tag: %d %s", status, body)
	}
	status, body = r.call(t, "GET", "/api/v1/tags", r.admin, "")
	for _, name := range []string{"repeat_buyer", "high_spender", "likely_to_buy", "viewer"} {
		if status != 200 || !strings.Contains(string(body), `"name":"`+name+`"`) {
			t.Fatalf("tags list lacks %s: %d %s", name, status, body)
		}
	}
}

func validateExport(t *testing.T, file []byte) {
	t.Helper()
	schemaBytes, _ := server.Schema("export.json")
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaBytes))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("export.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("export.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("export does not validate against the schema: %v", err)
	}
}

// Tags declared in a newly published manifest version take effect at once; a sensitive one
// is refused with its location and nothing changes.
func TestManifestTagsTakeEffectOnPublish(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	base := strings.Replace(string(manifest.DefaultYAML()), "version: 1\n", "version: 2\n", 1)
	bad := base + `  pregnant:
    kind: rule
    expression: count("Order Completed", 90d) >= 1
    categories: [user.behavior.purchase_history.baby, user.health_and_medical.pregnancy]
    purpose: personalize.content
    ttl: 30d
    refresh: 1d
`
	if status, body := r.putYAML(t, bad); status != 400 || !strings.Contains(string(body), "sensitive category user.health_and_medical.pregnancy") ||
		!strings.Contains(string(body), `"line"`) {
		t.Fatalf("sensitive manifest tag: %d %s", status, body)
	}
	good := base + `  browser:
    kind: rule
    expression: count("Product Viewed", 7d) >= 3
    categories: [user.behavior.browsing_history]
    purpose: personalize.content
    ttl: 7d
    refresh: 1h
    user_visible: true
    deletable: true
`
	if status, body := r.putYAML(t, good); status != 201 && status != 200 {
		t.Fatalf("publish: %d %s", status, body)
	}
	status, body := r.call(t, "GET", "/api/v1/tags/browser", r.admin, "")
	if status != 200 || !strings.Contains(string(body), `"origin":"manifest"`) {
		t.Fatalf("published tag not in force: %d %s", status, body)
	}
	if status, _ := r.call(t, "GET", "/api/v1/tags/pregnant", r.admin, ""); status != 404 {
		t.Fatalf("refused tag is known: %d", status)
	}
}
