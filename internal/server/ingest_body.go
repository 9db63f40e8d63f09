package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// gzipSlack is how much larger than the decompressed cap a gzip body may be
// on the wire: deflate's stored blocks add 5 bytes per 64 KiB plus an 18-byte
// frame, so even incompressible data fits.
const gzipSlack = 1024

// readIngest reads one request to the Segment tracking API into the decoder's input: the
// write key from Basic auth (the user part) and X-Write-Key, Sec-GPC, and the body —
// gunzipped when Content-Encoding is gzip (RudderStack's default; other encodings are
// refused), refused past the endpoint's limit before it is all in memory, and a zip bomb
// cut off at the limit. The decoder (segmentspec.Decode) takes it from there.
func readIngest(r *http.Request, endpoint segmentspec.Endpoint, lim segmentspec.Limits) (segmentspec.Input, *segmentspec.Error) {
	in := segmentspec.Input{HeaderKey: r.Header.Get("X-Write-Key"), GPC: strings.TrimSpace(r.Header.Get("Sec-GPC")) == "1"}
	if user, _, ok := r.BasicAuth(); ok {
		in.BasicUser = user
	}
	var e *segmentspec.Error
	in.Body, in.Gzip, e = readBody(r, lim.BodyLimit(endpoint))
	return in, e
}

// readBody returns the request body, decompressed, refusing anything past limit
// bytes before it is all in memory.
func readBody(r *http.Request, limit int) ([]byte, bool, *segmentspec.Error) {
	gz := false
	switch strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))) {
	case "", "identity":
	case "gzip", "x-gzip":
		gz = true
	default:
		return nil, false, segmentspec.NewError(segmentspec.CodeUnsupportedEncoding, "content encoding must be gzip or identity")
	}
	wireMax := int64(limit)
	if gz {
		wireMax += gzipSlack
	}
	tooLarge := segmentspec.NewError(segmentspec.CodePayloadTooLarge, "body is larger than %d bytes", limit)
	if r.ContentLength > wireMax {
		return nil, gz, tooLarge
	}
	var data []byte
	if r.Body != nil {
		var err error
		data, err = io.ReadAll(io.LimitReader(r.Body, wireMax+1))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, gz, tooLarge
			}
			return nil, gz, segmentspec.NewError(segmentspec.CodeUnreadableBody, "read body: connection failed")
		}
	}
	if int64(len(data)) > wireMax {
		return nil, gz, tooLarge
	}
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, gz, segmentspec.NewError(segmentspec.CodeInvalidEncoding, "body is not gzip")
		}
		// The LimitReader stops a zip bomb after limit+1 bytes of output.
		plain, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
		if len(plain) > limit {
			return nil, gz, tooLarge
		}
		if err != nil {
			return nil, gz, segmentspec.NewError(segmentspec.CodeInvalidEncoding, "body is corrupt gzip")
		}
		data = plain
	}
	return data, gz, nil
}
