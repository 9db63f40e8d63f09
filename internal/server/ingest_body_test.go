package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// These tests hold the HTTP edge of ingestion to what Segment and RudderStack clients
// send: any Content-Type, gzip and only gzip, sizes checked on the wire and after
// decompression, zip bombs cut off, write keys from Basic auth and X-Write-Key.

var now = time.Date(2024, 5, 1, 10, 0, 5, 0, time.UTC)

const secret = "PII-li.lei@example.cn"

const okTrack = `{"type":"track","event":"Viewed","userId":"` + secret + `"}`

func keyed(s string) string { return `{"writeKey":"wk_1",` + s[1:] }

type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func post(path string, body []byte, opts ...reqOpt) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	for _, o := range opts {
		o(r)
	}
	return r
}

// decodeHTTP is what the ingest handler does with a request before the collector.
func decodeHTTP(r *http.Request, ep segmentspec.Endpoint, now time.Time, lim segmentspec.Limits) (*segmentspec.Request, error) {
	in, e := readIngest(r, ep, lim)
	if e != nil {
		return nil, e
	}
	return segmentspec.Decode(in, ep, now, lim)
}

func mustDecode(t testing.TB, r *http.Request, ep segmentspec.Endpoint) *segmentspec.Request {
	t.Helper()
	req, err := decodeHTTP(r, ep, now, segmentspec.Limits{})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return req
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
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error message leaks personal data: %q", err)
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

// Basic auth carries the write key as its user, whatever the password; X-Write-Key too.
func TestWriteKeyHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  reqOpt
		src  segmentspec.WriteKeySource
	}{
		{"basic auth", func(r *http.Request) { r.SetBasicAuth("wk_1", "") }, segmentspec.WriteKeyBasicAuth},
		{"basic auth with password", func(r *http.Request) { r.SetBasicAuth("wk_1", "ignored") }, segmentspec.WriteKeyBasicAuth},
		{"X-Write-Key", header("X-Write-Key", "wk_1"), segmentspec.WriteKeyHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := mustDecode(t, post("/v1/track", []byte(okTrack), tc.opt), segmentspec.EndpointTrack)
			if req.WriteKey != "wk_1" || req.WriteKeySource != tc.src {
				t.Errorf("write key %q from %s", req.WriteKey, req.WriteKeySource)
			}
		})
	}
	if req := mustDecode(t, post("/v1/track", []byte(keyed(okTrack)), header("Sec-GPC", "1")), segmentspec.EndpointTrack); !req.GPC {
		t.Error("Sec-GPC: 1 not seen")
	}
}

// The body is JSON whatever the Content-Type says: browsers send text/plain.
func TestContentTypeIgnored(t *testing.T) {
	for _, ct := range []string{"", "application/json", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "image/png"} {
		t.Run(ct, func(t *testing.T) {
			r := post("/v1/track", []byte(keyed(okTrack)))
			if ct != "" {
				r.Header.Set("Content-Type", ct)
			}
			mustDecode(t, r, segmentspec.EndpointTrack)
		})
	}
}

