package server

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/stewardhq/steward/internal/rights"
)

// visitorAPI is the public request form's API (issue 18 item 4): no account, no token; an
// email address confirmed with a one-time code. rights owns the flow (and limits codes per
// address); the edge limits calls per client address, kept in memory only, never logged.
type visitorAPI struct {
	rights *rights.Service
	limit  *clientLimiter
}

// VisitorCodeRequest asks for a one-time code.
type VisitorCodeRequest struct {
	Email        string `json:"email"`
	Type         string `json:"type"`
	Jurisdiction string `json:"jurisdiction,omitempty"`
	Lang         string `json:"lang,omitempty"`
}

// VisitorConfirmRequest files the request with the code received.
type VisitorConfirmRequest struct {
	Challenge string         `json:"challenge"`
	Email     string         `json:"email"`
	Code      string         `json:"code"`
	Lang      string         `json:"lang,omitempty"`
	Details   map[string]any `json:"details,omitempty"`
}

func visitorLang(l string, r *http.Request) string {
	if l == "zh-CN" || l == "en" {
		return l
	}
	return lang(r)
}

func (h visitorAPI) code(w http.ResponseWriter, r *http.Request) error {
	if err := h.limit.allow(w, r); err != nil {
		return err
	}
	var in VisitorCodeRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.rights.StartVisitorRequest(r.Context(), in.Email, in.Type, in.Jurisdiction, visitorLang(in.Lang, r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, c)
	return nil
}

func (h visitorAPI) confirm(w http.ResponseWriter, r *http.Request) error {
	if err := h.limit.allow(w, r); err != nil {
		return err
	}
	var in VisitorConfirmRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rc, err := h.rights.ConfirmVisitorRequest(r.Context(), in.Challenge, in.Email, in.Code, visitorLang(in.Lang, r), in.Details)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rc)
	return nil
}

// clientLimiter is a token bucket per client address. The table is dropped whole when it
// grows past a bound: a flood of addresses costs memory only up to it.
type clientLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
}

const maxClients = 50_000

func newClientLimiter(perMinute, burst int) *clientLimiter {
	return &clientLimiter{every: rate.Limit(float64(perMinute) / 60), burst: burst, buckets: map[string]*rate.Limiter{}}
}

func (l *clientLimiter) allow(w http.ResponseWriter, r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	l.mu.Lock()
	b, ok := l.buckets[host]
	if !ok {
		if len(l.buckets) >= maxClients {
			l.buckets = map[string]*rate.Limiter{}
		}
		b = rate.NewLimiter(l.every, l.burst)
		l.buckets[host] = b
	}
	l.mu.Unlock()
	now := time.Now()
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		w.Header().Set("Retry-After", strconv.Itoa(int(d/time.Second)+1))
		return Errorf(http.StatusTooManyRequests, CodeRateLimited, "too many requests from this address; try again in %d seconds", int(d/time.Second)+1)
	}
	return nil
}
