package segmentspec_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/fuzz/FuzzDecode from fuzzSeeds")

// Modes of a fuzz input: how the body travels and who names the write key.
const (
	modePlain     = 0 // body as is
	modeGzip      = 1 // the harness gzips the body
	modeClaimGzip = 2 // Content-Encoding: gzip on the raw bytes
	modeBodyKey   = 4 // bit: no Basic auth, so the key must come from the body
)

type fuzzSeed struct {
	mode     int
	endpoint string
	body     string
}

var fuzzSeeds = []fuzzSeed{
	{modePlain, "batch", analyticsNodeBatch},
	{modeGzip, "batch", rudderNodeBatch},
	{modePlain, "batch", analyticsGoBatch},
	{modePlain | modeBodyKey, "t", analyticsNextTrack},
	{modePlain | modeBodyKey, "p", analyticsNextPage},
	{modeGzip | modeBodyKey, "a", analyticsNextAlias},
	{modePlain | modeBodyKey, "b", analyticsNextBatch},
	{modePlain, "import", `{"batch":[{"type":"identify","userId":"u","traits":{"n":1},"timestamp":1714557600000}]}`},
	{modePlain, "group", `{"userId":7,"groupId":"g","traits":null,"context":{"externalIds":[{"id":"x","type":"email","collection":"users"}]}}`},
	{modePlain, "screen", `{"anonymousId":"a","name":"Home","originalTimestamp":"2024-05-01T18:00:00+0800","sentAt":"2024-05-01T10:00:01"}`},
	{modePlain, "identify", `{"userId":"u","userId":"v"}`},
	{modePlain, "batch", `{"batch":[{"type":"track"}]}`},
	{modeClaimGzip, "track", `{"event":"e","userId":"u"}`},
	{modePlain, "i", "\xef\xbb\xbf{\"userId\":\"\xff\xfe\"}"},
	{modePlain, "batch", `{"context":{"consent":{"categoryPreferences":{"A":true}},"gpc":true},"integrations":{"All":false},"batch":[{"type":"page","anonymousId":"a"},{"type":"page","anonymousId":"a"}]}`},
	{modePlain, "x", `{}`},
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.mode, s.endpoint, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, mode int, endpoint string, body []byte) {
		ep, ok := segmentspec.ParseEndpoint(endpoint)
		if !ok {
			ep = segmentspec.Endpoint(endpoint) // unknown endpoints must fail cleanly too
		}
		wire, gz := body, false
		switch mode & 3 {
		case modeGzip:
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(body)
			zw.Close()
			wire, gz = b.Bytes(), true
		case modeClaimGzip:
			gz = true
		}
		r := post("/v1/fuzz", wire)
		if gz {
			// The edge gunzips; here the decoder meets what it would hand over, or bytes a
			// broken client claimed were gzip.
			r.Body, r.Gzip = body, true
		}
		if mode&modeBodyKey == 0 {
			r.BasicUser = "wk_fuzz"
		}
		lim := segmentspec.Limits{}
		req, err := segmentspec.Decode(r, ep, now, lim)
		if err != nil {
			checkError(t, err)
			return
		}
		checkRequest(t, req, lim)
		redecode(t, req)
	})
}

func checkError(t *testing.T, err error) {
	var de *segmentspec.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v is a %T, not *segmentspec.Error", err, err)
	}
	switch de.Code {
	case segmentspec.CodeInvalidJSON, segmentspec.CodeInvalidEncoding, segmentspec.CodeUnsupportedEncoding,
		segmentspec.CodePayloadTooLarge, segmentspec.CodeInvalidMessage, segmentspec.CodeMissingWriteKey,
		segmentspec.CodeInvalidWriteKey, segmentspec.CodeUnknownEndpoint, segmentspec.CodeUnreadableBody:
	default:
		t.Fatalf("unknown code %q", de.Code)
	}
	if de.Index < -1 || de.Message == "" {
		t.Fatalf("malformed error %+v", de)
	}
}

func checkRequest(t *testing.T, req *segmentspec.Request, lim segmentspec.Limits) {
	if req.WriteKey == "" || !req.ReceivedAt.Equal(now) {
		t.Fatalf("request %+v lacks a write key or receivedAt", req)
	}
	for i := range req.Messages {
		m := &req.Messages[i]
		if err := m.Validate(lim); err != nil {
			t.Fatalf("accepted message %d does not re-validate: %v", i, err)
		}
		if m.Timestamp.After(m.ReceivedAt) || m.Timestamp.Year() < 1970 || !m.ReceivedAt.Equal(now) {
			t.Fatalf("message %d times out of bounds: %v / %v", i, m.Timestamp, m.ReceivedAt)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(m.Raw, &raw); err != nil {
			t.Fatalf("message %d Raw is not an object: %v", i, err)
		}
		if _, ok := raw["writeKey"]; ok {
			t.Fatalf("message %d Raw keeps the write key", i)
		}
	}
}

// redecode checks that the normalised form of accepted messages is accepted
// again, with the same ids and types.
func redecode(t *testing.T, req *segmentspec.Request) {
	items := make([]json.RawMessage, len(req.Messages))
	for i, m := range req.Messages {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal message %d: %v", i, err)
		}
		items[i] = b
	}
	body, err := json.Marshal(map[string]any{"batch": items})
	if err != nil {
		t.Fatal(err)
	}
	r := post("/v1/batch", body, basicAuth(req.WriteKey))
	// Merging the batch context can grow a message past the byte caps.
	roomy := segmentspec.Limits{MaxMessageBytes: 1 << 30, MaxBatchBytes: 1 << 30}
	again, err := segmentspec.Decode(r, segmentspec.EndpointBatch, now, roomy)
	if err != nil {
		t.Fatalf("normalised messages refused: %v\n%s", err, body)
	}
	for i := range req.Messages {
		a, b := req.Messages[i], again.Messages[i]
		if a.MessageID != b.MessageID || a.Type != b.Type || a.UserID != b.UserID || a.AnonymousID != b.AnonymousID {
			t.Fatalf("message %d changed on re-decode: %+v vs %+v", i, a, b)
		}
	}
}

// TestWriteFuzzCorpus regenerates the committed seed corpus from fuzzSeeds:
//
//	go test ./internal/collect/segmentspec -run TestWriteFuzzCorpus -write-corpus
func TestWriteFuzzCorpus(t *testing.T) {
	if !*writeCorpus {
		t.Skip("pass -write-corpus to regenerate testdata/fuzz/FuzzDecode")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range fuzzSeeds {
		content := fmt.Sprintf("go test fuzz v1\nint(%d)\nstring(%q)\n[]byte(%q)\n", s.mode, s.endpoint, s.body)
		sum := sha256.Sum256([]byte(content))
		name := fmt.Sprintf("seed-%s-%x", s.endpoint, sum[:6])
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
