package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/algorithm"
	"github.com/stewardhq/steward/internal/anonexport"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/cleanroom/room"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/dp/stored"
	"github.com/stewardhq/steward/internal/equity"
	"github.com/stewardhq/steward/internal/intake"
	"github.com/stewardhq/steward/internal/pricing"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/recommend"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/signin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stewardhq/steward/internal/assessment"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/compliance"
	"github.com/stewardhq/steward/internal/incident"
	"github.com/stewardhq/steward/internal/retention"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/transfer"
)

// Config is what a Server needs. Store, Auth and Logger are required; each domain service
// is optional, and the routes of one that is missing answer 503.
type Config struct {
	Store   store.Store
	Auth    *auth.Service
	Logger  *slog.Logger
	Version string
	// Registry receives Steward's metrics; nil means a fresh one. Domain packages register
	// their own collectors on it.
	Registry *prometheus.Registry
	// Web serves /console/, /privacy/ and /static/; nil leaves them unmounted.
	Web WebUI

	// The domain services behind the routes.
	Regime   *regime.Service    // manifest, notices, taxonomy, banner settings
	Ledger   *consent.Ledger    // people's choices
	Collect  *collect.Collector // the Segment tracking API
	Index    collect.Indexer    // blind index of the shop's identifiers (userId → subject)
	Reader   *access.Reader     // purpose-bound reads of one person
	Rights   *rights.Service    // requests, export, erasure, the privacy center
	Profiles *profile.Engine    // tags, segments, profiles
	Audit    *audit.Log         // the ledger's read side and transparency reports
	Equity   *equity.Service    // privacy tiers, points and the privacy subscription
	// Anonymised releases anonymised exports (k-anonymity, l-diversity, t-closeness).
	Anonymised *anonexport.Service
	// Recommend, Pricing and Algorithms serve issue 24: recommendations, quotes and price
	// rules, and the algorithm register; AlgorithmsPage renders /algorithms (the web UI's).
	Recommend      *recommend.Recommender
	Pricing        *pricing.Service
	Algorithms     *algorithm.Register
	AlgorithmsPage http.Handler
	Intake         *intake.Counter // ingestion outcomes per day (the overview)
	Console        store.Console   // what the console reads beyond the services (counts, logins)
	SignIn         *signin.Service // operators' sign-in through an identity provider
	// OIDC, with SignIn, lets operators sign in to the console through an OpenID Connect
	// provider; nil: with tokens only.
	OIDC *OIDC
	// Campaigns are campaigns and journeys (issue 19), and the unsubscribe link.
	Campaigns *campaign.Service
	DP        *dp.Ledger     // privacy budgets and differentially private reports
	DPSource  *stored.Source // what those reports read (its schema for the console)
	// Compliance (issue 26): retention, the transfer register, assessments, the breach
	// register and the evidence bundle.
	Retention   *retention.Service
	Transfers   *transfer.Service
	Assessments *assessment.Service
	Incidents   *incident.Service
	Bundles     *compliance.Builder
	// CleanRoom is the two-party clean room (issue 22): partners, jobs, and the calls
	// between instances.
	CleanRoom *room.Service
	// Dictionaries retrains the vault's compression dictionaries (issue 27).
	Dictionaries Dictionaries

	// IngestRate limits messages per second per write key (0: 50,000; negative: no limit);
	// IngestBurst is the bucket size (0: 500,000).
	IngestRate  float64
	IngestBurst int
	// ShutdownTimeout bounds how long in-flight requests may take to finish on shutdown.
	ShutdownTimeout time.Duration
	// PublicURL is where browsers reach Steward (config.Config.PublicURL); empty: the
	// local address each request arrived on. The Host header is never used.
	PublicURL string
}

// WebUI is the embedded user interface.
type WebUI interface {
	Console() http.Handler
	Privacy() http.Handler
	Static() http.Handler
	SDK() http.Handler
}