func TestEncodings(t *testing.T) {
	body := []byte(keyed(okTrack))
	twoMembers := append(gzipBytes(t, body[:10]), gzipBytes(t, body[10:])...)
	gz := gzipBytes(t, body)
	tests := []struct {
		name     string
		encoding string
		wire     []byte
		code     segmentspec.Code // "" for success
	}{
		{"identity", "identity", body, ""},
		{"none", "", body, ""},
		{"gzip", "gzip", gz, ""},
		{"x-gzip", "x-gzip", gz, ""},
		{"GZIP upper case", "GZIP", gz, ""},
		{"multi-member gzip", "gzip", twoMembers, ""},
		{"truncated gzip", "gzip", gz[:len(gz)-6], segmentspec.CodeInvalidEncoding},
		{"gzip of garbage JSON", "gzip", gzipBytes(t, []byte("{nope")), segmentspec.CodeInvalidJSON},
		{"deflate", "deflate", body, segmentspec.CodeUnsupportedEncoding},
		{"brotli", "br", body, segmentspec.CodeUnsupportedEncoding},
		{"gzip claimed, plain sent", "gzip", body, segmentspec.CodeInvalidEncoding},
		{"stacked", "gzip, gzip", gz, segmentspec.CodeUnsupportedEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post("/v1/track", tt.wire, header("Content-Encoding", tt.encoding))
			req, err := decodeHTTP(r, segmentspec.EndpointTrack, now, segmentspec.Limits{})
			if tt.code != "" {
				wantError(t, err, tt.code, -1, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Gzip != strings.Contains(strings.ToLower(tt.encoding), "gzip") || req.BodyBytes != len(body) {
				t.Errorf("Gzip %v BodyBytes %d", req.Gzip, req.BodyBytes)
			}
		})
	}
}

func TestSizeLimits(t *testing.T) {
	atLimit := batchOfSize(t, segmentspec.DefaultMaxBatchBytes)
	overLimit := batchOfSize(t, segmentspec.DefaultMaxBatchBytes+1)
	bomb := gzipBytes(t, bytes.Repeat([]byte(" "), 64<<20)) // 64 MiB of spaces in ~64 KB

	t.Run("batch of 512000 bytes", func(t *testing.T) {
		if segmentspec.DefaultMaxBatchBytes != 512000 {
			t.Fatalf("DefaultMaxBatchBytes = %d, want RudderStack's 512000", segmentspec.DefaultMaxBatchBytes)
		}
		mustDecode(t, post("/v1/batch", atLimit), segmentspec.EndpointBatch)
	})
	t.Run("gzipped batch of 512000 bytes", func(t *testing.T) {
		req := mustDecode(t, post("/v1/batch", gzipBytes(t, atLimit), header("Content-Encoding", "gzip")), segmentspec.EndpointBatch)
		if req.BodyBytes != 512000 {
			t.Errorf("BodyBytes = %d", req.BodyBytes)
		}
	})
	for _, tt := range []struct {
		name string
		r    *http.Request
	}{
		{"batch of 512001 bytes", post("/v1/batch", overLimit)},
		{"gzipped batch of 512001 bytes", post("/v1/batch", gzipBytes(t, overLimit), header("Content-Encoding", "gzip"))},
		{"zip bomb", post("/v1/batch", bomb, header("Content-Encoding", "gzip"))},
		{"Content-Length over the cap", func() *http.Request {
			r := post("/v1/batch", []byte(`{}`))
			r.ContentLength = 600000
			return r
		}()},
		{"server's MaxBytesReader", func() *http.Request {
			r := post("/v1/batch", atLimit)
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1000)
			return r
		}()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeHTTP(tt.r, segmentspec.EndpointBatch, now, segmentspec.Limits{})
			wantError(t, err, segmentspec.CodePayloadTooLarge, -1, "")
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestUnreadableBody(t *testing.T) {
	r := post("/v1/track", nil)
	r.Body = io.NopCloser(failingReader{})
	_, err := decodeHTTP(r, segmentspec.EndpointTrack, now, segmentspec.Limits{})
	wantError(t, err, segmentspec.CodeUnreadableBody, -1, "")
}

// A zip bomb is cut off at the cap: decoding 64 MiB of compressed spaces
// allocates a small multiple of MaxBatchBytes, not 64 MiB.
func TestZipBombMemory(t *testing.T) {
	bomb := gzipBytes(t, bytes.Repeat([]byte(" "), 64<<20))
	r := post("/v1/batch", bomb, header("Content-Encoding", "gzip"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodeHTTP(r, segmentspec.EndpointBatch, now, segmentspec.Limits{})
	runtime.ReadMemStats(&after)
	wantError(t, err, segmentspec.CodePayloadTooLarge, -1, "")
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("decoding the bomb allocated %d bytes", alloc)
	}
}
