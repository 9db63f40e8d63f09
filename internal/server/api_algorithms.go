package server

import (
	"net/http"

	"github.com/stewardhq/steward/internal/algorithm"
	"github.com/stewardhq/steward/internal/regime"
)

// algorithmsAPI serves the algorithm register (issue 24 item 2): public in both languages,
// changed and assessed by operators.
type algorithmsAPI struct {
	reg    *algorithm.Register
	regime *regime.Service
	page   http.Handler
}

// publicList serves GET /api/v1/algorithms/public: the register for everyone.
func (h algorithmsAPI) publicList(w http.ResponseWriter, r *http.Request) error {
	var names algorithm.Namer
	if h.regime != nil {
		names = h.regime.Current()
	}
	pl, err := h.reg.Public(r.Context(), lang(r), names)
	if err != nil {
		return err
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, pl)
	return nil
}

// publicPage serves GET /algorithms, rendered on the server by the web UI.
func (h algorithmsAPI) publicPage(w http.ResponseWriter, r *http.Request) error {
	if h.page == nil {
		return Errorf(http.StatusNotFound, CodeNotFound, "no algorithms page on this server")
	}
	h.page.ServeHTTP(w, r)
	return nil
}

// EntryList lists the register for operators.
type EntryList struct {
	Algorithms []algorithm.Entry `json:"algorithms"`
}

func (h algorithmsAPI) list(w http.ResponseWriter, r *http.Request) error {
	es, err := h.reg.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, EntryList{Algorithms: es})
	return nil
}

func (h algorithmsAPI) put(w http.ResponseWriter, r *http.Request) error {
	var in algorithm.Algorithm
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.ID == "" {
		in.ID = r.PathValue("id")
	}
	if in.ID != r.PathValue("id") {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "the body's id %q is not the path's", in.ID)
	}
	e, err := h.reg.Put(r.Context(), in, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

// AssessmentList lists an algorithm's assessments.
type AssessmentList struct {
	Assessments []algorithm.Assessment `json:"assessments"`
}

func (h algorithmsAPI) assessments(w http.ResponseWriter, r *http.Request) error {
	as, err := h.reg.Assessments(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AssessmentList{Assessments: as})
	return nil
}

func (h algorithmsAPI) assess(w http.ResponseWriter, r *http.Request) error {
	var in algorithm.AssessmentInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := h.reg.Assess(r.Context(), r.PathValue("id"), in, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}
