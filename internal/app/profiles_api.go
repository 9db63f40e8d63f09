package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
)

// profilesAPI implements server.Profiles over the profile engine.
type profilesAPI struct{ a *App }

func (p profilesAPI) engine() (*profile.Engine, error) {
	if p.a.Profiles == nil || !p.a.Profiles.Ready() {
		return nil, server.Errorf(http.StatusServiceUnavailable, server.CodeUnavailable, "profiles are still loading; try again shortly")
	}
	return p.a.Profiles, nil
}

// refused turns a refused definition into a 400 with its message.
func refused(err error) error {
	if profile.IsDefinitionError(err) {
		return server.Errorf(http.StatusBadRequest, server.CodeInvalidDefinition, "%s", err.Error())
	}
	return err
}

// strictJSON decodes a definition, refusing unknown fields and trailing data.
func strictJSON(raw json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return server.Errorf(http.StatusBadRequest, server.CodeInvalidDefinition, "definition: %v", err)
	}
	return nil
}

func (p profilesAPI) Tags(context.Context) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": e.Tags()}, nil
}

func (p profilesAPI) Tag(_ context.Context, name string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	v, ok := e.Tag(name)
	if !ok {
		return nil, store.ErrNotFound
	}
	return v, nil
}

func (p profilesAPI) DefineTag(ctx context.Context, raw json.RawMessage, actor string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	var def manifest.Tag
	if err := strictJSON(raw, &def); err != nil {
		return nil, err
	}
	v, err := e.DefineTag(ctx, def, actor)
	if err != nil {
		return nil, refused(err)
	}
	if err := p.a.Record(ctx, audit.ActDefinitionChange, "", actor, def.Purpose, "", map[string]string{"tag": def.Name, "change": "defined"}); err != nil {
		return nil, err
	}
	return v, nil
}

func (p profilesAPI) DeleteTag(ctx context.Context, name, actor string) error {
	e, err := p.engine()
	if err != nil {
		return err
	}
	if err := e.DeleteTag(ctx, name); err != nil {
		return refused(err)
	}
	return p.a.Record(ctx, audit.ActDefinitionChange, "", actor, "", "", map[string]string{"tag": name, "change": "removed"})
}

func (p profilesAPI) Refresh(ctx context.Context, _ string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if _, err := e.Sync(ctx); err != nil {
		return nil, err
	}
	if err := e.Refresh(ctx); err != nil {
		return nil, err
	}
	return map[string]any{"tags": len(e.Tags()), "segments": len(e.Segments()), "took_ms": time.Since(start).Milliseconds()}, nil
}

func (p profilesAPI) Segments(context.Context) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	return map[string]any{"segments": e.Segments()}, nil
}

func (p profilesAPI) Segment(_ context.Context, name string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	v, ok := e.Segment(name)
	if !ok {
		return nil, store.ErrNotFound
	}
	return v, nil
}

func (p profilesAPI) DefineSegment(ctx context.Context, raw json.RawMessage, actor string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	var def profile.SegmentDef
	if err := strictJSON(raw, &def); err != nil {
		return nil, err
	}
	v, err := e.DefineSegment(ctx, def, actor)
	if err != nil {
		return nil, refused(err)
	}
	if err := p.a.Record(ctx, audit.ActDefinitionChange, "", actor, def.Purpose, "", map[string]string{"segment": def.Name, "change": "defined"}); err != nil {
		return nil, err
	}
	return v, nil
}

func (p profilesAPI) DeleteSegment(ctx context.Context, name, actor string) error {
	e, err := p.engine()
	if err != nil {
		return err
	}
	if err := e.DeleteSegment(ctx, name); err != nil {
		return err
	}
	return p.a.Record(ctx, audit.ActDefinitionChange, "", actor, "", "", map[string]string{"segment": name, "change": "removed"})
}

func (p profilesAPI) Preview(ctx context.Context, expression, purpose string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	plan, err := e.CompileSegment(profile.SegmentDef{Name: "preview", Expression: expression, Purpose: purpose})
	if err != nil {
		return nil, server.Errorf(http.StatusBadRequest, server.CodeInvalidDefinition, "%s", err.Error())
	}
	return e.Preview(ctx, plan, purpose)
}

// Export releases a segment's audience: the shop's own pseudonymous subject ids, for the
// segment's purpose, only at or above the minimum audience size, and audited.
func (p profilesAPI) Export(ctx context.Context, name string, k int, actor string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	ids, v, err := e.Export(name, k)
	switch {
	case errors.Is(err, profile.ErrNoSuchSegment):
		return nil, store.ErrNotFound
	case errors.Is(err, segment.ErrAudienceTooSmall):
		return nil, server.Errorf(http.StatusUnprocessableEntity, server.CodeAudienceTooSmall, "%s", err.Error())
	case err != nil:
		return nil, err
	}
	pu, _ := p.a.Manifest().Taxonomy.Purpose(v.Purpose)
	if err := p.a.Record(ctx, audit.ActActivation, "", actor, v.Purpose, string(pu.Basis),
		map[string]string{"segment": name, "audience": strconv.Itoa(len(ids))}); err != nil {
		return nil, err
	}
	return map[string]any{"segment": name, "purpose": v.Purpose, "size": len(ids), "subjects": ids}, nil
}

