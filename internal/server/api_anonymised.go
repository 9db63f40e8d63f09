package server

import (
	"net/http"

	"github.com/stewardhq/steward/internal/anonexport"
)

// anonymisedAPI serves anonymised exports: what one may hold, the privacy officer's
// preview (risk before and after, never a value) and the audited release.
type anonymisedAPI struct {
	svc *anonexport.Service
}

// AnonymisedExportRequest releases an anonymised export: the request as previewed, the
// preview it must match (optional) and the form of the data.
type AnonymisedExportRequest struct {
	anonexport.Spec
	// PreviewID, when given, must be the preview_id of a preview of the same request over
	// the same data; a release of anything else is refused with 409.
	PreviewID string `json:"preview_id,omitempty"`
	// Format is csv (default: the file in the csv member) or json (header and rows).
	Format string `json:"format,omitempty"`
}

func (h anonymisedAPI) options(w http.ResponseWriter, r *http.Request) error {
	o, err := h.svc.Options(r.URL.Query().Get("purpose"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (h anonymisedAPI) preview(w http.ResponseWriter, r *http.Request) error {
	var in anonexport.Spec
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.svc.Preview(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (h anonymisedAPI) release(w http.ResponseWriter, r *http.Request) error {
	var in AnonymisedExportRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rel, err := h.svc.Release(r.Context(), in.Spec, anonexport.ReleaseOptions{Actor: principal(r).Operator.ID, Format: in.Format, PreviewID: in.PreviewID})
	if err != nil {
		return err
	}
	// The file is personal data's anonymised form: not to be cached on the way.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, rel)
	return nil
}
