package segmentspec_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// now is the server clock in every test: five seconds after the events in the
// fixtures happened.
var now = time.Date(2024, 5, 1, 10, 0, 5, 0, time.UTC)

// secret marks personal data in fixtures; no error message may contain it.
const secret = "PII-li.lei@example.cn"

// reqOpt sets what a request's headers would have told the decoder. The HTTP edge
// (package server) reads headers, gzip and sizes on the wire; its own tests cover those.
type reqOpt func(*segmentspec.Input)

func basicAuth(key string) reqOpt { return func(in *segmentspec.Input) { in.BasicUser = key } }

// header maps the headers the decoder cares about onto its input; others (Content-Type,
// User-Agent, a Bearer token) change nothing, as on the wire.
func header(k, v string) reqOpt {
	return func(in *segmentspec.Input) {
		switch http.CanonicalHeaderKey(k) {
		case "X-Write-Key":
			in.HeaderKey = v
		case "Sec-Gpc":
			in.GPC = strings.TrimSpace(v) == "1"
		}
	}
}

// post is a request body to path with options; the path is for the reader only.
func post(_ string, body []byte, opts ...reqOpt) segmentspec.Input {
	in := segmentspec.Input{Body: body}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustDecode(t testing.TB, in segmentspec.Input, ep segmentspec.Endpoint) *segmentspec.Request {
	t.Helper()
	req, err := segmentspec.Decode(in, ep, now, segmentspec.Limits{})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	for i := range req.Messages {
		if err := req.Messages[i].Validate(segmentspec.Limits{}); err != nil {
			t.Fatalf("message %d does not re-validate: %v", i, err)
		}
	}
	return req
}

// wantError checks err is an *Error with the code, index and field given
// (field "*" matches any), and that it repeats no personal data.
func wantError(t testing.TB, err error, code segmentspec.Code, index int, field string) {
	t.Helper()
	var de *segmentspec.Error
	if !errors.As(err, &de) {
		t.Fatalf("error = %v (%T), want *segmentspec.Error %s", err, err, code)
	}
	if de.Code != code || de.Index != index || (field != "*" && de.Field != field) {
		t.Fatalf("error = {Code:%s Index:%d Field:%q} (%v), want {Code:%s Index:%d Field:%q}",
			de.Code, de.Index, de.Field, de, code, index, field)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "li.lei") {
		t.Fatalf("error message leaks personal data: %q", err)
	}
	if !errors.Is(err, &segmentspec.Error{Code: code}) {
		t.Fatalf("errors.Is does not match on code %s", code)
	}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
