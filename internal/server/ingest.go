package server

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/collect/segmentspec"
)

// ingestStatus maps the decoder's refusal codes to statuses.
func ingestStatus(c segmentspec.Code) (int, string) {
	switch c {
	case segmentspec.CodeMissingWriteKey:
		return http.StatusUnauthorized, CodeUnauthorized
	case segmentspec.CodeUnsupportedEncoding:
		return http.StatusUnsupportedMediaType, CodeUnsupportedMedia
	case segmentspec.CodeUnknownEndpoint:
		return http.StatusNotFound, CodeNotFound
	case segmentspec.CodeInvalidJSON:
		return http.StatusBadRequest, CodeInvalidJSON
	case segmentspec.CodePayloadTooLarge:
		// 413, which Segment's and RudderStack's Node clients treat as final (they retry
		// only 5xx and 429), so a batch too large is dropped, not resent forever.
		return http.StatusRequestEntityTooLarge, CodeTooLarge
	default:
		return http.StatusBadRequest, string(c)
	}
}

// ingest serves the Segment tracking API: POST /v1/{endpoint}.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request) error {
	allowCORS(w)
	ep, ok := segmentspec.ParseEndpoint(r.PathValue("endpoint"))
	if !ok {
		return Errorf(http.StatusNotFound, CodeNotFound, "no ingestion endpoint %q", r.PathValue("endpoint"))
	}
	lim := segmentspec.Limits{}
	in, de := readIngest(r, ep, lim)
	var err error
	var req *segmentspec.Request
	if de != nil {
		err = de
	} else {
		req, err = segmentspec.Decode(in, ep, time.Now(), lim)
	}
	if err != nil {
		var de *segmentspec.Error
		if errors.As(err, &de) {
			status, code := ingestStatus(de.Code)
			return &Error{Status: status, Code: code, Message: de.Error()}
		}
		return err
	}
	src, err := s.auth.SourceForKey(r.Context(), req.WriteKey)
	if err != nil {
		return err
	}
	if wait := s.limiter.reserve(src.ID, len(req.Messages)); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(wait).Unix(), 10))
		return Errorf(http.StatusTooManyRequests, CodeRateLimited, "rate limit for this write key exceeded; retry after %d s", secs)
	}
	// Only a server-side source's calls may merge identified customers (issue 17 item 1).
	res, err := s.cfg.Collect.IngestFrom(r.Context(), collect.Origin{SourceID: src.ID, ServerSide: src.ServerSide}, req)
	if err != nil {
		return err
	}
	if s.cfg.Intake != nil {
		s.cfg.Intake.Add(res.Received, res.Stored, res.Duplicates, res.DroppedBy)
	}
	// Segment's API answers {"success": true} and its clients look only at the status; the
	// counts tell the sender what the consent gate did with the batch.
	writeJSON(w, http.StatusOK, ingestOK{Success: true, Kept: res.Kept, Dropped: nonNilCounts(res.DroppedBy), Stripped: nonNilCounts(res.Stripped)})
	return nil
}

// ingestOK is Segment's answer to an accepted request, with what the gate did with it.
type ingestOK struct {
	Success bool `json:"success"`
	// Kept counts messages stored (or already stored by an earlier retry).
	Kept int `json:"kept"`
	// Dropped counts messages not stored, by reason (no_consent, event_not_in_manifest, …).
	Dropped map[string]int `json:"dropped"`
	// Stripped counts fields removed before storage, by reason (not_in_schema, …).
	Stripped map[string]int `json:"stripped"`
}

func nonNilCounts(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

// ingestPreflight answers CORS preflights for browsers that post application/json.
func (s *Server) ingestPreflight(w http.ResponseWriter, r *http.Request) error {
	allowCORS(w)
	w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, Content-Encoding, X-Write-Key")
	w.Header().Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// browserSettings serves the settings document @segment/analytics-next loads first.
func (s *Server) browserSettings(w http.ResponseWriter, r *http.Request) error {
	allowCORS(w)
	key := r.PathValue("writeKey")
	// A server-side key is never for browsers: no settings document for it.
	if src, err := s.auth.SourceForKey(r.Context(), key); err != nil || src.ServerSide {
		return Errorf(http.StatusNotFound, CodeNotFound, "unknown write key")
	}
	// apiHost comes from the configured public URL, never the Host header: a forged Host
	// must not point browsers (and a cached copy for everyone) elsewhere.
	doc, err := segmentspec.BrowserSettings(key, s.publicBase(r)+"/v1")
	if err != nil {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "%s", err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(doc)
	return nil
}

// Ingestion is called from shop pages on other origins; the write key, not the origin,
// authorises it, so any origin may post.
func allowCORS(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
}

// limiter is a token bucket per source, counted in messages.
type limiter struct {
	mu      sync.Mutex
	rate    rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{rate: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}}
}

// reserve takes n tokens for key and returns 0, or how long to wait when over the limit
// (then nothing is taken).
func (l *limiter) reserve(key string, n int) time.Duration {
	if l == nil || l.rate <= 0 {
		return 0
	}
	l.mu.Lock()
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[key] = b
	}
	l.mu.Unlock()
	n = min(n, l.burst)
	now := time.Now()
	res := b.ReserveN(now, n)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}
