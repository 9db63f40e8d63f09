package segmentspec_test

import (
	"encoding/json"
	"testing"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// Wire payloads as the client libraries named in STANDARDS.md ("Client
// libraries that must work unchanged") build them, reconstructed from their
// source: field names, order, value formats and headers as they send them.

// @segment/analytics-node 3.1.0: POST {host}/v1/batch, Basic base64(key:),
// Content-Type application/json, User-Agent analytics-node-next/latest,
// body {batch, writeKey, sentAt}; each event has messageId
// "node-next-<ms>-<uuid>", an ISO timestamp with milliseconds, the library in
// its own context, integrations {} and _metadata.
const analyticsNodeBatch = `{"batch":[` +
	`{"type":"track","event":"Order Completed","properties":{"order_id":"50314b8e9bcf000000000000","total":27.5,"currency":"CNY","products":[{"product_id":"507f1f77bcf86cd799439011","sku":"45790-32","price":19,"quantity":1}]},"userId":"user-1001","context":{"library":{"name":"@segment/analytics-node","version":"3.1.0"}},"integrations":{},"messageId":"node-next-1714557600000-2f5e0d6b-6a8a-4c69-9a3e-1f1f0c4a2b7d","timestamp":"2024-05-01T10:00:00.000Z","_metadata":{"nodeVersion":"20.12.2","jsRuntime":"node"}},` +
	`{"type":"identify","userId":"user-1001","traits":{"email":"` + secret + `","plan":"gold"},"context":{"library":{"name":"@segment/analytics-node","version":"3.1.0"}},"integrations":{},"messageId":"node-next-1714557600100-7c1d2e3f-0a1b-4c2d-8e3f-4a5b6c7d8e9f","timestamp":"2024-05-01T10:00:00.100Z","_metadata":{"nodeVersion":"20.12.2","jsRuntime":"node"}}` +
	`],"writeKey":"wk_node_3f9a","sentAt":"2024-05-01T10:00:01.000Z"}`

// @rudderstack/rudder-sdk-node 3.0.13: POST {dataPlaneUrl}/v1/batch, axios
// Basic auth with the key as username, gzip on by default
// (Content-Encoding: gzip), body {batch, timestamp, sentAt}; every message
// gets type, context.library {analytics-node, 3.0.13}, channel "server",
// _metadata.nodeVersion, originalTimestamp, a uuid messageId and its own
// sentAt; identify copies traits into context.traits.
const rudderNodeBatch = `{"batch":[` +
	`{"userId":"u-7","event":"Product Viewed","properties":{"sku":"SKU-1","price":12.5},"type":"track","context":{"library":{"name":"analytics-node","version":"3.0.13"}},"channel":"server","_metadata":{"nodeVersion":"20.11.1"},"originalTimestamp":"2024-05-01T09:59:58.000Z","messageId":"3b2f6c1e-9d7a-4e5b-8c3d-2a1f0e9d8c7b","sentAt":"2024-05-01T10:00:00.000Z"},` +
	`{"userId":"u-7","traits":{"name":"` + secret + `"},"context":{"traits":{"name":"` + secret + `"},"library":{"name":"analytics-node","version":"3.0.13"}},"type":"identify","channel":"server","_metadata":{"nodeVersion":"20.11.1"},"originalTimestamp":"2024-05-01T09:59:59.000Z","messageId":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","sentAt":"2024-05-01T10:00:00.000Z"}` +
	`],"timestamp":"2024-05-01T10:00:00.000Z","sentAt":"2024-05-01T10:00:00.000Z"}`

// github.com/segmentio/analytics-go/v3 v3.3.0: POST {Endpoint}/v1/batch,
// SetBasicAuth(key, ""), application/json, body {messageId, sentAt, batch,
// context} with the library only in the batch context; messages carry type,
// messageId (uuid), ids, fields and a time.Time timestamp marshalled as
// RFC 3339 with nanoseconds and the host's local offset.
const analyticsGoBatch = `{"messageId":"5f0a3c2e-7b1d-4e8f-9a6c-3d2b1e0f4a5c","sentAt":"2024-05-01T18:00:01.5+08:00","batch":[` +
	`{"type":"track","messageId":"c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","userId":"u-9","event":"Signed Up","timestamp":"2024-05-01T18:00:00.123456789+08:00","properties":{"plan":"pro"}},` +
	`{"type":"page","messageId":"d2b3c4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e","anonymousId":"anon-1","name":"Home","timestamp":"2024-05-01T18:00:00.2+08:00","properties":{"url":"https://shop.example.cn/"}},` +
	`{"type":"screen","messageId":"e3c4d5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f","userId":"u-9","name":"Cart","timestamp":"2024-05-01T18:00:00.3+08:00"},` +
	`{"type":"group","messageId":"f4d5e6a7-b8c9-4d0e-9f2a-3b4c5d6e7f80","userId":"u-9","groupId":"acme-cn","timestamp":"2024-05-01T18:00:00.4+08:00","traits":{"name":"Acme","employees":120}},` +
	`{"type":"alias","messageId":"a5e6f7b8-c9d0-4e1f-8a3b-4c5d6e7f8091","previousId":"anon-1","userId":"u-9","timestamp":"2024-05-01T18:00:00.5+08:00"}` +
	`],"context":{"library":{"name":"analytics-go","version":"3.0.0"}}}`

// @segment/analytics-next 1.84.x, standard delivery: POST {protocol}://{apiHost}/t
// with Content-Type text/plain and no Authorization; the body is the
// normalised event with writeKey and sentAt added, userId null until
// identify, context filled by page enrichment.
const analyticsNextTrack = `{"timestamp":"2024-05-01T10:00:00.000Z","integrations":{},"type":"track","event":"Add to Cart","properties":{"sku":"A-1","price":99},` +
	`"context":{"page":{"path":"/p/1","referrer":"https://search.example/","search":"?utm_source=newsletter","title":"Product","url":"https://shop.example.cn/p/1?utm_source=newsletter"},` +
	`"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36","userAgentData":{"brands":[{"brand":"Chromium","version":"124"}],"mobile":false,"platform":"macOS"},` +
	`"locale":"zh-CN","library":{"name":"analytics.js","version":"npm:next-1.84.3"},"timezone":"Asia/Shanghai","campaign":{"source":"newsletter"},` +
	`"consent":{"categoryPreferences":{"Analytics":true,"Advertising":false}},"gpc":true},` +
	`"messageId":"ajs-next-1714557600000-0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e","anonymousId":"6c1b0f7e-2d3a-4b5c-9e8f-7a6b5c4d3e2f","userId":null,` +
	`"writeKey":"wk_web_77aa","sentAt":"2024-05-01T10:00:00.020Z","_metadata":{"bundled":["Segment.io"],"unbundled":[],"bundledIds":[]}}`

// analytics-next page() and alias() to /p and /a.
const analyticsNextPage = `{"timestamp":"2024-05-01T10:00:00.000Z","integrations":{},"type":"page","properties":{"path":"/","referrer":"","search":"","title":"Shop","url":"https://shop.example.cn/"},"name":"Home",` +
	`"context":{"page":{"path":"/","referrer":"","search":"","title":"Shop","url":"https://shop.example.cn/"},"library":{"name":"analytics.js","version":"next-1.84.3"},"locale":"en-US"},` +
	`"messageId":"ajs-next-1714557600001-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","anonymousId":"6c1b0f7e-2d3a-4b5c-9e8f-7a6b5c4d3e2f","userId":null,"writeKey":"wk_web_77aa","sentAt":"2024-05-01T10:00:00.010Z"}`

const analyticsNextAlias = `{"timestamp":"2024-05-01T10:00:00.000Z","integrations":{},"userId":"user-1001","type":"alias","previousId":"6c1b0f7e-2d3a-4b5c-9e8f-7a6b5c4d3e2f",` +
	`"context":{"library":{"name":"analytics.js","version":"next-1.84.3"}},"messageId":"ajs-next-1714557600002-2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e","anonymousId":"6c1b0f7e-2d3a-4b5c-9e8f-7a6b5c4d3e2f","writeKey":"wk_web_77aa","sentAt":"2024-05-01T10:00:00.010Z"}`

// analytics-next with deliveryStrategy "batching": POST .../b, text/plain,
// body {writeKey, batch, sentAt}; each item keeps its writeKey but its sentAt
// is stripped.
const analyticsNextBatch = `{"writeKey":"wk_web_77aa","batch":[` +
	`{"timestamp":"2024-05-01T10:00:00.000Z","integrations":{},"type":"track","event":"Viewed","properties":{},"context":{"library":{"name":"analytics.js","version":"next-1.84.3"}},"messageId":"ajs-next-1714557600003-3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f","anonymousId":"6c1b0f7e-2d3a-4b5c-9e8f-7a6b5c4d3e2f","userId":null,"writeKey":"wk_web_77aa"},` +
	`{"timestamp":"2024-05-01T10:00:00.500Z","integrations":{},"type":"identify","traits":{},"userId":"user-1001","context":{"library":{"name":"analytics.js","version":"next-1.84.3"}},"messageId":"ajs-next-1714557600503-4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a","anonymousId":"6c1b0f7e-2d3a-4b5c-9e8f-7a6b5c4d3e2f","writeKey":"wk_web_77aa"}` +
	`],"sentAt":"2024-05-01T10:00:01.000Z"}`

func TestClientAnalyticsNode(t *testing.T) {
	r := post("/v1/batch", []byte(analyticsNodeBatch), basicAuth("wk_node_3f9a"),
		header("Content-Type", "application/json"), header("User-Agent", "analytics-node-next/latest"))
	req := mustDecode(t, r, segmentspec.EndpointBatch)

	if req.WriteKey != "wk_node_3f9a" || req.WriteKeySource != segmentspec.WriteKeyBasicAuth {
		t.Errorf("write key = %q from %s, want basic auth", req.WriteKey, req.WriteKeySource)
	}
	if len(req.Messages) != 2 {
		t.Fatalf("got %d messages, want 2", len(req.Messages))
	}
	track, ident := req.Messages[0], req.Messages[1]
	if track.Type != segmentspec.TypeTrack || track.Event != "Order Completed" || track.UserID != "user-1001" {
		t.Errorf("track = %+v", track)
	}
	if track.MessageID != "node-next-1714557600000-2f5e0d6b-6a8a-4c69-9a3e-1f1f0c4a2b7d" || track.MessageIDGenerated {
		t.Errorf("messageId = %q (generated %v), want the client's", track.MessageID, track.MessageIDGenerated)
	}
	// Large and fractional numbers survive as json.Number.
	if got := track.Properties["total"]; got != json.Number("27.5") {
		t.Errorf("properties.total = %#v, want json.Number 27.5", got)
	}
	if lib := track.Context.Library(); lib.Name != "@segment/analytics-node" || lib.Version != "3.1.0" {
		t.Errorf("library = %+v", lib)
	}
	if _, ok := track.Extra["_metadata"]; !ok {
		t.Errorf("_metadata not kept in Extra: %v", track.Extra)
	}
	// sentAt comes from the body: 10:00:01; the event at 10:00:00 was sent
	// one second later and received at 10:00:05.
	if want := mustTime(t, "2024-05-01T10:00:04Z"); !track.Timestamp.Equal(want) {
		t.Errorf("timestamp = %v, want %v", track.Timestamp, want)
	}
	if ident.Type != segmentspec.TypeIdentify || ident.Traits["plan"] != "gold" {
		t.Errorf("identify = %+v", ident)
	}
}

func TestClientRudderNode(t *testing.T) {
	// RudderStack gzips by default; the edge has gunzipped it (server tests cover that).
	r := post("/v1/batch", []byte(rudderNodeBatch), basicAuth("wk_rudder_01"),
		func(in *segmentspec.Input) { in.Gzip = true }, header("User-Agent", "analytics-node/3.0.13"))
	req := mustDecode(t, r, segmentspec.EndpointBatch)

	if !req.Gzip || req.BodyBytes != len(rudderNodeBatch) {
		t.Errorf("Gzip = %v, BodyBytes = %d, want true, %d", req.Gzip, req.BodyBytes, len(rudderNodeBatch))
	}
	if len(req.Messages) != 2 {
		t.Fatalf("got %d messages, want 2", len(req.Messages))
	}
	track := req.Messages[0]
	// originalTimestamp 09:59:58, its own sentAt 10:00:00, received 10:00:05.
	if want := mustTime(t, "2024-05-01T10:00:03Z"); !track.Timestamp.Equal(want) {
		t.Errorf("timestamp = %v, want %v", track.Timestamp, want)
	}
	if want := mustTime(t, "2024-05-01T09:59:58Z"); !track.OriginalTimestamp.Equal(want) {
		t.Errorf("originalTimestamp = %v, want %v", track.OriginalTimestamp, want)
	}
	if string(track.Extra["channel"]) != `"server"` {
		t.Errorf("channel = %s", track.Extra["channel"])
	}
	ident := req.Messages[1]
	if ident.Context.Traits()["name"] != secret {
		t.Errorf("context.traits not decoded: %v", ident.Context)
	}
}

func TestClientAnalyticsGo(t *testing.T) {
	r := post("/v1/batch", []byte(analyticsGoBatch), basicAuth("wk_go_v3"),
		header("Content-Type", "application/json"), header("User-Agent", "analytics-go (version: 3.3.0)"))
	req := mustDecode(t, r, segmentspec.EndpointBatch)

	if req.BatchID != "5f0a3c2e-7b1d-4e8f-9a6c-3d2b1e0f4a5c" {
		t.Errorf("BatchID = %q", req.BatchID)
	}
	want := []segmentspec.Type{segmentspec.TypeTrack, segmentspec.TypePage, segmentspec.TypeScreen, segmentspec.TypeGroup, segmentspec.TypeAlias}
	if len(req.Messages) != len(want) {
		t.Fatalf("got %d messages, want %d", len(req.Messages), len(want))
	}
	for i, m := range req.Messages {
		if m.Type != want[i] {
			t.Errorf("message %d type = %s, want %s", i, m.Type, want[i])
		}
		// The library is only in the batch context; it must reach every message.
		if lib := m.Context.Library(); lib.Name != "analytics-go" || lib.Version != "3.0.0" {
			t.Errorf("message %d library = %+v, want the batch's", i, lib)
		}
	}
	// +08:00 offsets: sentAt 10:00:01.5Z, event 10:00:00.123456789Z,
	// received 10:00:05Z → 10:00:03.623456789Z.
	if w := mustTime(t, "2024-05-01T10:00:03.623456789Z"); !req.Messages[0].Timestamp.Equal(w) {
		t.Errorf("timestamp = %v, want %v", req.Messages[0].Timestamp, w)
	}
	if g := req.Messages[3]; g.GroupID != "acme-cn" || g.Traits["employees"] != json.Number("120") {
		t.Errorf("group = %+v", g)
	}
	if a := req.Messages[4]; a.PreviousID != "anon-1" || a.UserID != "u-9" {
		t.Errorf("alias = %+v", a)
	}
}

func TestClientAnalyticsNextSingle(t *testing.T) {
	tests := []struct {
		path string
		body string
		want segmentspec.Type
	}{
		{"/v1/t", analyticsNextTrack, segmentspec.TypeTrack},
		{"/v1/p", analyticsNextPage, segmentspec.TypePage},
		{"/v1/a", analyticsNextAlias, segmentspec.TypeAlias},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ep, ok := segmentspec.ParseEndpoint(tt.path[len("/v1/"):])
			if !ok {
				t.Fatalf("ParseEndpoint(%q) failed", tt.path)
			}
			r := post(tt.path, []byte(tt.body), header("Content-Type", "text/plain"), header("Sec-GPC", "1"))
			req := mustDecode(t, r, ep)
			if req.WriteKey != "wk_web_77aa" || req.WriteKeySource != segmentspec.WriteKeyBody {
				t.Errorf("write key = %q from %s, want body", req.WriteKey, req.WriteKeySource)
			}
			if !req.GPC {
				t.Error("Sec-GPC: 1 not reported")
			}
			m := req.Messages[0]
			if m.Type != tt.want {
				t.Errorf("type = %s, want %s", m.Type, tt.want)
			}
			var raw map[string]any
			if err := json.Unmarshal(m.Raw, &raw); err != nil {
				t.Fatalf("Raw is not JSON: %v", err)
			}
			if _, ok := raw["writeKey"]; ok {
				t.Error("Raw keeps the writeKey credential")
			}
			if raw["messageId"] != m.MessageID {
				t.Errorf("Raw lost members: %v", raw)
			}
		})
	}
}

