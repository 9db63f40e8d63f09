package server

import (
	"net/http"
)

// The person's transparency report in plain words, and where their data went (issue 18
// item 5, issue 25 item 4): both built by rights from the audit log, each line with the
// entry and proof the page checks.

func (h meAPI) activity(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.rights.Activity(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (h meAPI) flows(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.rights.Flows(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}
