package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Subjects resolves the shop's identifiers to subjects and builds what the privacy center
// shows. The app implements it over the vault, the consent ledger and the reader.
type Subjects interface {
	// SubjectForUserID returns the subject the shop's userId belongs to, or
	// store.ErrNotFound.
	SubjectForUserID(ctx context.Context, userID string) (string, error)
	// Me returns the privacy center's document for a subject in a language (en, zh-CN).
	Me(ctx context.Context, subjectID, lang string) (any, error)
}

func (s *Server) mintSession(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Subjects == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "privacy-center sessions are not enabled on this server")
	}
	var in struct {
		TTLSeconds int `json:"ttl_seconds"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	userID := r.PathValue("id")
	if strings.TrimSpace(userID) == "" || len(userID) > 256 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "the path needs the shop's userId (1-256 characters)")
	}
	sub, err := s.cfg.Subjects.SubjectForUserID(r.Context(), userID)
	if errors.Is(err, store.ErrNotFound) {
		return Errorf(http.StatusNotFound, CodeNotFound, "no subject has this userId")
	}
	if err != nil {
		return err
	}
	secret, ss, err := s.auth.MintSession(r.Context(), sub, time.Duration(in.TTLSeconds)*time.Second)
	if err != nil {
		return err
	}
	u := url.URL{Scheme: "http", Host: r.Host, Path: "/privacy/", Fragment: "token=" + secret}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "url": u.String(), "expires_at": ss.ExpiresAt})
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Subjects == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "the privacy center is not enabled on this server")
	}
	doc, err := s.cfg.Subjects.Me(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.RevokeSessions(r.Context(), subjectPrincipal(r).SubjectID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// lang picks en or zh-CN from ?lang= then Accept-Language.
func lang(r *http.Request) string {
	for _, v := range []string{r.URL.Query().Get("lang"), r.Header.Get("Accept-Language")} {
		v = strings.ToLower(v)
		switch {
		case strings.HasPrefix(v, "zh"):
			return "zh-CN"
		case strings.HasPrefix(v, "en"):
			return "en"
		}
	}
	return "en"
}