func TestClientAnalyticsNextTrackContext(t *testing.T) {
	r := post("/v1/t", []byte(analyticsNextTrack), header("Content-Type", "text/plain"))
	m := mustDecode(t, r, segmentspec.EndpointTrack).Messages[0]

	if m.UserID != "" || m.AnonymousID != "6c1b0f7e-2d3a-4b5c-9e8f-7a6b5c4d3e2f" {
		t.Errorf("ids = %q / %q; userId null must read as absent", m.UserID, m.AnonymousID)
	}
	prefs, ok := m.Context.Consent()
	if !ok || !prefs["Analytics"] || prefs["Advertising"] || len(prefs) != 2 {
		t.Errorf("consent = %v, %v", prefs, ok)
	}
	if on, set := m.Context.GPC(); !on || !set {
		t.Errorf("gpc = %v, %v", on, set)
	}
	if m.Context.Locale() != "zh-CN" || m.Context.Page().Path != "/p/1" || m.Context.UserAgent() == "" {
		t.Errorf("context accessors: locale %q page %+v", m.Context.Locale(), m.Context.Page())
	}
	// Sent 20 ms after the event, received at 10:00:05.
	if want := mustTime(t, "2024-05-01T10:00:04.98Z"); !m.Timestamp.Equal(want) {
		t.Errorf("timestamp = %v, want %v", m.Timestamp, want)
	}
}

