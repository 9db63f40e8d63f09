package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
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
	// SetConsent records the subject's own grant or withdrawal of a purpose.
	SetConsent(ctx context.Context, subjectID, purpose string, granted bool, evidence map[string]any) error
	// SetPersonalisation turns personalisation off or back on.
	SetPersonalisation(ctx context.Context, subjectID string, on bool) error
	// ConsentMode returns Google Consent Mode v2 values for the subject.
	ConsentMode(ctx context.Context, subjectID string) (map[string]string, error)
	// Export returns the subject's portable data (issue 9: access, copy, portability).
	Export(ctx context.Context, subjectID, lang string) (any, error)
	// Events returns the events of the subject the shop's userId names as purpose may see
	// them; unless clear, direct identifiers are masked whatever the purpose allows.
	Events(ctx context.Context, userID, purpose string, clear bool, actor string) (any, error)
	// CreateRequest files a rights request in the subject's verified session.
	CreateRequest(ctx context.Context, subjectID, typ, jurisdiction string, details map[string]any) (any, error)
	// Request returns one request; subjectID "" for operators, else only the subject's own.
	Request(ctx context.Context, subjectID, id string) (any, error)
	// Requests lists requests of one subject, or all ("").
	Requests(ctx context.Context, subjectID string) (any, error)
	// StepRequest moves a request to a new state (operators), with the reason.
	StepRequest(ctx context.Context, id, to, reason, actor string) (any, error)
	// ConsentRates returns grants and withdrawals per purpose per day over the last days.
	ConsentRates(ctx context.Context, days int) (any, error)
	// Erase deletes the subject's account and data and reports the completeness check.
	Erase(ctx context.Context, subjectID string) (any, error)
	// ConsentAt returns the consent state of the subject the shop's userId names, as it
	// stood at an instant, with the records it rests on (operator API).
	ConsentAt(ctx context.Context, userID string, at time.Time, lang string) (any, error)
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

func (s *Server) meSetConsent(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Purpose string `json:"purpose"`
		Granted *bool  `json:"granted"`
		// Evidence is what the page showed (banner variant, choices offered).
		Evidence map[string]any `json:"evidence"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Purpose == "" || in.Granted == nil {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "purpose and granted are required")
	}
	if err := s.cfg.Subjects.SetConsent(r.Context(), subjectPrincipal(r).SubjectID, in.Purpose, *in.Granted, in.Evidence); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) meSetPersonalisation(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		On *bool `json:"on"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.On == nil {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "on is required")
	}
	if err := s.cfg.Subjects.SetPersonalisation(r.Context(), subjectPrincipal(r).SubjectID, *in.On); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) meConsentMode(w http.ResponseWriter, r *http.Request) error {
	cm, err := s.cfg.Subjects.ConsentMode(r.Context(), subjectPrincipal(r).SubjectID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cm)
	return nil
}

func (s *Server) meExport(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.cfg.Subjects.Export(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="my-data.json"`)
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) subjectConsent(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Subjects == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "consent is not enabled on this server")
	}
	at := time.Now()
	if v := r.URL.Query().Get("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "at must be an RFC 3339 time such as 2026-05-01T12:00:00Z")
		}
		at = t
	}
	doc, err := s.cfg.Subjects.ConsentAt(r.Context(), r.PathValue("id"), at, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

// meErase deletes the account: a verified session needs no operator step (issue 9).
func (s *Server) meErase(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.cfg.Subjects.Erase(r.Context(), subjectPrincipal(r).SubjectID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// subjectEvents is an operator's purpose-bound read of one person's events. Only admins
// and privacy officers see direct identifiers in clear; everyone else gets them masked
// (issue 6 item 5).
func (s *Server) subjectEvents(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Subjects == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "subject reads are not enabled on this server")
	}
	purpose := r.URL.Query().Get("purpose")
	if purpose == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "every read names its purpose: ?purpose=analytics.reporting")
	}
	p := principal(r)
	clear := p.Operator.Role == "admin" || p.Operator.Role == "privacy_officer"
	doc, err := s.cfg.Subjects.Events(r.Context(), r.PathValue("id"), purpose, clear, p.Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) consentRates(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Subjects == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "consent is not enabled on this server")
	}
	days := 30
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3660 {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "days is a number from 1 to 3660")
		}
		days = n
	}
	doc, err := s.cfg.Subjects.ConsentRates(r.Context(), days)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) meCreateRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Type         string         `json:"type"`
		Jurisdiction string         `json:"jurisdiction"`
		Details      map[string]any `json:"details"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	doc, err := s.cfg.Subjects.CreateRequest(r.Context(), subjectPrincipal(r).SubjectID, in.Type, in.Jurisdiction, in.Details)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, doc)
	return nil
}

func (s *Server) meRequests(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.cfg.Subjects.Requests(r.Context(), subjectPrincipal(r).SubjectID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) meRequest(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.cfg.Subjects.Request(r.Context(), subjectPrincipal(r).SubjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) rightsRequests(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Subjects == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "rights requests are not enabled on this server")
	}
	doc, err := s.cfg.Subjects.Requests(r.Context(), "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) rightsRequest(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Subjects == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "rights requests are not enabled on this server")
	}
	doc, err := s.cfg.Subjects.Request(r.Context(), "", r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) stepRightsRequest(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Subjects == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "rights requests are not enabled on this server")
	}
	var in struct {
		State  string `json:"state"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	doc, err := s.cfg.Subjects.StepRequest(r.Context(), r.PathValue("id"), in.State, in.Reason, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}
