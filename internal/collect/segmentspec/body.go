package segmentspec

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
)

// gzipSlack is how much larger than the decompressed cap a gzip body may be
// on the wire: deflate's stored blocks add 5 bytes per 64 KiB plus an 18-byte
// frame, so even incompressible data fits.
const gzipSlack = 1024

var utf8BOM = []byte("\xef\xbb\xbf")

// readBody returns the request body, decompressed, refusing anything past limit
// bytes before it is all in memory.
func readBody(r *http.Request, limit int) ([]byte, bool, *Error) {
	gz := false
	switch strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))) {
	case "", "identity":
	case "gzip", "x-gzip":
		gz = true
	default:
		return nil, false, requestError(CodeUnsupportedEncoding, "content encoding must be gzip or identity")
	}
	wireMax := int64(limit)
	if gz {
		wireMax += gzipSlack
	}
	tooLarge := requestError(CodePayloadTooLarge, "body is larger than %d bytes", limit)
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
			return nil, gz, requestError(CodeUnreadableBody, "read body: connection failed")
		}
	}
	if int64(len(data)) > wireMax {
		return nil, gz, tooLarge
	}
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, gz, requestError(CodeInvalidEncoding, "body is not gzip")
		}
		// The LimitReader stops a zip bomb after limit+1 bytes of output.
		plain, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
		if len(plain) > limit {
			return nil, gz, tooLarge
		}
		if err != nil {
			return nil, gz, requestError(CodeInvalidEncoding, "body is corrupt gzip")
		}
		data = plain
	}
	return bytes.TrimPrefix(data, utf8BOM), gz, nil
}
