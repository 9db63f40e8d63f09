package segmentspec_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// okTrack is a minimal valid track body; it names the subject by personal
// data so that error tests can check nothing leaks.
const okTrack = `{"type":"track","event":"Viewed","userId":"` + secret + `"}`

func keyed(s string) string { return `{"writeKey":"wk_1",` + s[1:] }

func batchOf(items ...string) string {
	return `{"writeKey":"wk_1","batch":[` + strings.Join(items, ",") + `]}`
}

// object returns a JSON object with n keys.
func object(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	b.WriteByte('}')
	return b.String()
}

func TestDecodeErrors(t *testing.T) {
	long := strings.Repeat("x", 101)
	big := `{"type":"track","event":"e","userId":"u","properties":{"blob":"` + strings.Repeat("a", 32*1024) + `"}}`
	tests := []struct {
		name     string
		endpoint segmentspec.Endpoint
		body     string
		opts     []reqOpt
		code     segmentspec.Code
		index    int
		field    string
	}{
		// Request-level shape.
		{"unknown endpoint", "x", keyed(okTrack), nil, segmentspec.CodeUnknownEndpoint, -1, ""},
		{"not json", segmentspec.EndpointTrack, `{"type":"track",`, nil, segmentspec.CodeInvalidJSON, -1, ""},
		{"empty body", segmentspec.EndpointTrack, ``, nil, segmentspec.CodeInvalidJSON, -1, ""},
		{"array body", segmentspec.EndpointBatch, `[` + okTrack + `]`, nil, segmentspec.CodeInvalidJSON, -1, ""},
		{"trailing data", segmentspec.EndpointTrack, keyed(okTrack) + ` {}`, nil, segmentspec.CodeInvalidJSON, -1, ""},
		{"duplicate key", segmentspec.EndpointTrack, `{"writeKey":"wk_1","userId":"a","userId":"` + secret + `","event":"e"}`, nil, segmentspec.CodeInvalidMessage, -1, "userId"},
		{"batch missing", segmentspec.EndpointBatch, `{"writeKey":"wk_1"}`, nil, segmentspec.CodeInvalidMessage, -1, "batch"},
		{"batch null", segmentspec.EndpointBatch, `{"writeKey":"wk_1","batch":null}`, nil, segmentspec.CodeInvalidMessage, -1, "batch"},
		{"batch not array", segmentspec.EndpointBatch, `{"writeKey":"wk_1","batch":{"0":` + okTrack + `}}`, nil, segmentspec.CodeInvalidMessage, -1, "batch"},
		{"batch context not object", segmentspec.EndpointBatch, `{"writeKey":"wk_1","context":"` + secret + `","batch":[]}`, nil, segmentspec.CodeInvalidMessage, -1, "context"},
		{"batch integrations not object", segmentspec.EndpointBatch, `{"writeKey":"wk_1","integrations":[],"batch":[]}`, nil, segmentspec.CodeInvalidMessage, -1, "integrations"},
		{"batch sentAt garbage", segmentspec.EndpointBatch, `{"writeKey":"wk_1","sentAt":"yesterday","batch":[]}`, nil, segmentspec.CodeInvalidMessage, -1, "sentAt"},
		{"batch messageId too long", segmentspec.EndpointBatch, `{"writeKey":"wk_1","messageId":"` + long + `","batch":[]}`, nil, segmentspec.CodeInvalidMessage, -1, "messageId"},

		// Write keys.
		{"no write key", segmentspec.EndpointTrack, okTrack, nil, segmentspec.CodeMissingWriteKey, -1, ""},
		{"empty basic user", segmentspec.EndpointTrack, okTrack, []reqOpt{basicAuth("")}, segmentspec.CodeMissingWriteKey, -1, ""},
		{"basic and body differ", segmentspec.EndpointTrack, keyed(okTrack), []reqOpt{basicAuth("wk_2")}, segmentspec.CodeInvalidWriteKey, -1, ""},
		{"basic and header differ", segmentspec.EndpointTrack, okTrack, []reqOpt{basicAuth("wk_1"), header("X-Write-Key", "wk_2")}, segmentspec.CodeInvalidWriteKey, -1, ""},
		{"item key differs from batch", segmentspec.EndpointBatch, batchOf(okTrack, `{"writeKey":"wk_9",`+okTrack[1:]), nil, segmentspec.CodeInvalidWriteKey, 1, ""},
		{"malformed key", segmentspec.EndpointTrack, okTrack, []reqOpt{header("X-Write-Key", "wk 1")}, segmentspec.CodeInvalidWriteKey, -1, ""},
		{"key with a colon", segmentspec.EndpointTrack, `{"writeKey":"wk:1",` + okTrack[1:], nil, segmentspec.CodeInvalidWriteKey, -1, ""},
		{"overlong key", segmentspec.EndpointTrack, okTrack, []reqOpt{header("X-Write-Key", strings.Repeat("k", 257))}, segmentspec.CodeInvalidWriteKey, -1, ""},
		{"key not a string", segmentspec.EndpointTrack, `{"writeKey":42,` + okTrack[1:], nil, segmentspec.CodeInvalidWriteKey, -1, ""},

		// Encodings and sizes.
		{"single message too large", segmentspec.EndpointTrack, keyed(big), nil, segmentspec.CodePayloadTooLarge, -1, ""},
		{"batch item too large", segmentspec.EndpointBatch, batchOf(okTrack, big), nil, segmentspec.CodePayloadTooLarge, 1, ""},

		// Field types.
		{"userId bool", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":true}`, nil, segmentspec.CodeInvalidMessage, -1, "userId"},
		{"event number", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":7,"userId":"u"}`, nil, segmentspec.CodeInvalidMessage, -1, "event"},
		{"properties array", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","properties":["` + secret + `"]}`, nil, segmentspec.CodeInvalidMessage, -1, "properties"},
		{"traits string", segmentspec.EndpointIdentify, `{"writeKey":"wk_1","userId":"u","traits":"` + secret + `"}`, nil, segmentspec.CodeInvalidMessage, -1, "traits"},
		{"context number", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":1}`, nil, segmentspec.CodeInvalidMessage, -1, "context"},
		{"timestamp garbage", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","timestamp":"` + secret + `"}`, nil, segmentspec.CodeInvalidMessage, -1, "timestamp"},
		{"timestamp before 1970", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","timestamp":"1969-12-31T23:59:59Z"}`, nil, segmentspec.CodeInvalidMessage, -1, "timestamp"},
		{"negative millis", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","originalTimestamp":-5}`, nil, segmentspec.CodeInvalidMessage, -1, "originalTimestamp"},
		{"sentAt object", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","sentAt":{}}`, nil, segmentspec.CodeInvalidMessage, -1, "sentAt"},

		// Types and required fields per type.
		{"type mismatch", segmentspec.EndpointTrack, `{"writeKey":"wk_1","type":"identify","userId":"` + secret + `"}`, nil, segmentspec.CodeInvalidMessage, -1, "type"},
		{"batch item no type", segmentspec.EndpointBatch, batchOf(okTrack, `{"event":"e","userId":"`+secret+`"}`), nil, segmentspec.CodeInvalidMessage, 1, "type"},
		{"batch item unknown type", segmentspec.EndpointBatch, batchOf(`{"type":"purchase","userId":"u"}`), nil, segmentspec.CodeInvalidMessage, 0, "type"},
		{"batch item not object", segmentspec.EndpointBatch, batchOf(okTrack, okTrack, `"`+secret+`"`), nil, segmentspec.CodeInvalidMessage, 2, ""},
		{"batch item null", segmentspec.EndpointBatch, batchOf(`null`), nil, segmentspec.CodeInvalidMessage, 0, ""},
		{"batch item duplicate key", segmentspec.EndpointBatch, batchOf(okTrack, `{"type":"track","type":"track","event":"e","userId":"u"}`), nil, segmentspec.CodeInvalidMessage, 1, "type"},
		{"track without ids", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e"}`, nil, segmentspec.CodeInvalidMessage, -1, "userId"},
		{"track with empty ids", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"","anonymousId":null}`, nil, segmentspec.CodeInvalidMessage, -1, "userId"},
		{"track without event", segmentspec.EndpointTrack, `{"writeKey":"wk_1","userId":"` + secret + `"}`, nil, segmentspec.CodeInvalidMessage, -1, "event"},
		{"identify without ids", segmentspec.EndpointIdentify, `{"writeKey":"wk_1","traits":{"email":"` + secret + `"}}`, nil, segmentspec.CodeInvalidMessage, -1, "userId"},
		{"page without ids", segmentspec.EndpointPage, `{"writeKey":"wk_1","name":"Home"}`, nil, segmentspec.CodeInvalidMessage, -1, "userId"},
		{"screen without ids", segmentspec.EndpointScreen, `{"writeKey":"wk_1","name":"Home"}`, nil, segmentspec.CodeInvalidMessage, -1, "userId"},
		{"group without groupId", segmentspec.EndpointGroup, `{"writeKey":"wk_1","userId":"u"}`, nil, segmentspec.CodeInvalidMessage, -1, "groupId"},
		{"alias without previousId", segmentspec.EndpointAlias, `{"writeKey":"wk_1","userId":"` + secret + `"}`, nil, segmentspec.CodeInvalidMessage, -1, "previousId"},
		{"alias without userId", segmentspec.EndpointAlias, `{"writeKey":"wk_1","previousId":"a","anonymousId":"a"}`, nil, segmentspec.CodeInvalidMessage, -1, "userId"},

		// Spec limits.
		{"messageId too long", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","messageId":"` + long + `"}`, nil, segmentspec.CodeInvalidMessage, -1, "messageId"},
		{"groupId too long", segmentspec.EndpointGroup, `{"writeKey":"wk_1","userId":"u","groupId":"` + strings.Repeat("g", 501) + `"}`, nil, segmentspec.CodeInvalidMessage, -1, "groupId"},
		{"301 properties", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","properties":` + object(301) + `}`, nil, segmentspec.CodeInvalidMessage, -1, "properties"},
		{"301 traits", segmentspec.EndpointIdentify, `{"writeKey":"wk_1","userId":"u","traits":` + object(301) + `}`, nil, segmentspec.CodeInvalidMessage, -1, "traits"},
		{"301 context traits", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"traits":` + object(301) + `}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.traits"},

		// Context keys Steward acts on.
		{"consent not object", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"consent":true}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.consent"},
		{"preferences not object", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"consent":{"categoryPreferences":["Analytics"]}}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.consent.categoryPreferences"},
		{"preference not bool", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"consent":{"categoryPreferences":{"Analytics":"yes"}}}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.consent.categoryPreferences"},
		{"gpc string", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"gpc":"1"}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.gpc"},
		{"ip number", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"ip":127001}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.ip"},
		{"userAgent object", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"userAgent":{}}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.userAgent"},
		{"library name number", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"library":{"name":1}}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.library.name"},
		{"page not object", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"page":"/"}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.page"},
		{"externalIds object", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"externalIds":{}}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.externalIds"},
		{"externalId without id", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"externalIds":[{"type":"email"}]}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.externalIds[0].id"},
		{"externalId bad collection", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","context":{"externalIds":[{"id":"` + secret + `","type":"email","collection":"people"}]}}`, nil, segmentspec.CodeInvalidMessage, -1, "context.externalIds[0].collection"},
		{"batch context makes item invalid", segmentspec.EndpointBatch, `{"writeKey":"wk_1","context":{"gpc":"on"},"batch":[` + okTrack + `]}`, nil, segmentspec.CodeInvalidMessage, 0, "context.gpc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post("/v1/"+string(tt.endpoint), []byte(tt.body), tt.opts...)
			req, err := segmentspec.Decode(r, tt.endpoint, now, segmentspec.Limits{})
			if req != nil {
				t.Errorf("got a request alongside the error")
			}
			wantError(t, err, tt.code, tt.index, tt.field)
		})
	}
}

// A batch is all or nothing: one bad item refuses the others too.
func TestBatchAllOrNothing(t *testing.T) {
	body := batchOf(okTrack, okTrack, `{"type":"track","userId":"`+secret+`"}`, okTrack)
	req, err := segmentspec.Decode(post("/v1/batch", []byte(body)), segmentspec.EndpointBatch, now, segmentspec.Limits{})
	if req != nil {
		t.Fatalf("got %d messages from a batch with a bad item", len(req.Messages))
	}
	wantError(t, err, segmentspec.CodeInvalidMessage, 2, "event")
	if got := err.Error(); !strings.Contains(got, "batch[2].event") {
		t.Errorf("error %q does not name the item and field", got)
	}
}

func TestWriteKeySources(t *testing.T) {
	tests := []struct {
		name     string
		endpoint segmentspec.Endpoint
		body     string
		opts     []reqOpt
		src      segmentspec.WriteKeySource
	}{
		{"basic auth", segmentspec.EndpointTrack, okTrack, []reqOpt{basicAuth("wk_1")}, segmentspec.WriteKeyBasicAuth},
		{"X-Write-Key", segmentspec.EndpointTrack, okTrack, []reqOpt{header("X-Write-Key", "wk_1")}, segmentspec.WriteKeyHeader},
		{"body", segmentspec.EndpointTrack, keyed(okTrack), nil, segmentspec.WriteKeyBody},
		{"bearer plus body", segmentspec.EndpointTrack, keyed(okTrack), []reqOpt{header("Authorization", "Bearer eyJhbGciOi")}, segmentspec.WriteKeyBody},
		{"basic and body agree", segmentspec.EndpointTrack, keyed(okTrack), []reqOpt{basicAuth("wk_1")}, segmentspec.WriteKeyBasicAuth},
		{"all three agree", segmentspec.EndpointTrack, keyed(okTrack), []reqOpt{basicAuth("wk_1"), header("X-Write-Key", "wk_1")}, segmentspec.WriteKeyBasicAuth},
		{"batch items only", segmentspec.EndpointBatch, `{"batch":[` + keyed(okTrack) + `]}`, nil, segmentspec.WriteKeyBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := mustDecode(t, post("/", []byte(tt.body), tt.opts...), tt.endpoint)
			if req.WriteKey != "wk_1" || req.WriteKeySource != tt.src {
				t.Errorf("write key %q from %s, want wk_1 from %s", req.WriteKey, req.WriteKeySource, tt.src)
			}
		})
	}
}

// batchOfSize returns a valid batch body of exactly n bytes.
func batchOfSize(t *testing.T, n int) []byte {
	t.Helper()
	item := `{"type":"track","event":"e","userId":"u","properties":{"p":"` + strings.Repeat("a", 30000) + `"}}`
	var b bytes.Buffer
	b.WriteString(`{"writeKey":"wk_1","batch":[`)
	for b.Len()+len(item)+len(`],"pad":""}`)+1 < n {
		if !bytes.HasSuffix(b.Bytes(), []byte("[")) {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	b.WriteString(`],"pad":"`)
	b.WriteString(strings.Repeat(" ", n-b.Len()-2))
	b.WriteString(`"}`)
	if b.Len() != n {
		t.Fatalf("built %d bytes, want %d", b.Len(), n)
	}
	return b.Bytes()
}

// The decoder holds a body to the endpoint's limit whatever the edge let through.
func TestBodyLimit(t *testing.T) {
	mustDecode(t, post("/v1/batch", batchOfSize(t, segmentspec.DefaultMaxBatchBytes)), segmentspec.EndpointBatch)
	_, err := segmentspec.Decode(post("/v1/batch", batchOfSize(t, segmentspec.DefaultMaxBatchBytes+1)), segmentspec.EndpointBatch, now, segmentspec.Limits{})
	wantError(t, err, segmentspec.CodePayloadTooLarge, -1, "")
}

func TestLimitsConfigurable(t *testing.T) {
	lim := segmentspec.Limits{MaxMessageBytes: 200, MaxBatchBytes: 400, MaxMessageIDLen: 4, MaxKeys: 2, MaxGroupIDLen: 3}
	tests := []struct {
		name     string
		endpoint segmentspec.Endpoint
		body     string
		code     segmentspec.Code
		field    string
	}{
		{"message bytes", segmentspec.EndpointTrack, keyed(okTrack)[:len(keyed(okTrack))-1] + `,"name":"` + strings.Repeat("n", 200) + `"}`, segmentspec.CodePayloadTooLarge, ""},
		{"batch bytes", segmentspec.EndpointBatch, batchOf(okTrack, okTrack, okTrack, okTrack, okTrack, okTrack), segmentspec.CodePayloadTooLarge, ""},
		{"messageId", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","messageId":"12345"}`, segmentspec.CodeInvalidMessage, "messageId"},
		{"keys", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","properties":` + object(3) + `}`, segmentspec.CodeInvalidMessage, "properties"},
		{"groupId", segmentspec.EndpointGroup, `{"writeKey":"wk_1","userId":"u","groupId":"abcd"}`, segmentspec.CodeInvalidMessage, "groupId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := segmentspec.Decode(post("/", []byte(tt.body)), tt.endpoint, now, lim)
			wantError(t, err, tt.code, -1, tt.field)
		})
	}
	t.Run("within limits", func(t *testing.T) {
		body := `{"writeKey":"wk_1","event":"e","userId":"u","messageId":"1234","properties":` + object(2) + `}`
		if _, err := segmentspec.Decode(post("/", []byte(body)), segmentspec.EndpointTrack, now, lim); err != nil {
			t.Fatal(err)
		}
	})
	if d := segmentspec.DefaultLimits(); d != (segmentspec.Limits{MaxMessageBytes: 32768, MaxBatchBytes: 512000, MaxMessageIDLen: 100, MaxKeys: 300, MaxGroupIDLen: 500}) {
		t.Errorf("DefaultLimits() = %+v", d)
	}
}

func TestSpecLimitsInclusive(t *testing.T) {
	body := `{"writeKey":"wk_1","userId":"u","messageId":"` + strings.Repeat("m", 100) + `","groupId":"` + strings.Repeat("g", 500) +
		`","traits":` + object(300) + `,"context":{"traits":` + object(300) + `}}`
	mustDecode(t, post("/v1/group", []byte(body)), segmentspec.EndpointGroup)
}

func TestBatchMerge(t *testing.T) {
	body := `{"writeKey":"wk_1",` +
		`"context":{"library":{"name":"analytics-go","version":"3.0.0"},"ip":"203.0.113.9","locale":"en-US"},` +
		`"integrations":{"All":false,"Mixpanel":true},` +
		`"batch":[` +
		`{"type":"track","event":"a","userId":"u","context":{"ip":"198.51.100.7"},"integrations":{"Mixpanel":false}},` +
		`{"type":"track","event":"b","userId":"u","context":null}` +
		`]}`
	req := mustDecode(t, post("/v1/batch", []byte(body)), segmentspec.EndpointBatch)
	a, b := req.Messages[0], req.Messages[1]

	if a.Context.IP() != "198.51.100.7" {
		t.Errorf("item ip lost to the batch's: %q", a.Context.IP())
	}
	if a.Context.Library().Name != "analytics-go" || a.Context.Locale() != "en-US" {
		t.Errorf("batch context not merged under item: %v", a.Context)
	}
	if a.Integrations.Enabled("Mixpanel") || a.Integrations.Enabled("Amplitude") {
		t.Errorf("integrations = %v: item Mixpanel:false and batch All:false must win", a.Integrations)
	}
	if b.Context.IP() != "203.0.113.9" || !b.Integrations.Enabled("Mixpanel") {
		t.Errorf("item without context did not inherit the batch's: %v %v", b.Context, b.Integrations)
	}
	// Raw is the item as sent, without the batch context.
	if bytes.Contains(a.Raw, []byte("analytics-go")) {
		t.Errorf("Raw includes the merged context: %s", a.Raw)
	}
	// Messages do not share nested maps.
	a.Context["library"].(map[string]any)["name"] = "changed"
	if b.Context.Library().Name != "analytics-go" {
		t.Error("editing one message's context changed another's")
	}
}

func TestNullsAreAbsent(t *testing.T) {
	body := `{"writeKey":"wk_1","type":"page","anonymousId":"a","userId":null,"name":null,"properties":null,"traits":null,` +
		`"context":{"ip":null,"consent":null,"gpc":null,"page":null,"externalIds":null},"integrations":null,"timestamp":null,"sentAt":null,"messageId":null}`
	m := mustDecode(t, post("/v1/p", []byte(body)), segmentspec.EndpointPage).Messages[0]
	if m.UserID != "" || m.Name != "" || m.Properties != nil || m.Integrations != nil {
		t.Errorf("nulls decoded as values: %+v", m)
	}
	if _, ok := m.Context.Consent(); ok {
		t.Error("null consent reported as present")
	}
	if _, set := m.Context.GPC(); set {
		t.Error("null gpc reported as set")
	}
	if !m.MessageIDGenerated || !m.Timestamp.Equal(now) {
		t.Errorf("messageId %q generated %v, timestamp %v", m.MessageID, m.MessageIDGenerated, m.Timestamp)
	}
}

func TestLenientInputs(t *testing.T) {
	tests := []struct {
		name  string
		ep    segmentspec.Endpoint
		body  string
		check func(*testing.T, segmentspec.Message)
	}{
		{"numeric ids", segmentspec.EndpointGroup, `{"writeKey":"wk_1","userId":12345,"groupId":9007199254740993}`, func(t *testing.T, m segmentspec.Message) {
			if m.UserID != "12345" || m.GroupID != "9007199254740993" {
				t.Errorf("ids %q %q", m.UserID, m.GroupID)
			}
		}},
		{"type in capitals", segmentspec.EndpointBatch, batchOf(`{"type":"Track","event":"e","userId":"u"}`), func(t *testing.T, m segmentspec.Message) {
			if m.Type != segmentspec.TypeTrack {
				t.Errorf("type %q", m.Type)
			}
		}},
		{"type agrees with endpoint", segmentspec.EndpointIdentify, `{"writeKey":"wk_1","type":"identify","userId":"u"}`, func(t *testing.T, m segmentspec.Message) {
			if m.Type != segmentspec.TypeIdentify {
				t.Errorf("type %q", m.Type)
			}
		}},
		{"byte order mark", segmentspec.EndpointTrack, "\xef\xbb\xbf" + keyed(okTrack), func(t *testing.T, m segmentspec.Message) {}},
		{"whitespace around body", segmentspec.EndpointTrack, "\n  " + keyed(okTrack) + "\r\n", func(t *testing.T, m segmentspec.Message) {
			if m.Raw[0] != '{' || m.Raw[len(m.Raw)-1] != '}' {
				t.Errorf("Raw not trimmed: %q", m.Raw)
			}
		}},
		{"client receivedAt dropped", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","receivedAt":"2001-01-01T00:00:00Z"}`, func(t *testing.T, m segmentspec.Message) {
			if !m.ReceivedAt.Equal(now) || m.Extra["receivedAt"] != nil {
				t.Errorf("receivedAt %v, extra %v", m.ReceivedAt, m.Extra)
			}
		}},
		{"unknown members kept", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","version":2,"category":"c"}`, func(t *testing.T, m segmentspec.Message) {
			if string(m.Extra["version"]) != "2" || string(m.Extra["category"]) != `"c"` {
				t.Errorf("extra %v", m.Extra)
			}
		}},
		{"big integers kept exact", segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","userId":"u","properties":{"order":123456789012345678901234567890}}`, func(t *testing.T, m segmentspec.Message) {
			if m.Properties["order"] != json.Number("123456789012345678901234567890") {
				t.Errorf("order = %v", m.Properties["order"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := mustDecode(t, post("/", []byte(tt.body)), tt.ep)
			tt.check(t, req.Messages[0])
		})
	}
}

func TestEmptyBatch(t *testing.T) {
	req := mustDecode(t, post("/v1/batch", []byte(`{"writeKey":"wk_1","batch":[]}`)), segmentspec.EndpointBatch)
	if len(req.Messages) != 0 {
		t.Errorf("got %d messages", len(req.Messages))
	}
}

func TestParseEndpoint(t *testing.T) {
	tests := map[string]segmentspec.Endpoint{
		"track": segmentspec.EndpointTrack, "t": segmentspec.EndpointTrack,
		"page": segmentspec.EndpointPage, "p": segmentspec.EndpointPage,
		"identify": segmentspec.EndpointIdentify, "i": segmentspec.EndpointIdentify,
		"group": segmentspec.EndpointGroup, "g": segmentspec.EndpointGroup,
		"alias": segmentspec.EndpointAlias, "a": segmentspec.EndpointAlias,
		"screen": segmentspec.EndpointScreen, "s": segmentspec.EndpointScreen,
		"batch": segmentspec.EndpointBatch, "b": segmentspec.EndpointBatch,
		"import": segmentspec.EndpointImport,
	}
	for in, want := range tests {
		got, ok := segmentspec.ParseEndpoint(in)
		if !ok || got != want {
			t.Errorf("ParseEndpoint(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "m", "Track", "settings", "x", "v1"} {
		if got, ok := segmentspec.ParseEndpoint(in); ok {
			t.Errorf("ParseEndpoint(%q) = %q, want failure", in, got)
		}
	}
	if !segmentspec.EndpointImport.IsBatch() || segmentspec.EndpointTrack.IsBatch() {
		t.Error("IsBatch wrong")
	}
}
