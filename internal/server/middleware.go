package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/auth"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyLogger
	keyPrincipal
	keySubject
	keyPeer
)

func requestID(r *http.Request) string {
	v, _ := r.Context().Value(keyRequestID).(string)
	return v
}

func logger(r *http.Request) *slog.Logger {
	if l, ok := r.Context().Value(keyLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// principal returns the authenticated operator of the request.
// subjectPrincipal is the privacy-center session of a Subject route.
func subjectPrincipal(r *http.Request) auth.SubjectPrincipal {
	p, _ := r.Context().Value(keySubject).(auth.SubjectPrincipal)
	return p
}

func principal(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(keyPrincipal).(auth.Principal)
	return p
}

// A caller may pass its own request id (for tracing across services) if it is short and
// plain; anything else is replaced, so ids can never smuggle data into logs.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter remembers the status and size for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe wraps the whole mux: request id, panic recovery, metrics and one access log line.
// The log names the route pattern, never the raw path or query, because those can carry
// identifiers of people (e.g. /api/v1/subjects/{id}/sessions).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		l := s.log.With("request_id", id)
		ctx := context.WithValue(context.WithValue(r.Context(), keyRequestID, id), keyLogger, l)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				l.Error("panic serving request", "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeError(sw, r, Errorf(http.StatusInternalServerError, CodeInternal, "internal error; request id %s", id))
				}
			}
			route := routeLabel(r)
			code := sw.status
			if code == 0 {
				code = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(code)).Inc()
			s.metrics.duration.WithLabelValues(route).Observe(d.Seconds())
			lvl := slog.LevelInfo
			if code >= 500 {
				lvl = slog.LevelError
			}
			l.Log(r.Context(), lvl, "http", "method", r.Method, "route", route, "status", code,
				"bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000)
		}()
		next.ServeHTTP(sw, r)
	})
}

// routeLabel is the matched pattern without the method, or "unmatched"; it keeps metric
// cardinality bounded and logs free of path parameters.
func routeLabel(r *http.Request) string {
	p := r.Pattern
	if p == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(p, " "); ok {
		return path
	}
	return p
}

// methodLabel bounds the method label: a caller can send any token as a method, and each
// would otherwise become a new time series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// bearer extracts the token of an "Authorization: Bearer x" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// contextTimeout bounds a request's context.
func contextTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}
