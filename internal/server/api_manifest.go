package server

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
)

// Manifests is the privacy manifest as the operator API sees it. The app implements it.
type Manifests interface {
	// Current returns the manifest in force: version, hash, YAML and a summary.
	Current(ctx context.Context) (any, error)
	Versions(ctx context.Context) (any, error)
	Version(ctx context.Context, seq int64) (any, error)
	// Diff compares two stored versions.
	Diff(ctx context.Context, from, to int64) (any, error)
	// Publish checks and stores a new version and puts it in force. Errors that name
	// places in the file are returned as *LocatedErrors.
	Publish(ctx context.Context, yaml []byte, actor string) (any, error)
	// Notice returns the layered notice (summary and full text) of the version in force
	// (seq 0) or of a stored version, for a just-in-time moment or for everything.
	Notice(ctx context.Context, seq int64, lang, moment string) (any, error)
	// SDKConfig returns what the consent SDK shows: banner categories with plain
	// statements, which of them GPC switches off, and the notice version and hash.
	SDKConfig(ctx context.Context, lang string) (any, error)
	// Taxonomy returns the categories and purposes with their grades, bases and statements.
	Taxonomy(ctx context.Context, lang string) (any, error)
}

// LocatedError is one manifest mistake with its place.
type LocatedError struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// LocatedErrors is a refused manifest: 400 with every mistake listed.
type LocatedErrors struct{ Errors []LocatedError }

func (e *LocatedErrors) Error() string {
	return strconv.Itoa(len(e.Errors)) + " errors in the manifest"
}

func (s *Server) manifestsOr503() (Manifests, error) {
	if s.cfg.Manifests == nil {
		return nil, Errorf(http.StatusServiceUnavailable, CodeUnavailable, "the manifest API is not enabled on this server")
	}
	return s.cfg.Manifests, nil
}

// manifestDoc answers 200 with what f returns from the manifest API.
func (s *Server) manifestDoc(w http.ResponseWriter, f func(Manifests) (any, error)) error {
	m, err := s.manifestsOr503()
	if err != nil {
		return err
	}
	doc, err := f(m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) getManifest(w http.ResponseWriter, r *http.Request) error {
	return s.manifestDoc(w, func(m Manifests) (any, error) { return m.Current(r.Context()) })
}

func (s *Server) listManifestVersions(w http.ResponseWriter, r *http.Request) error {
	return s.manifestDoc(w, func(m Manifests) (any, error) { return m.Versions(r.Context()) })
}

// seqParam reads the {seq} path value.
func seqParam(r *http.Request) (int64, error) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq <= 0 {
		return 0, Errorf(http.StatusBadRequest, CodeBadRequest, "the version is a positive number")
	}
	return seq, nil
}

func (s *Server) getManifestVersion(w http.ResponseWriter, r *http.Request) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	return s.manifestDoc(w, func(m Manifests) (any, error) { return m.Version(r.Context(), seq) })
}

func (s *Server) diffManifests(w http.ResponseWriter, r *http.Request) error {
	from, err1 := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	to, err2 := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
	if err1 != nil || err2 != nil || from <= 0 || to <= 0 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "from and to are version numbers: ?from=1&to=2")
	}
	return s.manifestDoc(w, func(m Manifests) (any, error) { return m.Diff(r.Context(), from, to) })
}

// putManifest takes the YAML as the body (application/yaml, text/yaml or text/plain).
func (s *Server) putManifest(w http.ResponseWriter, r *http.Request) error {
	m, err := s.manifestsOr503()
	if err != nil {
		return err
	}
	switch ct := r.Header.Get("Content-Type"); {
	case ct == "", hasMediaType(ct, "application/yaml"), hasMediaType(ct, "text/yaml"), hasMediaType(ct, "application/x-yaml"), hasMediaType(ct, "text/plain"):
	default:
		return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send the manifest as application/yaml")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	doc, err := m.Publish(r.Context(), body, principal(r).Operator.ID)
	var le *LocatedErrors
	if errors.As(err, &le) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "invalid_manifest",
			"message": le.Error() + "; nothing was changed", "errors": le.Errors}})
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, doc)
	return nil
}

func (s *Server) getTaxonomy(w http.ResponseWriter, r *http.Request) error {
	return s.manifestDoc(w, func(m Manifests) (any, error) { return m.Taxonomy(r.Context(), lang(r)) })
}

func hasMediaType(ct, want string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == want
}

func (s *Server) sdkConfig(w http.ResponseWriter, r *http.Request) error {
	m, err := s.manifestsOr503()
	if err != nil {
		return err
	}
	doc, err := m.SDKConfig(r.Context(), lang(r))
	if err != nil {
		return err
	}
	allowCORS(w)
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) publicNotice(w http.ResponseWriter, r *http.Request) error {
	m, err := s.manifestsOr503()
	if err != nil {
		return err
	}
	doc, err := m.Notice(r.Context(), 0, lang(r), r.URL.Query().Get("moment"))
	if err != nil {
		return err
	}
	allowCORS(w)
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) versionNotice(w http.ResponseWriter, r *http.Request) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	return s.manifestDoc(w, func(m Manifests) (any, error) {
		return m.Notice(r.Context(), seq, lang(r), r.URL.Query().Get("moment"))
	})
}
