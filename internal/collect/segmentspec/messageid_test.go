package segmentspec_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

var derivedID = regexp.MustCompile(`^stw-[0-9a-f]{32}$`)

func ids(t *testing.T, r *segmentspec.Request) []string {
	t.Helper()
	var out []string
	for _, m := range r.Messages {
		if !m.MessageIDGenerated || !derivedID.MatchString(m.MessageID) {
			t.Fatalf("messageId %q (generated %v) is not a derived id", m.MessageID, m.MessageIDGenerated)
		}
		out = append(out, m.MessageID)
	}
	return out
}

func decodeAt(t *testing.T, at time.Time, ep segmentspec.Endpoint, body string, opts ...reqOpt) *segmentspec.Request {
	t.Helper()
	req, err := segmentspec.Decode(post("/", []byte(body), opts...), ep, at, segmentspec.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestDerivedMessageID(t *testing.T) {
	item := `{"type":"track","event":"Clicked","anonymousId":"a-1"}`
	batch := `{"writeKey":"wk_1","sentAt":"2024-05-01T10:00:01Z","context":{"ip":"203.0.113.9"},"batch":[` + item + `,` + item + `]}`
	first := ids(t, decodeAt(t, now, segmentspec.EndpointBatch, batch))

	t.Run("retry of the same body dedupes", func(t *testing.T) {
		again := ids(t, decodeAt(t, now.Add(time.Minute), segmentspec.EndpointBatch, batch))
		if again[0] != first[0] || again[1] != first[1] {
			t.Errorf("retry ids %v, first %v", again, first)
		}
	})
	t.Run("identical events in one batch stay distinct", func(t *testing.T) {
		if first[0] == first[1] {
			t.Errorf("both copies got %s", first[0])
		}
	})
	t.Run("a retry with a fresh batch sentAt dedupes", func(t *testing.T) {
		resent := `{"writeKey":"wk_1","sentAt":"2024-05-01T10:00:31Z","context":{"ip":"203.0.113.9"},"batch":[` + item + `,` + item + `]}`
		got := ids(t, decodeAt(t, now, segmentspec.EndpointBatch, resent))
		if got[0] != first[0] || got[1] != first[1] {
			t.Errorf("ids %v, first %v", got, first)
		}
	})
	others := map[string]*segmentspec.Request{
		"another write key": decodeAt(t, now, segmentspec.EndpointBatch,
			`{"sentAt":"2024-05-01T10:00:01Z","context":{"ip":"203.0.113.9"},"batch":[`+item+`,`+item+`]}`, basicAuth("wk_2")),
		"another batch context": decodeAt(t, now, segmentspec.EndpointBatch,
			`{"writeKey":"wk_1","sentAt":"2024-05-01T10:00:01Z","context":{"ip":"203.0.113.10"},"batch":[`+item+`,`+item+`]}`),
		"another batch integrations": decodeAt(t, now, segmentspec.EndpointBatch,
			`{"writeKey":"wk_1","sentAt":"2024-05-01T10:00:01Z","context":{"ip":"203.0.113.9"},"integrations":{"All":false},"batch":[`+item+`,`+item+`]}`),
		"another event": decodeAt(t, now, segmentspec.EndpointBatch,
			`{"writeKey":"wk_1","sentAt":"2024-05-01T10:00:01Z","context":{"ip":"203.0.113.9"},"batch":[`+item[:len(item)-1]+`,"properties":{}}]}`),
	}
	for name, req := range others {
		t.Run(name+" gets another id", func(t *testing.T) {
			if got := ids(t, req)[0]; got == first[0] {
				t.Errorf("id %s collides", got)
			}
		})
	}
	t.Run("a single message resent with a fresh sentAt dedupes", func(t *testing.T) {
		a := ids(t, decodeAt(t, now, segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","anonymousId":"a","sentAt":"2024-05-01T10:00:01Z"}`))
		b := ids(t, decodeAt(t, now, segmentspec.EndpointTrack, `{"writeKey":"wk_1","event":"e","anonymousId":"a","sentAt":"2024-05-01T10:00:09Z"}`))
		c := ids(t, decodeAt(t, now, segmentspec.EndpointTrack, `{"event":"e","anonymousId":"a"}`, basicAuth("wk_1")))
		if a[0] != b[0] || a[0] != c[0] {
			t.Errorf("ids %s %s %s differ", a[0], b[0], c[0])
		}
	})
	t.Run("same body on another endpoint gets another id", func(t *testing.T) {
		body := `{"writeKey":"wk_1","name":"Home","anonymousId":"a-1"}`
		page := ids(t, decodeAt(t, now, segmentspec.EndpointPage, body))
		screen := ids(t, decodeAt(t, now, segmentspec.EndpointScreen, body))
		if page[0] == screen[0] {
			t.Error("page and screen share an id")
		}
	})
	t.Run("client ids are kept", func(t *testing.T) {
		req := decodeAt(t, now, segmentspec.EndpointBatch, batchOf(`{"type":"track","event":"e","userId":"u","messageId":"m-1"}`, item))
		if m := req.Messages[0]; m.MessageID != "m-1" || m.MessageIDGenerated {
			t.Errorf("client id replaced: %q", m.MessageID)
		}
		if m := req.Messages[1]; !m.MessageIDGenerated {
			t.Error("missing id not derived")
		}
	})
}
