package segmentspec

import (
	"fmt"
	"strconv"
)

// Code is a stable, machine-readable reason a request was refused. The HTTP
// layer maps codes to status codes; the values never change once released.
type Code string

// The codes DecodeRequest returns, with the HTTP status the edge is expected
// to answer (mapping is the server's job; see DESIGN.md "Errors").
const (
	// CodeInvalidJSON: the body is not a single JSON object (400).
	CodeInvalidJSON Code = "invalid_json"
	// CodeInvalidEncoding: the body claims gzip but does not decompress (400).
	CodeInvalidEncoding Code = "invalid_encoding"
	// CodeUnreadableBody: reading the body failed midway, usually because the
	// client went away (400).
	CodeUnreadableBody Code = "unreadable_body"
	// CodeUnsupportedEncoding: a Content-Encoding other than gzip or identity (415).
	CodeUnsupportedEncoding Code = "unsupported_encoding"
	// CodePayloadTooLarge: the body or one message exceeds Limits (413).
	CodePayloadTooLarge Code = "payload_too_large"
	// CodeInvalidMessage: a message breaks the Segment spec; Index and Field say
	// which one and where (400).
	CodeInvalidMessage Code = "invalid_message"
	// CodeMissingWriteKey: no write key in Basic auth, X-Write-Key or the body (401).
	CodeMissingWriteKey Code = "missing_write_key"
	// CodeInvalidWriteKey: a write key that is malformed, or two sources that
	// disagree (401).
	CodeInvalidWriteKey Code = "invalid_write_key"
	// CodeUnknownEndpoint: the Endpoint is not one ParseEndpoint returns (404).
	CodeUnknownEndpoint Code = "unknown_endpoint"
)

// Error is the only error type DecodeRequest returns. Message names fields,
// never their values, so it is safe to log and to send back to the client.
type Error struct {
	Code    Code
	Message string
	// Index is the position of the offending message in the batch, or -1 when
	// the error concerns the request as a whole or a single-message endpoint.
	Index int
	// Field is the JSON path of the offending field inside the message
	// (e.g. "context.consent.categoryPreferences"), or "" when none applies.
	Field string
}

// Error implements error.
func (e *Error) Error() string {
	s := "decode segment request: "
	if e.Index >= 0 {
		s += "batch[" + strconv.Itoa(e.Index) + "]"
		if e.Field != "" {
			s += "." + e.Field
		}
		s += ": "
	} else if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Message
}

// Is lets errors.Is match on the code alone: errors.Is(err, &Error{Code: CodeInvalidJSON}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func requestError(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Index: -1}
}

func fieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidMessage, Message: fmt.Sprintf(format, args...), Index: -1, Field: field}
}

// NewError returns a request-level *Error (no message index or field): the HTTP edge uses it
// for what it refuses before decoding (encodings, sizes on the wire, unreadable bodies).
func NewError(code Code, format string, args ...any) *Error {
	return requestError(code, format, args...)
}
