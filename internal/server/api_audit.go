package server

import (
	"net/http"

	"github.com/stewardhq/steward/internal/audit"
)

// auditAPI serves the ledger's checkpoints, leaves and proofs, and a person's transparency
// report.
type auditAPI struct{ log *audit.Log }

func (h auditAPI) latest(w http.ResponseWriter, r *http.Request) error {
	cp, err := h.log.Latest(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cp)
	return nil
}

func (h auditAPI) sign(w http.ResponseWriter, r *http.Request) error {
	cp, err := h.log.Sign(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cp)
	return nil
}

func (h auditAPI) leaf(w http.ResponseWriter, r *http.Request) error {
	i, err := uintParam(r, "index", true)
	if err != nil {
		return err
	}
	l, err := h.log.Leaf(r.Context(), i)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (h auditAPI) inclusion(w http.ResponseWriter, r *http.Request) error {
	i, err := uintParam(r, "index", false)
	if err != nil {
		return err
	}
	n, err := uintParam(r, "size", false)
	if err != nil {
		return err
	}
	if i >= n {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "index must be below size")
	}
	p, err := h.log.Inclusion(r.Context(), i, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (h auditAPI) consistency(w http.ResponseWriter, r *http.Request) error {
	o, err := uintParam(r, "old", false)
	if err != nil {
		return err
	}
	n, err := uintParam(r, "new", false)
	if err != nil {
		return err
	}
	if o == 0 || o > n {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "0 < old <= new")
	}
	p, err := h.log.Consistency(r.Context(), o, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// report is the signed-in person's transparency report.
func (h auditAPI) report(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.log.Report(r.Context(), subjectPrincipal(r).SubjectID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