func TestClientAnalyticsNextBatch(t *testing.T) {
	ep, _ := segmentspec.ParseEndpoint("b")
	r := post("/v1/b", []byte(analyticsNextBatch), header("Content-Type", "text/plain"))
	req := mustDecode(t, r, ep)
	if ep != segmentspec.EndpointBatch || len(req.Messages) != 2 {
		t.Fatalf("endpoint %s, %d messages", ep, len(req.Messages))
	}
	// The items have no sentAt of their own; the batch's (10:00:01) applies.
	m := req.Messages[1]
	if want := mustTime(t, "2024-05-01T10:00:01Z"); !m.SentAt.Equal(want) {
		t.Errorf("sentAt = %v, want %v", m.SentAt, want)
	}
	if want := mustTime(t, "2024-05-01T10:00:04.5Z"); !m.Timestamp.Equal(want) {
		t.Errorf("timestamp = %v, want %v", m.Timestamp, want)
	}
	for i, m := range req.Messages {
		if json.Valid(m.Raw) && len(m.Raw) > 0 {
			var raw map[string]any
			_ = json.Unmarshal(m.Raw, &raw)
			if _, ok := raw["writeKey"]; ok {
				t.Errorf("message %d Raw keeps writeKey", i)
			}
		} else {
			t.Errorf("message %d Raw is not JSON", i)
		}
	}
}
