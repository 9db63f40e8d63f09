package profile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/store"
)

// Tag origins.
const (
	OriginManifest = "manifest"
	OriginAPI      = "api"
)

// ErrNotCarried means the person does not carry the tag (or may not see it).
var ErrNotCarried = errors.New("profile: the person does not carry this tag")

// ErrNotDeletable means the tag's definition does not let people delete it.
var ErrNotDeletable = errors.New("profile: this tag cannot be deleted by the person")

type tagState struct {
	def         manifest.Tag
	origin      string
	plan        *segment.Plan // rule tags
	terms       []expr.Term   // statistical: the measure; model: the features
	ttl         time.Duration
	refresh     time.Duration
	values      map[uint32]time.Time // when each person's value was computed
	cut         float64              // statistical: the measure at the quantile (NaN: nobody)
	lastRefresh time.Time
}

func compileTag(def manifest.Tag, origin string) (*tagState, error) {
	t := &tagState{def: def, origin: origin, values: map[uint32]time.Time{}, cut: math.NaN()}
	var err error
	if t.ttl, err = manifest.ParsePeriod(def.TTL); err != nil {
		return nil, err
	}
	if t.refresh, err = manifest.ParsePeriod(def.Refresh); err != nil {
		return nil, err
	}
	switch def.Kind {
	case manifest.TagRule:
		t.plan, err = segment.CompileString(def.Expression)
	default:
		t.terms, _, err = def.Terms()
	}
	return t, err
}

// orderTags sorts tags so that every tag a rule refers to comes before it (definitions
// were checked for unknown references; a cycle keeps file order for the rest).
func orderTags(tags []*tagState) []*tagState {
	byName := map[string]*tagState{}
	for _, t := range tags {
		byName[t.def.Name] = t
	}
	var out []*tagState
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(t *tagState)
	visit = func(t *tagState) {
		if state[t.def.Name] != 0 {
			return
		}
		state[t.def.Name] = 1
		_, refs, _ := t.def.Terms()
		for _, r := range refs {
			if dep := byName[r]; dep != nil {
				visit(dep)
			}
		}
		state[t.def.Name] = 2
		out = append(out, t)
	}
	for _, t := range tags {
		visit(t)
	}
	return out
}

// reloadDefinitions reads the manifest's tags and the API's tags and segments, keeping
// the values already computed for tags whose definition did not change.
func (e *Engine) reloadDefinitions(ctx context.Context) error {
	m := e.cfg.Manifest()
	defs, err := e.cfg.Store.Definitions(ctx, store.DefinitionTag)
	if err != nil {
		return err
	}
	var tags []*tagState
	names := map[string]bool{}
	for _, d := range m.Tags {
		t, err := compileTag(d, OriginManifest)
		if err != nil {
			return fmt.Errorf("manifest tag %s: %w", d.Name, err)
		}
		tags = append(tags, t)
		names[d.Name] = true
	}
	for _, d := range defs {
		var def manifest.Tag
		if err := json.Unmarshal(d.Spec, &def); err != nil {
			return fmt.Errorf("stored tag %s: %w", d.Name, err)
		}
		if names[def.Name] {
			continue // the manifest wins over an API definition of the same name
		}
		t, err := compileTag(def, OriginAPI)
		if err != nil {
			e.cfg.Log.Warn("stored tag no longer compiles; skipped", "tag", d.Name, "err", err)
			continue
		}
		tags = append(tags, t)
	}
	sups, err := e.cfg.Store.TagSuppressions(ctx)
	if err != nil {
		return err
	}
	segDefs, err := e.cfg.Store.Definitions(ctx, store.DefinitionSegment)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.defsPrint = definitionsPrint(defs, segDefs)
	kept := map[string]bool{}
	for _, t := range tags {
		if old := e.byName[t.def.Name]; old != nil && sameTag(old.def, t.def) {
			t.values, t.cut, t.lastRefresh = old.values, old.cut, old.lastRefresh
			kept[t.def.Name] = true
		}
	}
	for name, old := range e.byName {
		if !kept[name] {
			for d := range old.values {
				e.idx.RemoveTag(d, name)
			}
		}
	}
	e.tags = orderTags(tags)
	e.byName = map[string]*tagState{}
	for _, t := range e.tags {
		e.byName[t.def.Name] = t
	}
	e.suppressed = map[string]*roaring.Bitmap{}
	for _, s := range sups {
		e.suppress(e.denseID(s.SubjectID), s.Tag)
	}
	return e.loadSegments(segDefs)
}

