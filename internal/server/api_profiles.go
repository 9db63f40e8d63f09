package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// profilesAPI serves governed tags, segments and their audiences, and the privacy center's
// tags section.
type profilesAPI struct {
	engine *profile.Engine
	regime *regime.Service
}

// TagList is every tag in force.
type TagList struct {
	Tags []profile.TagView `json:"tags"`
}

// SegmentList is every segment with its counts.
type SegmentList struct {
	Segments []profile.SegmentView `json:"segments"`
}

// Refreshed says what a recompute covered.
type Refreshed struct {
	Tags     int   `json:"tags"`
	Segments int   `json:"segments"`
	TookMS   int64 `json:"took_ms"`
}

// PreviewRequest asks for the counts of an expression for a purpose.
type PreviewRequest struct {
	Expression string `json:"expression"`
	Purpose    string `json:"purpose"`
}

// ExportRequest releases an audience (min_audience 0: the default minimum).
type ExportRequest struct {
	MinAudience int `json:"min_audience,omitempty"`
	// Recipient, when set, names who receives the audience (as the manifest names it): a
	// recipient abroad gets only people who gave separate consent, under a valid transfer
	// mechanism, entered in the transfer register (issue 26).
	Recipient string `json:"recipient,omitempty"`
}

func (h profilesAPI) tags(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, TagList{Tags: h.engine.Tags()})
	return nil
}

func (h profilesAPI) tag(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	v, ok := h.engine.Tag(r.PathValue("name"))
	if !ok {
		return store.ErrNotFound
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h profilesAPI) defineTag(w http.ResponseWriter, r *http.Request) error {
	var def manifest.Tag
	if err := decodeDefinition(r, &def); err != nil {
		return err
	}
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	v, err := h.engine.DefineTag(r.Context(), def, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (h profilesAPI) deleteTag(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	if err := h.engine.DeleteTag(r.Context(), r.PathValue("name"), principal(r).Operator.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h profilesAPI) refresh(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	start := time.Now()
	if _, err := h.engine.Sync(r.Context()); err != nil {
		return err
	}
	if err := h.engine.Refresh(r.Context()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Refreshed{Tags: len(h.engine.Tags()), Segments: len(h.engine.Segments()), TookMS: time.Since(start).Milliseconds()})
	return nil
}

func (h profilesAPI) segments(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SegmentList{Segments: h.engine.Segments()})
	return nil
}

func (h profilesAPI) segment(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	v, ok := h.engine.Segment(r.PathValue("name"))
	if !ok {
		return store.ErrNotFound
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h profilesAPI) defineSegment(w http.ResponseWriter, r *http.Request) error {
	var def profile.SegmentDef
	if err := decodeDefinition(r, &def); err != nil {
		return err
	}
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	v, err := h.engine.DefineSegment(r.Context(), def, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (h profilesAPI) deleteSegment(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	if err := h.engine.DeleteSegment(r.Context(), r.PathValue("name"), principal(r).Operator.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h profilesAPI) preview(w http.ResponseWriter, r *http.Request) error {
	var in PreviewRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Expression) == "" || in.Purpose == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "expression and purpose are required")
	}
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	plan, err := h.engine.CompileSegment(profile.SegmentDef{Name: "preview", Expression: in.Expression, Purpose: in.Purpose})
	if err != nil {
		return &profile.DefinitionError{Err: err}
	}
	p, err := h.engine.Preview(r.Context(), plan, in.Purpose)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (h profilesAPI) export(w http.ResponseWriter, r *http.Request) error {
	var in ExportRequest
	if err := optionalJSON(r, &in); err != nil {
		return err
	}
	if in.MinAudience < 0 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "min_audience must not be negative")
	}
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	rel, err := h.engine.ReleaseTo(r.Context(), r.PathValue("name"), in.MinAudience, principal(r).Operator.ID, in.Recipient)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rel)
	return nil
}

func (h profilesAPI) myTags(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	doc, err := h.engine.TagsFor(r.Context(), subjectPrincipal(r).SubjectID, lang(r), h.regime.Current().PurposeName)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (h profilesAPI) deleteMyTag(w http.ResponseWriter, r *http.Request) error {
	if err := h.engine.CheckReady(); err != nil {
		return err
	}
	if err := h.engine.Suppress(r.Context(), subjectPrincipal(r).SubjectID, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
