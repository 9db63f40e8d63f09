package server

import (
	"net/http"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store"
)

// meAPI serves the signed-in person: the privacy center's document, their choices, their
// requests, their data and its deletion.
type meAPI struct {
	s      *Server
	rights *rights.Service
	ledger *consent.Ledger
}

func (h meAPI) overview(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.rights.Overview(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

// ConsentChoice is one grant or withdrawal made in the privacy center. A purpose that needs
// separate consent (sharing, transfer abroad) names the recipient it is given for.
type ConsentChoice struct {
	Purpose   string `json:"purpose"`
	Granted   *bool  `json:"granted"`
	Recipient string `json:"recipient,omitempty"`
	// Evidence is what the page showed (banner variant, choices offered).
	Evidence map[string]any `json:"evidence,omitempty"`
}

func (h meAPI) setConsent(w http.ResponseWriter, r *http.Request) error {
	var in ConsentChoice
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Purpose == "" || in.Granted == nil {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "purpose and granted are required")
	}
	ev := map[string]any{"lang": lang(r)}
	for k, v := range in.Evidence {
		ev[k] = v
	}
	m := consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject", Evidence: ev}
	sub := subjectPrincipal(r).SubjectID
	var err error
	if in.Recipient != "" {
		err = h.ledger.Separate(r.Context(), sub, in.Purpose, in.Recipient, *in.Granted, m)
	} else {
		err = h.ledger.Choose(r.Context(), sub, in.Purpose, *in.Granted, m)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// PersonalisationSwitch turns personalisation off or back on.
type PersonalisationSwitch struct {
	On *bool `json:"on"`
}

func (h meAPI) setPersonalisation(w http.ResponseWriter, r *http.Request) error {
	var in PersonalisationSwitch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.On == nil {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "on is required")
	}
	if err := h.ledger.SetPersonalisation(r.Context(), subjectPrincipal(r).SubjectID, *in.On,
		consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject"}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h meAPI) consentMode(w http.ResponseWriter, r *http.Request) error {
	st, err := h.ledger.State(r.Context(), subjectPrincipal(r).SubjectID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, consent.ConsentMode(st))
	return nil
}

func (h meAPI) export(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.rights.ExportFor(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="my-data.json"`)
	writeJSON(w, http.StatusOK, doc)
	return nil
}

// erase deletes the account: a verified session needs no operator step, and the deletion
// leaves a request record like any other.
func (h meAPI) erase(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.rights.DeleteAccount(r.Context(), subjectPrincipal(r).SubjectID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// NewRequest is a rights request filed by the person.
type NewRequest struct {
	Type         string         `json:"type"`
	Jurisdiction string         `json:"jurisdiction,omitempty"`
	Details      map[string]any `json:"details,omitempty"`
}

// RequestList is a list of rights requests.
type RequestList struct {
	Requests []rights.RequestView `json:"requests"`
}

func (h meAPI) createRequest(w http.ResponseWriter, r *http.Request) error {
	var in NewRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.rights.Create(r.Context(), subjectPrincipal(r).SubjectID, in.Type, in.Jurisdiction, in.Details)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (h meAPI) requests(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.rights.List(r.Context(), subjectPrincipal(r).SubjectID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, RequestList{Requests: rs})
	return nil
}

func (h meAPI) request(w http.ResponseWriter, r *http.Request) error {
	v, err := h.rights.Get(r.Context(), subjectPrincipal(r).SubjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h meAPI) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := h.s.auth.RevokeSessions(r.Context(), subjectPrincipal(r).SubjectID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rightsAPI is the operators' request queue.
type rightsAPI struct{ rights *rights.Service }

func (h rightsAPI) list(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.rights.List(r.Context(), "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, RequestList{Requests: rs})
	return nil
}

func (h rightsAPI) get(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	v, err := h.rights.GetAs(r.Context(), r.PathValue("id"), rights.Viewer{Actor: p.Operator.ID, Role: p.Operator.Role})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// RequestStep moves a request on.
type RequestStep struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

func (h rightsAPI) step(w http.ResponseWriter, r *http.Request) error {
	var in RequestStep
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.rights.Step(r.Context(), r.PathValue("id"), in.State, in.Reason, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// LiftRequest names the userId whose suppression is lifted.
type LiftRequest struct {
	UserID string `json:"user_id"`
}

// Lifted says whether a suppression was in force and is lifted now.
type Lifted struct {
	Lifted bool `json:"lifted"`
}

func (h rightsAPI) liftSuppression(w http.ResponseWriter, r *http.Request) error {
	var in LiftRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.UserID == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "user_id is required")
	}
	ok, err := h.rights.LiftSuppression(r.Context(), in.UserID, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Lifted{Lifted: ok})
	return nil
}