// Server is Steward's HTTP server.
type Server struct {
	cfg     Config
	st      store.Store
	auth    *auth.Service
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *httpMetrics
	mux     *http.ServeMux
	routes  []Route
	handler http.Handler
	limiter *limiter
	oidc    *oidcFlow
	// visitorLimit bounds the public request form's calls per client address.
	visitorLimit *clientLimiter
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New builds the server and its route table.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Auth == nil || cfg.Logger == nil {
		return nil, errors.New("new server: Store, Auth and Logger are required")
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	s := &Server{cfg: cfg, st: cfg.Store, auth: cfg.Auth, log: cfg.Logger, reg: cfg.Registry, mux: http.NewServeMux()}
	s.metrics = &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "steward_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	for _, c := range []prometheus.Collector{s.metrics.requests, s.metrics.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := s.reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("new server: %w", err)
			}
		}
	}
	if cfg.IngestRate == 0 {
		cfg.IngestRate = 50000
	}
	if cfg.IngestBurst == 0 {
		cfg.IngestBurst = 500000
	}
	s.limiter = newLimiter(cfg.IngestRate, cfg.IngestBurst)
	if cfg.OIDC != nil && cfg.SignIn != nil {
		var err error
		if s.oidc, err = newOIDCFlow(s, *cfg.OIDC, cfg.SignIn); err != nil {
			return nil, fmt.Errorf("new server: oidc: %w", err)
		}
	}
	s.visitorLimit = newClientLimiter(30, 15)
	s.routes = s.table()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
	if cfg.Web != nil {
		s.mux.Handle("/console/", envelope404(cfg.Web.Console()))
		s.mux.Handle("/privacy/", envelope404(cfg.Web.Privacy()))
		s.mux.Handle("/static/", envelope404(cfg.Web.Static()))
		s.mux.Handle("GET /sdk/steward.js", cfg.Web.SDK())
		s.mux.Handle("GET /{$}", http.RedirectHandler("/console/", http.StatusFound))
	}
	s.handler = s.observe(http.HandlerFunc(s.dispatch))
	return s, nil
}

// Registry returns the metrics registry.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Handler returns the root handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns the route table.
func (s *Server) Routes() []Route { return s.routes }

// dispatch routes through the mux but answers unmatched paths and wrong methods with the
// JSON envelope instead of ServeMux's plain-text replies.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if cleaned(r.URL.Path) != r.URL.Path {
		// Dot segments or doubled slashes: refused, not redirected to what they resolve to
		// (ServeMux would answer a plain 307).
		writeError(w, r, Errorf(http.StatusBadRequest, CodeBadRequest, "paths must not contain dot segments or empty segments"))
		return
	}
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		rec := &codeOnly{header: w.Header()}
		h.ServeHTTP(rec, r) // learns 404 vs 405 (and the Allow header) without writing
		switch rec.code {
		case http.StatusMethodNotAllowed:
			writeError(w, r, Errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "method %s not allowed here", r.Method))
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			w.Header().Set("Location", rec.header.Get("Location"))
			w.WriteHeader(rec.code)
		default:
			writeError(w, r, Errorf(http.StatusNotFound, CodeNotFound, "no route for %s %s", r.Method, r.URL.EscapedPath()))
		}
		return
	}
	s.mux.ServeHTTP(w, r)
}

// publicBase is the base URL links and settings name: the configured public URL, else the
// address the connection was accepted on (which the caller does not choose, unlike Host).
func (s *Server) publicBase(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return scheme + "://" + a.String()
	}
	return scheme + "://127.0.0.1"
}

// cleaned is path.Clean keeping a trailing slash.
func cleaned(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// envelope404 answers the UI handlers' "not found" with the JSON envelope instead of
// their plain text.
func envelope404(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&notFoundWriter{ResponseWriter: w, r: r}, r)
	})
}

type notFoundWriter struct {
	http.ResponseWriter
	r        *http.Request
	notFound bool
}

func (n *notFoundWriter) WriteHeader(code int) {
	if code == http.StatusNotFound {
		n.notFound = true
		n.ResponseWriter.Header().Del("Content-Type")
		n.ResponseWriter.Header().Del("X-Content-Type-Options")
		writeError(n.ResponseWriter, n.r, Errorf(http.StatusNotFound, CodeNotFound, "no such page or file"))
		return
	}
	n.ResponseWriter.WriteHeader(code)
}

func (n *notFoundWriter) Write(b []byte) (int, error) {
	if n.notFound {
		return len(b), nil // the plain-text body is replaced by the envelope
	}
	return n.ResponseWriter.Write(b)
}

func (n *notFoundWriter) Unwrap() http.ResponseWriter { return n.ResponseWriter }

// codeOnly captures the status a handler chose and discards its body.
type codeOnly struct {
	header http.Header
	code   int
}

func (c *codeOnly) Header() http.Header { return c.header }
func (c *codeOnly) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	return len(b), nil
}
func (c *codeOnly) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}

// Serve listens on ln until ctx is cancelled, then stops accepting, lets in-flight requests
// finish (bounded by ShutdownTimeout) and returns. The caller closes the store afterwards.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}
