package profile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/audit"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/store"
)

// TagView is a tag definition with what it currently covers.
type TagView struct {
	manifest.Tag
	Origin      string     `json:"origin"`
	Coverage    int        `json:"coverage"`
	DeletedBy   uint64     `json:"deleted_by"`
	NextExpiry  *time.Time `json:"next_expiry"`
	LastRefresh *time.Time `json:"last_refresh"`
}

func (e *Engine) tagView(t *tagState) TagView {
	v := TagView{Tag: t.def, Origin: t.origin, Coverage: len(t.values)}
	if bm := e.suppressed[t.def.Name]; bm != nil {
		v.DeletedBy = bm.GetCardinality()
	}
	for _, at := range t.values {
		if exp := at.Add(t.ttl).UTC(); v.NextExpiry == nil || exp.Before(*v.NextExpiry) {
			v.NextExpiry = &exp
		}
	}
	if !t.lastRefresh.IsZero() {
		lr := t.lastRefresh.UTC()
		v.LastRefresh = &lr
	}
	return v
}

// Tags lists every tag in force with its coverage, deletions and next expiry.
func (e *Engine) Tags() []TagView {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]TagView, 0, len(e.tags))
	for _, t := range e.tags {
		out = append(out, e.tagView(t))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Tag returns one tag's view.
func (e *Engine) Tag(name string) (TagView, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, ok := e.byName[name]
	if !ok {
		return TagView{}, false
	}
	return e.tagView(t), true
}

// TagNames lists the tags in force.
func (e *Engine) TagNames() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]string, 0, len(e.tags))
	for _, t := range e.tags {
		out = append(out, t.def.Name)
	}
	return out
}

// Evidence is one fact behind a tag, for the person's explanation.
type Evidence struct {
	What  string `json:"what"`
	Value string `json:"value"`
}

// Assignment is a tag a person carries, with why.
type Assignment struct {
	Tag        manifest.Tag
	AssignedAt time.Time
	ExpiresAt  time.Time
	Evidence   []Evidence
}

// Suppressed is a tag the person deleted.
type Suppressed struct {
	Tag       string
	DeletedAt time.Time
}

// TagsOf returns the tags a person carries (user-visible ones only when visibleOnly), each
// with the facts that make it apply, phrased in lang (en or zh-CN).
func (e *Engine) TagsOf(subjectID, lang string, visibleOnly bool) []Assignment {
	e.mu.RLock()
	defer e.mu.RUnlock()
	d, ok := e.dense[subjectID]
	if !ok {
		return nil
	}
	now := e.cfg.Now()
	var out []Assignment
	for _, t := range e.tags {
		at, ok := t.values[d]
		if !ok || (visibleOnly && !t.def.UserVisible) {
			continue
		}
		out = append(out, Assignment{Tag: t.def, AssignedAt: at.UTC(), ExpiresAt: at.Add(t.ttl).UTC(), Evidence: e.evidence(t, d, now, lang)})
	}
	return out
}

// evidence phrases the terms behind a tag with this person's values.
func (e *Engine) evidence(t *tagState, d uint32, now time.Time, lang string) []Evidence {
	var out []Evidence
	switch t.def.Kind {
	case manifest.TagRule:
		terms, refs, _ := t.def.Terms()
		for _, term := range terms {
			out = append(out, Evidence{What: e.describeTerm(term, lang), Value: e.termText(term, d, now)})
		}
		for _, r := range refs {
			out = append(out, Evidence{What: pick(lang, "tag ", "标签 ") + r, Value: pick(lang, "applies", "适用")})
		}
	case manifest.TagStatistical:
		v, _ := termValue(e.idx, d, t.terms[0], now)
		out = append(out, Evidence{What: e.describeTerm(t.terms[0], lang), Value: num(v)},
			Evidence{What: pick(lang, "threshold (top ", "门槛（前 ") + strconv.FormatFloat((1-t.def.Quantile)*100, 'f', -1, 64) + "%" + pick(lang, ")", "）"), Value: num(t.cut)})
	case manifest.TagModel:
		for i, f := range t.def.Model.Features {
			v, _ := termValue(e.idx, d, t.terms[i], now)
			out = append(out, Evidence{What: e.describeTerm(t.terms[i], lang) + pick(lang, " × weight ", " × 权重 ") + num(f.Weight), Value: num(v)})
		}
		out = append(out, Evidence{What: pick(lang, "score (threshold ", "得分（门槛 ") + num(t.def.Model.Threshold) + pick(lang, ")", "）"),
			Value: num(math.Round(modelScore(t, e.idx, d, now)*1000) / 1000)})
	}
	return out
}

func (e *Engine) termText(term expr.Term, d uint32, now time.Time) string {
	if term.Func == expr.Trait {
		v, ok := e.idx.TraitOf(d, term.Name)
		if !ok {
			return "—"
		}
		if v.Kind == expr.String {
			return v.Str
		}
		return num(v.Num)
	}
	v, ok := termValue(e.idx, d, term, now)
	if !ok {
		return "—"
	}
	return num(math.Round(v*100) / 100)
}