func sameTag(a, b manifest.Tag) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// suppress records a deletion in memory. Caller holds e.mu.
func (e *Engine) suppress(d uint32, tag string) {
	bm := e.suppressed[tag]
	if bm == nil {
		bm = roaring.New()
		e.suppressed[tag] = bm
	}
	bm.Add(d)
}

// computePerson recomputes every tag and segment membership of one person.
func (e *Engine) computePerson(d uint32, now time.Time) {
	e.computePersonTags(d, now, nil)
	for _, s := range e.segs {
		delta, _ := s.live.Recheck(context.Background(), now, d)
		e.noteEntries(s.def.Name, delta.Added)
	}
}

// computePersonTags recomputes the given tags (nil: all) for one person. Caller holds e.mu.
func (e *Engine) computePersonTags(d uint32, now time.Time, only map[string]bool) {
	p := e.people[d]
	for _, t := range e.tags {
		if only != nil && !only[t.def.Name] {
			continue
		}
		want := p.live && p.standing.Permitted[t.def.Purpose] && !e.isSuppressed(d, t.def.Name) && e.matches(t, d, now)
		if want {
			t.values[d] = now
			e.idx.AddTag(d, t.def.Name)
		} else if _, had := t.values[d]; had {
			delete(t.values, d)
			e.idx.RemoveTag(d, t.def.Name)
		}
	}
}

func (e *Engine) isSuppressed(d uint32, tag string) bool {
	bm := e.suppressed[tag]
	return bm != nil && bm.Contains(d)
}

// matches evaluates the tag's own condition for one person.
func (e *Engine) matches(t *tagState, d uint32, now time.Time) bool {
	switch t.def.Kind {
	case manifest.TagRule:
		return segment.Match(t.plan, e.idx, d, now)
	case manifest.TagStatistical:
		v, _ := termValue(e.idx, d, t.terms[0], now)
		return !math.IsNaN(t.cut) && v > 0 && v >= t.cut
	case manifest.TagModel:
		return modelScore(t, e.idx, d, now) >= t.def.Model.Threshold
	}
	return false
}

// statCut is the smallest measure in the top (1-quantile) share of people with a positive
// measure, NaN when nobody has one.
func (e *Engine) statCut(t *tagState, universe *roaring.Bitmap, now time.Time) float64 {
	var vals []float64
	it := universe.Iterator()
	for it.HasNext() {
		if v, _ := termValue(e.idx, it.Next(), t.terms[0], now); v > 0 {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return math.NaN()
	}
	sort.Float64s(vals)
	// The top (1-q) share: with 20 people and q 0.9, the two highest (index 18 on). At
	// least one person always qualifies when anyone has a positive measure.
	rank := int(math.Ceil(t.def.Quantile * float64(len(vals))))
	return vals[min(max(rank, 0), len(vals)-1)]
}

// termValue is a term's numeric value for one person: counts, sums, days since the last
// event, or a numeric trait. ok is false when there is nothing to measure.
func termValue(idx segment.SubjectIndex, d uint32, term expr.Term, now time.Time) (float64, bool) {
	switch term.Func {
	case expr.Count:
		n := idx.CountOf(d, term.Name, term.Window.D(), now)
		return float64(n), true
	case expr.Sum:
		return idx.SumOf(d, term.Name, term.Prop, term.Window.D(), now), true
	case expr.LastSeen:
		age, ok := idx.LastSeenOf(d, term.Name, now)
		return age.Hours() / 24, ok
	case expr.Trait:
		v, ok := idx.TraitOf(d, term.Name)
		if !ok || v.Kind != expr.Number {
			return 0, false
		}
		return v.Num, true
	}
	return 0, false
}

func modelScore(t *tagState, idx segment.SubjectIndex, d uint32, now time.Time) float64 {
	z := t.def.Model.Intercept
	for i, f := range t.def.Model.Features {
		v, _ := termValue(idx, d, t.terms[i], now)
		z += f.Weight * v
	}
	return 1 / (1 + math.Exp(-z))
}
