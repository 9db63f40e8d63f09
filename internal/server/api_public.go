package server

import (
	"net/http"
	"time"
)

type health struct {
	Status  string `json:"status"`
	Store   string `json:"store"`
	Version string `json:"version"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := contextTimeout(r, 2*time.Second)
	defer cancel()
	if err := s.st.Ping(ctx); err != nil {
		logger(r).Warn("health check: store does not answer", "err", err)
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "store does not answer")
	}
	writeJSON(w, http.StatusOK, health{Status: "ok", Store: s.st.Dialect(), Version: s.cfg.Version})
	return nil
}

type gpcDoc struct {
	GPC        bool   `json:"gpc"`
	LastUpdate string `json:"lastUpdate"`
}

// gpcJSON serves /.well-known/gpc.json: this site honours Global Privacy Control
// (GPC specification §3.5; CCPA regulations §7025).
func (s *Server) gpcJSON(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, gpcDoc{GPC: true, LastUpdate: "2026-11-23"})
	return nil
}