// describeTerm says what a term of a tag's rule counts, in the person's language: events and
// fields by the names the manifest gives them (the privacy center's own words), the raw key
// only where the manifest names it in neither language.
func (e *Engine) describeTerm(t expr.Term, lang string) string {
	w := t.Window.String()
	m := e.cfg.Manifest()
	event := m.EventLabel(t.Name, lang)
	field := func(path, raw string) string {
		if l, ok := m.FieldLabel(path, lang); ok {
			return l
		}
		return raw
	}
	switch t.Func {
	case expr.Count:
		return pick(lang, fmt.Sprintf("%q events in the last %s", event, w), fmt.Sprintf("最近 %s 内的“%s”次数", w, event))
	case expr.Sum:
		prop := field("properties."+t.Prop, t.Prop)
		return pick(lang, fmt.Sprintf("total %s of %q in the last %s", prop, event, w), fmt.Sprintf("最近 %s 内“%s”的%s合计", w, event, prop))
	case expr.LastSeen:
		return pick(lang, fmt.Sprintf("days since the last %q", event), fmt.Sprintf("距上次“%s”的天数", event))
	case expr.Trait:
		trait := field("traits."+t.Name, t.Name)
		return pick(lang, "your "+trait, "您的"+trait)
	}
	return ""
}

