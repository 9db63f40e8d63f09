package server

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Profiles backs profiles, governed tags and segments, and the privacy center's tags
// section. The app implements it. Definitions arrive as raw JSON: the app decodes them
// strictly into its own types, so this package does not know their fields.
type Profiles interface {
	// Tags lists every tag definition with its coverage (how many people carry it), how many
	// deleted it, and when the next value expires.
	Tags(ctx context.Context) (any, error)
	Tag(ctx context.Context, name string) (any, error)
	// DefineTag validates and stores a tag definition (create or replace). A refused
	// definition is an *Error with status 400 naming what is wrong (e.g. the sensitive
	// category a marketing tag would be built on).
	DefineTag(ctx context.Context, def json.RawMessage, actor string) (any, error)
	DeleteTag(ctx context.Context, name, actor string) error
	// Refresh recomputes every tag and segment now.
	Refresh(ctx context.Context, actor string) (any, error)
	Segments(ctx context.Context) (any, error)
	Segment(ctx context.Context, name string) (any, error)
	DefineSegment(ctx context.Context, def json.RawMessage, actor string) (any, error)
	DeleteSegment(ctx context.Context, name, actor string) error
	// Preview evaluates an expression for a purpose and returns counts only.
	Preview(ctx context.Context, expression, purpose string) (any, error)
	// Export releases a segment's audience for its purpose when it reaches the minimum
	// size k (0: the default); smaller audiences are an *Error with status 422.
	Export(ctx context.Context, name string, k int, actor string) (any, error)
	// Profile returns the profile of the shop's userId as purpose may see it.
	Profile(ctx context.Context, userID, purpose, actor string) (any, error)
	// MyTags lists the tags used on the subject, each with a plain explanation of why.
	MyTags(ctx context.Context, subjectID, lang string) (any, error)
	// DeleteMyTag removes a deletable tag from the subject for good: it is not
	// recomputed for them.
	DeleteMyTag(ctx context.Context, subjectID, name string) error
}

// Error codes of the profiles API.
const (
	CodeInvalidDefinition = "invalid_definition"
	CodeAudienceTooSmall  = "audience_too_small"
)

func (s *Server) profilesOr503() (Profiles, error) {
	if s.cfg.Profiles == nil {
		return nil, Errorf(http.StatusServiceUnavailable, CodeUnavailable, "profiles, tags and segments are not enabled on this server")
	}
	return s.cfg.Profiles, nil
}

// profilesDoc answers status with what f returns.
func (s *Server) profilesDoc(w http.ResponseWriter, status int, f func(Profiles) (any, error)) error {
	p, err := s.profilesOr503()
	if err != nil {
		return err
	}
	doc, err := f(p)
	if err != nil {
		return err
	}
	writeJSON(w, status, doc)
	return nil
}

// rawJSONObject reads a JSON object body without decoding its fields.
func rawJSONObject(r *http.Request) (json.RawMessage, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return nil, Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type must be application/json, got %q", mt)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, jsonError(err)
	}
	return b, nil
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request) error {
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) { return p.Tags(r.Context()) })
}

func (s *Server) getTag(w http.ResponseWriter, r *http.Request) error {
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) { return p.Tag(r.Context(), r.PathValue("name")) })
}

func (s *Server) defineTag(w http.ResponseWriter, r *http.Request) error {
	body, err := rawJSONObject(r)
	if err != nil {
		return err
	}
	return s.profilesDoc(w, http.StatusCreated, func(p Profiles) (any, error) {
		return p.DefineTag(r.Context(), body, principal(r).Operator.ID)
	})
}

func (s *Server) deleteTag(w http.ResponseWriter, r *http.Request) error {
	p, err := s.profilesOr503()
	if err != nil {
		return err
	}
	if err := p.DeleteTag(r.Context(), r.PathValue("name"), principal(r).Operator.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) refreshProfiles(w http.ResponseWriter, r *http.Request) error {
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) { return p.Refresh(r.Context(), principal(r).Operator.ID) })
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) error {
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) { return p.Segments(r.Context()) })
}

func (s *Server) getSegment(w http.ResponseWriter, r *http.Request) error {
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) { return p.Segment(r.Context(), r.PathValue("name")) })
}

func (s *Server) defineSegment(w http.ResponseWriter, r *http.Request) error {
	body, err := rawJSONObject(r)
	if err != nil {
		return err
	}
	return s.profilesDoc(w, http.StatusCreated, func(p Profiles) (any, error) {
		return p.DefineSegment(r.Context(), body, principal(r).Operator.ID)
	})
}

func (s *Server) deleteSegment(w http.ResponseWriter, r *http.Request) error {
	p, err := s.profilesOr503()
	if err != nil {
		return err
	}
	if err := p.DeleteSegment(r.Context(), r.PathValue("name"), principal(r).Operator.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) previewSegment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Expression string `json:"expression"`
		Purpose    string `json:"purpose"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Expression) == "" || in.Purpose == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "expression and purpose are required")
	}
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) { return p.Preview(r.Context(), in.Expression, in.Purpose) })
}

func (s *Server) exportSegment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		MinAudience int `json:"min_audience"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	if in.MinAudience < 0 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "min_audience must not be negative")
	}
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) {
		return p.Export(r.Context(), r.PathValue("name"), in.MinAudience, principal(r).Operator.ID)
	})
}

func (s *Server) subjectProfile(w http.ResponseWriter, r *http.Request) error {
	purpose := r.URL.Query().Get("purpose")
	if purpose == "" {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "a profile is read for a purpose: add ?purpose=")
	}
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) {
		return p.Profile(r.Context(), r.PathValue("id"), purpose, principal(r).Operator.ID)
	})
}

func (s *Server) myTags(w http.ResponseWriter, r *http.Request) error {
	return s.profilesDoc(w, http.StatusOK, func(p Profiles) (any, error) {
		return p.MyTags(r.Context(), subjectPrincipal(r).SubjectID, lang(r))
	})
}

func (s *Server) deleteMyTag(w http.ResponseWriter, r *http.Request) error {
	p, err := s.profilesOr503()
	if err != nil {
		return err
	}
	if err := p.DeleteMyTag(r.Context(), subjectPrincipal(r).SubjectID, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
