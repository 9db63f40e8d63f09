package server

import (
	"io"
	"net/http"
	"strconv"

	"github.com/stewardhq/steward/internal/regime"
)

// manifestAPI serves the privacy manifest, its versions, notices, the taxonomy and the
// banner's settings.
type manifestAPI struct{ svc *regime.Service }

// VersionList is every stored manifest version, newest first.
type VersionList struct {
	Versions []regime.VersionInfo `json:"versions"`
}

func (h manifestAPI) current(w http.ResponseWriter, r *http.Request) error {
	v, err := h.svc.InForce(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h manifestAPI) versions(w http.ResponseWriter, r *http.Request) error {
	vs, err := h.svc.Versions(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, VersionList{Versions: vs})
	return nil
}

func (h manifestAPI) version(w http.ResponseWriter, r *http.Request) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	v, err := h.svc.Version(r.Context(), seq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h manifestAPI) diff(w http.ResponseWriter, r *http.Request) error {
	from, err1 := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	to, err2 := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
	if err1 != nil || err2 != nil || from <= 0 || to <= 0 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "from and to are version numbers: ?from=1&to=2")
	}
	d, err := h.svc.DiffVersions(r.Context(), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// publish takes the YAML as the body (application/yaml, text/yaml or text/plain).
func (h manifestAPI) publish(w http.ResponseWriter, r *http.Request) error {
	switch ct := r.Header.Get("Content-Type"); {
	case ct == "", hasMediaType(ct, "application/yaml"), hasMediaType(ct, "text/yaml"), hasMediaType(ct, "application/x-yaml"), hasMediaType(ct, "text/plain"):
	default:
		return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send the manifest as application/yaml")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	sum, err := h.svc.Publish(r.Context(), body, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sum)
	return nil
}

func (h manifestAPI) taxonomy(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, h.svc.Current().TaxonomyIn(lang(r)))
	return nil
}

// banner is what the consent SDK shows: public, cached briefly, any origin.
func (h manifestAPI) banner(w http.ResponseWriter, r *http.Request) error {
	allowCORS(w)
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, h.svc.Current().BannerIn(lang(r)))
	return nil
}

// publicNotice is the layered notice in force, for shop pages.
func (h manifestAPI) publicNotice(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.svc.Notice(r.Context(), 0, lang(r), r.URL.Query().Get("moment"))
	if err != nil {
		return err
	}
	allowCORS(w)
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (h manifestAPI) versionNotice(w http.ResponseWriter, r *http.Request) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	doc, err := h.svc.Notice(r.Context(), seq, lang(r), r.URL.Query().Get("moment"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}