func pick(lang, en, zh string) string {
	if lang == "zh-CN" {
		return zh
	}
	return en
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Deleted lists the tags a person deleted.
func (e *Engine) Deleted(ctx context.Context, subjectID string) ([]Suppressed, error) {
	all, err := e.cfg.Store.TagSuppressions(ctx)
	if err != nil {
		return nil, err
	}
	var out []Suppressed
	for _, s := range all {
		if s.SubjectID == subjectID {
			out = append(out, Suppressed{Tag: s.Tag, DeletedAt: s.At.UTC()})
		}
	}
	return out, nil
}

// Suppress deletes a tag from a person for good: recorded in the store first (so it
// survives restarts and other nodes see it), then removed from memory. Only a deletable,
// user-visible tag the person carries can be deleted this way.
func (e *Engine) Suppress(ctx context.Context, subjectID, tag string) error {
	e.mu.RLock()
	t, ok := e.byName[tag]
	d, known := e.dense[subjectID]
	carried := ok && known && t.def.UserVisible
	if carried {
		_, carried = t.values[d]
	}
	e.mu.RUnlock()
	if !carried {
		return ErrNotCarried
	}
	if !t.def.Deletable {
		return ErrNotDeletable
	}
	if err := e.cfg.Store.SuppressTag(ctx, store.TagSuppression{SubjectID: subjectID, Tag: tag, At: e.cfg.Now().UTC()}); err != nil {
		return err
	}
	e.mu.Lock()
	e.suppress(d, tag)
	delete(t.values, d)
	e.idx.RemoveTag(d, tag)
	e.computePerson(d, e.cfg.Now()) // rules built on this tag let go too
	e.mu.Unlock()
	e.tellEntries(ctx)
	return e.record(ctx, audit.Event{Act: audit.ActTagDeleted, SubjectID: subjectID, Actor: "subject", Purpose: t.def.Purpose,
		Detail: map[string]string{"tag": tag}})
}

// DefinitionError is a refused definition (the API answers 400 with its message).
type DefinitionError struct{ Err error }

func (e *DefinitionError) Error() string { return e.Err.Error() }
func (e *DefinitionError) Unwrap() error { return e.Err }

// DefineTag checks and stores an API tag definition, then computes it for everyone.
func (e *Engine) DefineTag(ctx context.Context, def manifest.Tag, actor string) (TagView, error) {
	m := e.cfg.Manifest()
	for _, t := range m.Tags {
		if t.Name == def.Name {
			return TagView{}, &DefinitionError{fmt.Errorf("tag %q is declared in the manifest; change it there", def.Name)}
		}
	}
	if err := m.CheckTag(def, e.TagNames()); err != nil {
		return TagView{}, &DefinitionError{err}
	}
	spec, err := json.Marshal(def)
	if err != nil {
		return TagView{}, err
	}
	if err := e.cfg.Store.PutDefinition(ctx, store.Definition{Kind: store.DefinitionTag, Name: def.Name, Spec: spec, Actor: actor, UpdatedAt: e.cfg.Now().UTC()}); err != nil {
		return TagView{}, err
	}
	if err := e.Reconfigure(ctx); err != nil {
		return TagView{}, err
	}
	if err := e.record(ctx, audit.Event{Act: audit.ActDefinitionChange, Actor: actor, Purpose: def.Purpose,
		Detail: map[string]string{"tag": def.Name, "change": "defined"}}); err != nil {
		return TagView{}, err
	}
	v, _ := e.Tag(def.Name)
	return v, nil
}

// DeleteTag removes an API tag definition; its values vanish.
func (e *Engine) DeleteTag(ctx context.Context, name, actor string) error {
	for _, t := range e.cfg.Manifest().Tags {
		if t.Name == name {
			return &DefinitionError{fmt.Errorf("tag %q is declared in the manifest; remove it there", name)}
		}
	}
	if err := e.cfg.Store.DeleteDefinition(ctx, store.DefinitionTag, name); err != nil {
		return err
	}
	if err := e.Reconfigure(ctx); err != nil {
		return err
	}
	return e.record(ctx, audit.Event{Act: audit.ActDefinitionChange, Actor: actor, Detail: map[string]string{"tag": name, "change": "removed"}})
}

// DefineSegment checks and stores a segment, then evaluates it.
func (e *Engine) DefineSegment(ctx context.Context, def SegmentDef, actor string) (SegmentView, error) {
	if _, err := e.CompileSegment(def); err != nil {
		return SegmentView{}, &DefinitionError{err}
	}
	spec, err := json.Marshal(def)
	if err != nil {
		return SegmentView{}, err
	}
	if err := e.cfg.Store.PutDefinition(ctx, store.Definition{Kind: store.DefinitionSegment, Name: def.Name, Spec: spec, Actor: actor, UpdatedAt: e.cfg.Now().UTC()}); err != nil {
		return SegmentView{}, err
	}
	if err := e.Reconfigure(ctx); err != nil {
		return SegmentView{}, err
	}
	if err := e.record(ctx, audit.Event{Act: audit.ActDefinitionChange, Actor: actor, Purpose: def.Purpose,
		Detail: map[string]string{"segment": def.Name, "change": "defined"}}); err != nil {
		return SegmentView{}, err
	}
	v, _ := e.Segment(def.Name)
	return v, nil
}

// DeleteSegment removes a segment.
func (e *Engine) DeleteSegment(ctx context.Context, name, actor string) error {
	if err := e.cfg.Store.DeleteDefinition(ctx, store.DefinitionSegment, name); err != nil {
		return err
	}
	if err := e.Reconfigure(ctx); err != nil {
		return err
	}
	return e.record(ctx, audit.Event{Act: audit.ActDefinitionChange, Actor: actor, Detail: map[string]string{"segment": name, "change": "removed"}})
}

// Reconfigure re-reads definitions (after a manifest or API change) and computes what
// changed: new or changed tags for everyone, new segments in full.
func (e *Engine) Reconfigure(ctx context.Context) error {
	e.load.Lock()
	defer e.load.Unlock()
	if err := e.reloadDefinitions(ctx); err != nil {
		return err
	}
	due := e.Due(e.cfg.Now())
	if len(due) == 0 {
		return nil
	}
	return e.refresh(ctx, due)
}

// IsDefinitionError reports whether err is a refused definition.
func IsDefinitionError(err error) bool {
	var de *DefinitionError
	return errors.As(err, &de)
}

// Attribute is one computed attribute of a person, with the data categories it comes from.
type Attribute struct {
	Name       string   `json:"name"`
	Value      float64  `json:"value"`
	Categories []string `json:"categories"`
}

// AttributeSpec asks for one computed attribute: a count, sum or recency term, or (Last)
// the last value of a numeric property of an event.
type AttributeSpec struct {
	Name       string
	Term       expr.Term
	Last       bool
	Categories []string
}

// Person is a person's profile as a purpose may see it.
type Person struct {
	Traits     map[string]any `json:"traits"`
	Attributes []Attribute    `json:"attributes"`
	Tags       []string       `json:"tags"`
	Segments   []string       `json:"segments"`
}

// PersonOf returns the asked-for traits and computed attributes (those with a value), the
// tags the person carries and the segments they are in.
func (e *Engine) PersonOf(subjectID string, traits []string, specs []AttributeSpec) (Person, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	d, ok := e.dense[subjectID]
	if !ok || !e.people[d].live {
		return Person{}, false
	}
	now := e.cfg.Now()
	p := Person{Traits: map[string]any{}, Attributes: []Attribute{}, Tags: []string{}, Segments: []string{}}
	for _, name := range traits {
		if v, ok := e.idx.TraitOf(d, name); ok {
			if v.Kind == expr.Number {
				p.Traits[name] = v.Num
			} else {
				p.Traits[name] = v.Str
			}
		}
	}
	for _, sp := range specs {
		var v float64
		var ok bool
		if sp.Last {
			v, ok = e.idx.LastValueOf(d, sp.Term.Name, sp.Term.Prop, now)
		} else {
			v, ok = termValue(e.idx, d, sp.Term, now)
			ok = ok && v != 0
		}
		if ok {
			p.Attributes = append(p.Attributes, Attribute{Name: sp.Name, Value: math.Round(v*100) / 100, Categories: sp.Categories})
		}
	}
	for _, t := range e.tags {
		if _, ok := t.values[d]; ok {
			p.Tags = append(p.Tags, t.def.Name)
		}
	}
	for name, s := range e.segs {
		if s.live.Contains(d) {
			p.Segments = append(p.Segments, name)
		}
	}
	sort.Strings(p.Segments)
	return p, true
}
