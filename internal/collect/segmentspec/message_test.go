package segmentspec_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

func TestContextAccessors(t *testing.T) {
	body := `{"writeKey":"wk_1","type":"track","event":"e","anonymousId":"a","context":{` +
		`"consent":{"categoryPreferences":{"Analytics":true,"Advertising":false,"C0004":true}},` +
		`"gpc":false,"ip":"203.0.113.9","userAgent":"UA/1.0","locale":"zh-CN",` +
		`"library":{"name":"analytics.js","version":"next-1.84.3"},` +
		`"page":{"path":"/p","referrer":"https://r.example/","search":"?q=1","title":"T","url":"https://s.example/p?q=1"},` +
		`"traits":{"plan":"gold"},` +
		`"externalIds":[{"id":"` + secret + `","type":"email","collection":"users","encoding":"none"},{"id":"ac-1","type":"crm_id"}]}}`
	c := mustDecode(t, post("/", []byte(body)), segmentspec.EndpointTrack).Messages[0].Context

	prefs, ok := c.Consent()
	if want := map[string]bool{"Analytics": true, "Advertising": false, "C0004": true}; !ok || !reflect.DeepEqual(prefs, want) {
		t.Errorf("Consent() = %v, %v; want %v", prefs, ok, want)
	}
	if on, set := c.GPC(); on || !set {
		t.Errorf("GPC() = %v, %v; want false, true", on, set)
	}
	if c.IP() != "203.0.113.9" || c.UserAgent() != "UA/1.0" || c.Locale() != "zh-CN" {
		t.Errorf("IP %q UserAgent %q Locale %q", c.IP(), c.UserAgent(), c.Locale())
	}
	if got, want := c.Library(), (segmentspec.Library{Name: "analytics.js", Version: "next-1.84.3"}); got != want {
		t.Errorf("Library() = %+v", got)
	}
	if got, want := c.Page(), (segmentspec.Page{Path: "/p", Referrer: "https://r.example/", Search: "?q=1", Title: "T", URL: "https://s.example/p?q=1"}); got != want {
		t.Errorf("Page() = %+v", got)
	}
	if c.Traits()["plan"] != "gold" {
		t.Errorf("Traits() = %v", c.Traits())
	}
	wantIDs := []segmentspec.ExternalID{
		{ID: secret, Type: "email", Collection: "users", Encoding: "none"},
		{ID: "ac-1", Type: "crm_id"},
	}
	if got := c.ExternalIDs(); !reflect.DeepEqual(got, wantIDs) {
		t.Errorf("ExternalIDs() = %+v", got)
	}
}

func TestContextAccessorsAbsent(t *testing.T) {
	var c segmentspec.Context // a message without context
	if _, ok := c.Consent(); ok {
		t.Error("Consent() present on nil context")
	}
	if _, set := c.GPC(); set {
		t.Error("GPC() set on nil context")
	}
	if c.IP() != "" || c.Library() != (segmentspec.Library{}) || c.Page() != (segmentspec.Page{}) || c.ExternalIDs() != nil || c.Traits() != nil {
		t.Error("accessors on nil context are not zero")
	}
	c = segmentspec.Context{"consent": map[string]any{"categoryPreferences": map[string]any{}}}
	if prefs, ok := c.Consent(); !ok || len(prefs) != 0 {
		t.Errorf("empty preferences: %v, %v; want present and empty", prefs, ok)
	}
}

func TestIntegrationsEnabled(t *testing.T) {
	tests := []struct {
		in   segmentspec.Integrations
		name string
		want bool
	}{
		{nil, "Mixpanel", true},
		{segmentspec.Integrations{}, "Mixpanel", true},
		{segmentspec.Integrations{"All": true, "Salesforce": false}, "Salesforce", false},
		{segmentspec.Integrations{"All": true, "Salesforce": false}, "Mixpanel", true},
		{segmentspec.Integrations{"All": false, "Mixpanel": true}, "Mixpanel", true},
		{segmentspec.Integrations{"All": false, "Mixpanel": true}, "Amplitude", false},
		{segmentspec.Integrations{"All": false, "Amplitude": map[string]any{"session_id": "1"}}, "Amplitude", true},
		{segmentspec.Integrations{"All": "no", "Amplitude": "yes"}, "Amplitude", true},
	}
	for _, tt := range tests {
		if got := tt.in.Enabled(tt.name); got != tt.want {
			t.Errorf("%v.Enabled(%q) = %v, want %v", tt.in, tt.name, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	valid := func() segmentspec.Message {
		return segmentspec.Message{Type: segmentspec.TypeTrack, MessageID: "m", UserID: "u", Event: "e"}
	}
	tests := []struct {
		name  string
		edit  func(*segmentspec.Message)
		field string // "" when valid
	}{
		{"valid", func(*segmentspec.Message) {}, ""},
		{"no type", func(m *segmentspec.Message) { m.Type = "" }, "type"},
		{"no messageId", func(m *segmentspec.Message) { m.MessageID = "" }, "messageId"},
		{"anonymous only", func(m *segmentspec.Message) { m.UserID, m.AnonymousID = "", "a" }, ""},
		{"no ids", func(m *segmentspec.Message) { m.UserID = "" }, "userId"},
		{"alias needs only previousId and userId", func(m *segmentspec.Message) {
			m.Type, m.Event, m.PreviousID = segmentspec.TypeAlias, "", "p"
		}, ""},
		{"group", func(m *segmentspec.Message) { m.Type, m.GroupID = segmentspec.TypeGroup, "g" }, ""},
		{"page needs no name", func(m *segmentspec.Message) { m.Type, m.Event = segmentspec.TypePage, "" }, ""},
		{"bad gpc", func(m *segmentspec.Message) { m.Context = segmentspec.Context{"gpc": 1} }, "context.gpc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			tt.edit(&m)
			err := m.Validate(segmentspec.Limits{})
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			wantError(t, err, segmentspec.CodeInvalidMessage, -1, tt.field)
		})
	}
}

// MarshalJSON's output decodes again to the same message.
func TestMarshalRoundTrip(t *testing.T) {
	for name, tc := range map[string]struct {
		key, body string
	}{
		"analytics-go":   {"wk_go_v3", analyticsGoBatch},
		"analytics-node": {"wk_node_3f9a", analyticsNodeBatch},
		"rudder-node":    {"wk_rudder_01", rudderNodeBatch},
		"analytics-next": {"wk_web_77aa", analyticsNextBatch},
		"derived ids":    {"wk_1", batchOf(okTrack, okTrack)},
	} {
		t.Run(name, func(t *testing.T) {
			first := mustDecode(t, post("/", []byte(tc.body), basicAuth(tc.key)), segmentspec.EndpointBatch)
			var items []json.RawMessage
			for _, m := range first.Messages {
				b, err := json.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				items = append(items, b)
			}
			body, _ := json.Marshal(map[string]any{"batch": items})
			second := mustDecode(t, post("/", body, basicAuth(tc.key)), segmentspec.EndpointBatch)
			for i := range first.Messages {
				a, b := first.Messages[i], second.Messages[i]
				// Raw is the form received, which differs by design; a derived
				// id comes back as a client id.
				a.Raw, b.Raw = nil, nil
				b.MessageIDGenerated = a.MessageIDGenerated
				// A server-filled time is written as timestamp, which is the
				// client's claim the second time round.
				if a.OriginalTimestamp.IsZero() && b.OriginalTimestamp.Equal(a.Timestamp) {
					b.OriginalTimestamp = a.OriginalTimestamp
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("message %d differs after a round trip:\n%+v\n%+v", i, a, b)
				}
			}
		})
	}
}
