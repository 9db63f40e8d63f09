package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/store"
)

var segmentName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// SegmentDef is a segment: an expression evaluated for one activation purpose.
type SegmentDef struct {
	Name        string `json:"name"`
	Expression  string `json:"expression"`
	Purpose     string `json:"purpose"`
	Description string `json:"description,omitempty"`
}

type segState struct {
	def  SegmentDef
	plan *segment.Plan
	live *segment.Live
}

// CompileSegment checks a segment against the manifest: the purpose exists, and the
// expression only refers to tags that exist and to traits, events and properties the
// manifest lets that purpose read. Errors are located (line:column).
func (e *Engine) CompileSegment(def SegmentDef) (*segment.Plan, error) {
	m := e.cfg.Manifest()
	if !segmentName.MatchString(def.Name) {
		return nil, fmt.Errorf("segment name must be lower-case letters, digits and _ (at most 64), starting with a letter")
	}
	if _, ok := m.Taxonomy.Purpose(def.Purpose); !ok {
		return nil, fmt.Errorf("unknown purpose %q", def.Purpose)
	}
	e.mu.RLock()
	tags := make([]string, 0, len(e.tags))
	for _, t := range e.tags {
		tags = append(tags, t.def.Name)
	}
	e.mu.RUnlock()
	return segment.CompileChecked(def.Expression, m.SegmentSchema(def.Purpose, tags))
}

// loadSegments compiles stored segments and evaluates each. Caller holds e.mu.
func (e *Engine) loadSegments(defs []store.Definition) error {
	segs := map[string]*segState{}
	for _, d := range defs {
		var def SegmentDef
		if err := json.Unmarshal(d.Spec, &def); err != nil {
			return fmt.Errorf("stored segment %s: %w", d.Name, err)
		}
		plan, err := segment.CompileString(def.Expression)
		if err != nil {
			e.cfg.Log.Warn("stored segment no longer compiles; skipped", "segment", d.Name, "err", err)
			continue
		}
		if old := e.segs[def.Name]; old != nil && old.def == def {
			segs[def.Name] = old
			continue
		}
		live, err := segment.NewLive(context.Background(), plan, e.idx, e.cfg.Now())
		if err != nil {
			return err
		}
		segs[def.Name] = &segState{def: def, plan: plan, live: live}
	}
	e.segs = segs
	return nil
}

// eligibility is the audience filter for a purpose over the engine's bitmaps: an objection
// to direct marketing removes people from marketing purposes (GDPR Art. 21(3), PIPL Art. 24),
// personalisation switched off from targeting ones, minors from advertising (Audience
// applies that). Caller holds e.mu (read).
func (e *Engine) eligibility(purpose string) segment.Eligibility {
	el := segment.Eligibility{
		Allowed: func(purpose string) *roaring.Bitmap {
			if bm := e.basis[purpose]; bm != nil {
				return bm
			}
			return nil
		},
		Minors: e.minors,
		AdFree: e.adFree,
	}
	p, ok := e.cfg.Manifest().Taxonomy.Purpose(purpose)
	if !ok || p.Marketing {
		el.Objections = e.objections
	}
	if !ok || p.Targeting {
		el.PersonalisationOff = e.persOff
	}
	return el
}

// SegmentView is a segment with its counts: never who, only how many.
type SegmentView struct {
	SegmentDef
	Advertising bool                `json:"advertising"`
	Matches     uint64              `json:"matches"`
	Size        uint64              `json:"size"`
	Excluded    []segment.Exclusion `json:"excluded"`
	MinAudience int                 `json:"min_audience"`
	Exportable  bool                `json:"exportable"`
	EvaluatedAt time.Time           `json:"evaluated_at"`
	// ByPurpose is the audience the same matches would give for each marketing or
	// targeting purpose, so an operator sees which activation the people are eligible for.
	ByPurpose []segment.Preview `json:"by_purpose"`
}

func (e *Engine) viewOf(s *segState) SegmentView {
	adv := e.cfg.Advertising(s.def.Purpose)
	r := segment.Audience(s.live.Members(), e.eligibility(s.def.Purpose), s.def.Purpose, adv)
	v := SegmentView{SegmentDef: s.def, Advertising: adv, Matches: r.Matches, Size: r.Size(), Excluded: r.Excluded,
		MinAudience: segment.DefaultMinAudience, Exportable: r.Size() >= segment.DefaultMinAudience, EvaluatedAt: e.cfg.Now().UTC(),
		ByPurpose: []segment.Preview{}}
	members := s.live.Members()
	for _, p := range e.cfg.Manifest().Taxonomy.Purposes() {
		if p.Marketing || p.Targeting {
			v.ByPurpose = append(v.ByPurpose, segment.Audience(members, e.eligibility(p.Key), p.Key, e.cfg.Advertising(p.Key)).Preview())
		}
	}
	return v
}

// Segments lists every segment with its counts, by name.
func (e *Engine) Segments() []SegmentView {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]SegmentView, 0, len(e.segs))
	for _, s := range e.segs {
		out = append(out, e.viewOf(s))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Segment returns one segment's view.
func (e *Engine) Segment(name string) (SegmentView, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.segs[name]
	if !ok {
		return SegmentView{}, false
	}
	return e.viewOf(s), true
}

// Members returns a copy of a segment's current matches (before eligibility).
func (e *Engine) Members(name string) (*roaring.Bitmap, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.segs[name]
	if !ok {
		return nil, false
	}
	return s.live.Members(), true
}

// Preview evaluates a checked plan for a purpose now: counts only.
func (e *Engine) Preview(ctx context.Context, plan *segment.Plan, purpose string) (segment.Preview, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	bm, err := segment.Evaluate(ctx, plan, e.idx, e.cfg.Now())
	if err != nil {
		return segment.Preview{}, err
	}
	return segment.Audience(bm, e.eligibility(purpose), purpose, e.cfg.Advertising(purpose)).Preview(), nil
}

// audience returns a segment's audience as subject ids when it has at least k people
// (Release records it).
func (e *Engine) audience(name string, k int) ([]string, SegmentView, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.segs[name]
	if !ok {
		return nil, SegmentView{}, ErrNoSuchSegment
	}
	v := e.viewOf(s)
	r := segment.Audience(s.live.Members(), e.eligibility(s.def.Purpose), s.def.Purpose, v.Advertising)
	dense, err := r.Export(k)
	if err != nil {
		return nil, v, err
	}
	out := make([]string, len(dense))
	for i, d := range dense {
		out[i] = e.people[d].id
	}
	return out, v, nil
}

// ErrNoSuchSegment is returned for an unknown segment name.
var ErrNoSuchSegment = fmt.Errorf("profile: no such segment")
