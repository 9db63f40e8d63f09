package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// subjectAPI serves operators' work on one person, named by the shop's userId: sessions for
// the privacy center, purpose-bound reads, the consent state at an instant, the profile.
type subjectAPI struct {
	s        *Server
	index    collect.Indexer
	reader   *access.Reader
	ledger   *consent.Ledger
	profiles *profile.Engine
	regime   *regime.Service
}

// subject resolves the {id} path value (the shop's userId) to a subject.
func (h subjectAPI) subject(r *http.Request) (string, error) {
	userID := r.PathValue("id")
	if strings.TrimSpace(userID) == "" || len(userID) > 256 {
		return "", Errorf(http.StatusBadRequest, CodeBadRequest, "the path needs the shop's userId (1-256 characters)")
	}
	sub, err := collect.SubjectForUserID(r.Context(), h.s.st, h.index, userID)
	if errors.Is(err, store.ErrNotFound) {
		return "", Errorf(http.StatusNotFound, CodeNotFound, "no subject has this userId")
	}
	return sub, err
}

// SessionRequest asks for a privacy-center session.
type SessionRequest struct {
	TTLSeconds int `json:"ttl_seconds,omitempty"`
	// Reason is why the session is opened (recorded in the audit log, shown in the
	// person's report); required of a privacy officer.
	Reason string `json:"reason,omitempty"`
}

// Session is a minted privacy-center session: the secret is shown once.
type Session struct {
	Token     string    `json:"token"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (h subjectAPI) mintSession(w http.ResponseWriter, r *http.Request) error {
	var in SessionRequest
	if err := optionalJSON(r, &in); err != nil {
		return err
	}
	sub, err := h.subject(r)
	if err != nil {
		return err
	}
	secret, ss, err := h.s.auth.MintSessionAs(r.Context(), principal(r), sub, time.Duration(in.TTLSeconds)*time.Second, in.Reason)
	if err != nil {
		return err
	}
	// The link carries the session secret: it is built from the public URL, never from
	// the Host header.
	u := h.s.publicBase(r) + "/privacy/#token=" + secret
	writeJSON(w, http.StatusCreated, Session{Token: secret, URL: u, ExpiresAt: ss.ExpiresAt})
	return nil
}

// SubjectEvents is an operator's purpose-bound read of one person.
type SubjectEvents struct {
	Subject            string         `json:"subject"`
	Purpose            string         `json:"purpose"`
	IdentifiersInClear bool           `json:"identifiers_in_clear"`
	Events             []access.Event `json:"events"`
}

// events is an operator's purpose-bound read of one person's events. Only admins and
// privacy officers see direct identifiers in clear (the reader's rule, by role).
func (h subjectAPI) events(w http.ResponseWriter, r *http.Request) error {
	purpose := r.URL.Query().Get("purpose")
	if purpose == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "every read names its purpose: ?purpose=analytics.reporting")
	}
	if _, ok := h.regime.Current().Purpose(purpose); !ok || purpose == access.PurposeRightsAccess {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "unknown purpose %q", purpose)
	}
	sub, err := h.subject(r)
	if err != nil {
		return err
	}
	p := principal(r)
	evs, err := h.reader.Events(r.Context(), access.Request{Actor: p.Operator.ID, Viewer: p.Operator.Role, Purpose: purpose, SubjectID: sub, Limit: 1000})
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []access.Event{}
	}
	writeJSON(w, http.StatusOK, SubjectEvents{Subject: sub, Purpose: purpose, IdentifiersInClear: access.ClearIdentifiers(p.Operator.Role), Events: evs})
	return nil
}

// consentAt answers "what had this person allowed at that instant", with the records.
func (h subjectAPI) consentAt(w http.ResponseWriter, r *http.Request) error {
	at := time.Now()
	if v := r.URL.Query().Get("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "at must be an RFC 3339 time such as 2026-05-01T12:00:00Z")
		}
		at = t
	}
	sub, err := h.subject(r)
	if err != nil {
		return err
	}
	snap, err := h.ledger.SnapshotAt(r.Context(), sub, at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, snap)
	return nil
}

func (h subjectAPI) profile(w http.ResponseWriter, r *http.Request) error {
	purpose := r.URL.Query().Get("purpose")
	if purpose == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "a profile is read for a purpose: add ?purpose=")
	}
	if err := h.profiles.CheckReady(); err != nil {
		return err
	}
	sub, err := h.subject(r)
	if err != nil {
		return err
	}
	p := principal(r)
	v, err := h.profiles.ProfileFor(r.Context(), sub, purpose, p.Operator.ID, p.Operator.Role)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// consentAPI serves consent statistics to operators.
type consentAPI struct{ ledger *consent.Ledger }

func (h consentAPI) rates(w http.ResponseWriter, r *http.Request) error {
	days := 30
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3660 {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "days is a number from 1 to 3660")
		}
		days = n
	}
	rates, err := h.ledger.RatesOver(r.Context(), days)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rates)
	return nil
}