// Profile is an operator's view of one person's profile for a purpose: only the traits and
// events the manifest lets that purpose read, and nothing if the person's standing does not
// permit the purpose.
func (p profilesAPI) Profile(ctx context.Context, userID, purpose, actor string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	m := p.a.Manifest()
	if _, ok := m.Taxonomy.Purpose(purpose); !ok {
		return nil, server.Errorf(http.StatusBadRequest, server.CodeBadRequest, "unknown purpose %q", purpose)
	}
	sub, err := subjects{p.a}.SubjectForUserID(ctx, userID)
	if err != nil {
		return nil, err
	}
	traits, specs := profileAttributes(m, purpose)
	person, ok := e.PersonOf(sub, traits, specs)
	if !ok {
		return nil, store.ErrNotFound
	}
	st, err := profileSource{p.a}.Standing(ctx, sub, profile.Facts{}, nil)
	if err != nil {
		return nil, err
	}
	if !st.Permitted[purpose] {
		return nil, server.Errorf(http.StatusForbidden, server.CodeForbidden, "this person's choices do not permit %s", purpose)
	}
	if err := p.a.Record(ctx, audit.ActRead, sub, actor, purpose, "", map[string]string{"what": "profile"}); err != nil {
		return nil, err
	}
	return map[string]any{"purpose": purpose, "profile": person}, nil
}

// attributeWindows are the windows computed attributes are reported over.
var attributeWindows = []expr.Duration{{N: 7, Unit: 'd'}, {N: 30, Unit: 'd'}, {N: 90, Unit: 'd'}}

// profileAttributes lists what a purpose's profile shows: the traits it may read and, per
// event it may read, counts over 7/30/90 days and days since the last one, and for each
// numeric property sums over those windows and the last value — each with its categories.
func profileAttributes(m *manifest.Manifest, purpose string) ([]string, []profile.AttributeSpec) {
	schema := m.SegmentSchema(purpose, nil)
	var traits, events []string
	for t := range schema.Traits {
		traits = append(traits, t)
	}
	for ev := range schema.Events {
		events = append(events, ev)
	}
	slices.Sort(traits)
	slices.Sort(events)
	var specs []profile.AttributeSpec
	add := func(name string, t expr.Term, last bool) {
		specs = append(specs, profile.AttributeSpec{Name: name, Term: t, Last: last, Categories: m.UseOfTerm(t, purpose).Categories})
	}
	for _, ev := range events {
		for _, w := range attributeWindows {
			add(fmt.Sprintf("count(%q, %s)", ev, w), expr.Term{Func: expr.Count, Name: ev, Window: w}, false)
		}
		add(fmt.Sprintf("days_since(%q)", ev), expr.Term{Func: expr.LastSeen, Name: ev}, false)
		for _, prop := range schema.Events[ev] {
			if f, ok := m.FieldFor(ev, "properties."+prop); !ok || f.Type != "number" {
				continue
			}
			for _, w := range attributeWindows[1:] {
				add(fmt.Sprintf("sum(%q, %q, %s)", ev, prop, w), expr.Term{Func: expr.Sum, Name: ev, Prop: prop, Window: w}, false)
			}
			add(fmt.Sprintf("last(%q, %q)", ev, prop), expr.Term{Func: expr.Sum, Name: ev, Prop: prop}, true)
		}
	}
	return traits, specs
}

func (p profilesAPI) MyTags(ctx context.Context, subjectID, lang string) (any, error) {
	e, err := p.engine()
	if err != nil {
		return nil, err
	}
	tags := []map[string]any{}
	for _, as := range e.TagsOf(subjectID, lang, true) {
		purpose := as.Tag.Purpose
		if pu, ok := p.a.Manifest().Taxonomy.Purpose(purpose); ok {
			purpose = p.a.purposeName(pu, lang)
		}
		tags = append(tags, map[string]any{"name": as.Tag.Name, "label": localized(as.Tag.Label, lang, as.Tag.Name),
			"explanation": localized(as.Tag.Explain, lang, ""), "evidence": as.Evidence, "purpose": as.Tag.Purpose,
			"purpose_name": purpose, "kind": as.Tag.Kind, "assigned_at": as.AssignedAt, "expires_at": as.ExpiresAt, "deletable": as.Tag.Deletable})
	}
	deleted := []map[string]any{}
	sups, err := e.Deleted(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	for _, s := range sups {
		label := s.Tag
		if v, ok := e.Tag(s.Tag); ok {
			label = localized(v.Label, lang, s.Tag)
		}
		deleted = append(deleted, map[string]any{"name": s.Tag, "label": label, "deleted_at": s.DeletedAt})
	}
	return map[string]any{"tags": tags, "deleted": deleted}, nil
}

func localized(m map[string]string, lang, fallback string) string {
	if v := m[lang]; v != "" {
		return v
	}
	if v := m["en"]; v != "" {
		return v
	}
	return fallback
}

func (p profilesAPI) DeleteMyTag(ctx context.Context, subjectID, name string) error {
	e, err := p.engine()
	if err != nil {
		return err
	}
	switch err := e.Suppress(ctx, subjectID, name); {
	case errors.Is(err, profile.ErrNotCarried):
		return server.Errorf(http.StatusNotFound, server.CodeNotFound, "you do not carry the tag %q", name)
	case errors.Is(err, profile.ErrNotDeletable):
		return server.Errorf(http.StatusConflict, server.CodeConflict, "the tag %q cannot be deleted; you can object to its purpose instead", name)
	case err != nil:
		return err
	}
	v, _ := e.Tag(name)
	return p.a.Record(ctx, audit.ActTagDeleted, subjectID, "subject", v.Purpose, "", map[string]string{"tag": name})
}
