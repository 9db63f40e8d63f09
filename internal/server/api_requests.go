package server

import (
	"net/http"

	"github.com/stewardhq/steward/internal/rights"
)

// Working a rights request (issue 18 item 4): assignment, notes, the identity check of a
// request from the public form, and the extension of its deadline. rights owns the rules;
// these handlers only read the body and name the operator.

// AssignRequest names the operator who works a request ("" unassigns).
type AssignRequest struct {
	OperatorID string `json:"operator_id"`
}

func (h rightsAPI) assign(w http.ResponseWriter, r *http.Request) error {
	var in AssignRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.rights.Assign(r.Context(), r.PathValue("id"), in.OperatorID, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	return h.answer(w, r, v.ID)
}

// NoteRequest is an operator's note (sealed before it is stored).
type NoteRequest struct {
	Text string `json:"text"`
}

func (h rightsAPI) note(w http.ResponseWriter, r *http.Request) error {
	var in NoteRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.rights.AddNote(r.Context(), r.PathValue("id"), in.Text, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	return h.answer(w, r, v.ID)
}

// VerificationRequest records how a visitor's identity was checked: email_on_file or
// reauthenticated with the customer's userId, or no_account.
type VerificationRequest struct {
	Method string `json:"method"`
	UserID string `json:"user_id,omitempty"`
}

func (h rightsAPI) verify(w http.ResponseWriter, r *http.Request) error {
	var in VerificationRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.rights.VerifyIdentity(r.Context(), r.PathValue("id"), in.UserID, in.Method, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	return h.answer(w, r, v.ID)
}

// ExtensionRequest extends a deadline, with the reason the person is told: complexity or
// volume.
type ExtensionRequest struct {
	Reason string `json:"reason"`
}

func (h rightsAPI) extend(w http.ResponseWriter, r *http.Request) error {
	var in ExtensionRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.rights.Extend(r.Context(), r.PathValue("id"), in.Reason, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	return h.answer(w, r, v.ID)
}

// answer writes the request as the operator sees it (with who asked, masked by role).
func (h rightsAPI) answer(w http.ResponseWriter, r *http.Request, id string) error {
	p := principal(r)
	v, err := h.rights.GetAs(r.Context(), id, rights.Viewer{Actor: p.Operator.ID, Role: p.Operator.Role})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
