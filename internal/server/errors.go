package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/store"
)

// Error codes of the JSON envelope. They are part of the API contract.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalidJSON      = "invalid_json"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeTooLarge         = "payload_too_large"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeRateLimited      = "rate_limited"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

// Error is an error with an HTTP status and envelope code. Handlers return it for
// input problems; anything else becomes a 500 without details.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

type envelope struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError maps err to a status and writes the envelope. It is the only place where
// domain errors meet HTTP statuses.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &mbe):
		e = Errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body exceeds %d bytes", mbe.Limit)
	case errors.Is(err, auth.ErrUnauthenticated):
		e = Errorf(http.StatusUnauthorized, CodeUnauthorized, "missing, unknown, expired or revoked credentials")
	case errors.Is(err, auth.ErrInvalid), errors.Is(err, auth.ErrScopeNotAllowed), errors.Is(err, store.ErrInvalid):
		e = Errorf(http.StatusBadRequest, CodeBadRequest, "%s", err.Error())
	case errors.Is(err, store.ErrNotFound):
		e = Errorf(http.StatusNotFound, CodeNotFound, "no such resource")
	case errors.Is(err, store.ErrConflict):
		e = Errorf(http.StatusConflict, CodeConflict, "a resource with the same unique name already exists")
	default:
		logger(r).Error("request failed", "err", err)
		e = Errorf(http.StatusInternalServerError, CodeInternal, "internal error; see the server log for request id %s", requestID(r))
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="steward"`)
	}
	var env envelope
	env.Error.Code, env.Error.Message = e.Code, e.Message
	writeJSON(w, e.Status, env)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decodeJSON reads one JSON object from the body into dst. It insists on a JSON content
// type (415 otherwise), rejects unknown fields and trailing data (400), and relies on the
// route's MaxBytesReader for size (413).
func decodeJSON(r *http.Request, dst any) error {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	if mt = strings.TrimSpace(strings.ToLower(mt)); mt != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type must be application/json, got %q", mt)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "body must hold exactly one JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &syn):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "field %q must be %s, not %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "body is empty or truncated")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "%s", strings.TrimPrefix(err.Error(), "json: "))
	default:
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "invalid JSON body")
	}
}
