package profile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/taxonomy"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/segment/expr"
)

// Recorder records the engine's processing acts: definitions, deletions, audiences released
// and the profiling itself.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
}

// Errors of the engine's API.
var (
	// ErrNotReady: the first load has not finished; try again shortly.
	ErrNotReady = errors.New("profile: profiles are still loading; try again shortly")
	// ErrUnknownPurpose: the purpose is not in the manifest in force.
	ErrUnknownPurpose = errors.New("profile: unknown purpose")
	// ErrNotPermitted: the person's choices do not permit the purpose.
	ErrNotPermitted = errors.New("profile: this person's choices do not permit the purpose")
	// ErrNoSuchPerson: no live profile for the subject.
	ErrNoSuchPerson = errors.New("profile: no profile for this subject")
)

// CheckReady returns ErrNotReady until the first load finished.
func (e *Engine) CheckReady() error {
	if !e.Ready() {
		return ErrNotReady
	}
	return nil
}

func (e *Engine) record(ctx context.Context, ev audit.Event) error {
	if e.cfg.Recorder == nil {
		return nil
	}
	return e.cfg.Recorder.Record(ctx, ev)
}

func (e *Engine) basisOf(purpose string) string {
	if p, ok := e.cfg.Manifest().Taxonomy.Purpose(purpose); ok {
		return string(p.Basis)
	}
	return ""
}

// Release is an audience released for a segment's purpose.
type Release struct {
	Segment  string   `json:"segment"`
	Purpose  string   `json:"purpose"`
	Size     int      `json:"size"`
	Subjects []string `json:"subjects"`
}

// Release releases a segment's audience — the shop's own pseudonymous subject ids — for the
// segment's purpose when it has at least k people (0: the default minimum), and records it
// as one activation whose leaf commits to everyone included.
func (e *Engine) Release(ctx context.Context, name string, k int, actor string) (Release, error) {
	ids, v, err := e.audience(name, k)
	if err != nil {
		return Release{}, err
	}
	if e.cfg.Recorder != nil {
		if _, err := e.cfg.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActActivation, Actor: actor, Purpose: v.Purpose,
			LegalBasis: e.basisOf(v.Purpose), Detail: map[string]string{"segment": name}}, ids); err != nil {
			return Release{}, err
		}
	}
	return Release{Segment: name, Purpose: v.Purpose, Size: len(ids), Subjects: ids}, nil
}

// attributeWindows are the windows computed attributes are reported over.
var attributeWindows = []expr.Duration{{N: 7, Unit: 'd'}, {N: 30, Unit: 'd'}, {N: 90, Unit: 'd'}}

// Attributes lists what a purpose's profile shows: the traits it may read and, per event it
// may read, counts over 7/30/90 days and days since the last one, and for each numeric
// property sums over those windows and the last value — each with its categories.
func Attributes(m *manifest.Manifest, purpose string) ([]string, []AttributeSpec) {
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
	var specs []AttributeSpec
	add := func(name string, t expr.Term, last bool) {
		specs = append(specs, AttributeSpec{Name: name, Term: t, Last: last, Categories: m.UseOfTerm(t, purpose).Categories})
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

// ProfileView is an operator's view of one person's profile for a purpose.
type ProfileView struct {
	Purpose string `json:"purpose"`
	Profile Person `json:"profile"`
}

// ProfileFor is an operator's view of one person's profile for a purpose: only the traits
// and events the manifest lets that purpose read, only the tags and segments built for that
// purpose (a tag made for advertising is not part of the profile the service reads), and
// nothing if the person's standing does not permit the purpose. Direct identifiers among the
// traits are masked unless the viewer's role may see them (the reader's rule, SD-02). The
// read is recorded.
func (e *Engine) ProfileFor(ctx context.Context, subjectID, purpose, actor, viewer string) (ProfileView, error) {
	m := e.cfg.Manifest()
	if _, ok := m.Taxonomy.Purpose(purpose); !ok {
		return ProfileView{}, fmt.Errorf("%w %q", ErrUnknownPurpose, purpose)
	}
	traits, specs := Attributes(m, purpose)
	person, ok := e.PersonOf(subjectID, traits, specs)
	if !ok {
		return ProfileView{}, ErrNoSuchPerson
	}
	st, err := e.cfg.Source.Standing(ctx, subjectID, Facts{}, nil)
	if err != nil {
		return ProfileView{}, err
	}
	if !st.Permitted[purpose] {
		return ProfileView{}, fmt.Errorf("%w %s", ErrNotPermitted, purpose)
	}
	person.Tags = slices.DeleteFunc(person.Tags, func(name string) bool {
		t, ok := e.Tag(name)
		return !ok || !taxonomy.Beneath(t.Purpose, purpose)
	})
	person.Segments = slices.DeleteFunc(person.Segments, func(name string) bool {
		s, ok := e.Segment(name)
		return !ok || !taxonomy.Beneath(s.Purpose, purpose)
	})
	clear := access.ClearIdentifiers(viewer)
	for name, v := range person.Traits {
		f, ok := m.TraitField(name)
		if !ok {
			continue
		}
		if !clear && access.Identifier(m.Taxonomy, f.Category) {
			person.Traits[name] = access.MaskValue(f.Category, v)
		}
	}
	if err := e.record(ctx, audit.Event{Act: audit.ActRead, SubjectID: subjectID, Actor: actor, Purpose: purpose,
		LegalBasis: e.basisOf(purpose), Detail: map[string]string{"what": "profile", "identifiers_in_clear": strconv.FormatBool(clear)}}); err != nil {
		return ProfileView{}, err
	}
	return ProfileView{Purpose: purpose, Profile: person}, nil
}

// MyTag is a tag used on the person, as the privacy center shows it.
type MyTag struct {
	Name        string     `json:"name"`
	Label       string     `json:"label"`
	Explanation string     `json:"explanation"`
	Evidence    []Evidence `json:"evidence"`
	Purpose     string     `json:"purpose"`
	PurposeName string     `json:"purpose_name"`
	Kind        string     `json:"kind"`
	AssignedAt  time.Time  `json:"assigned_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	Deletable   bool       `json:"deletable"`
}

// DeletedTag is a tag the person deleted.
type DeletedTag struct {
	Name      string    `json:"name"`
	Label     string    `json:"label"`
	DeletedAt time.Time `json:"deleted_at"`
}

// MyTags is the privacy center's tags section.
type MyTags struct {
	Tags    []MyTag      `json:"tags"`
	Deleted []DeletedTag `json:"deleted"`
}

// Localized picks a label in lang, then English, then fallback.
func Localized(m map[string]string, lang, fallback string) string {
	if v := m[lang]; v != "" {
		return v
	}
	if v := m["en"]; v != "" {
		return v
	}
	return fallback
}

// TagsFor lists the tags used on the person, each with a plain explanation of why, and the
// tags they deleted. purposeName names a purpose for people in lang.
func (e *Engine) TagsFor(ctx context.Context, subjectID, lang string, purposeName func(key, lang string) string) (MyTags, error) {
	out := MyTags{Tags: []MyTag{}, Deleted: []DeletedTag{}}
	for _, as := range e.TagsOf(subjectID, lang, true) {
		pn := as.Tag.Purpose
		if purposeName != nil {
			pn = purposeName(as.Tag.Purpose, lang)
		}
		out.Tags = append(out.Tags, MyTag{Name: as.Tag.Name, Label: Localized(as.Tag.Label, lang, as.Tag.Name),
			Explanation: Localized(as.Tag.Explain, lang, ""), Evidence: as.Evidence, Purpose: as.Tag.Purpose,
			PurposeName: pn, Kind: string(as.Tag.Kind), AssignedAt: as.AssignedAt, ExpiresAt: as.ExpiresAt, Deletable: as.Tag.Deletable})
	}
	sups, err := e.Deleted(ctx, subjectID)
	if err != nil {
		return MyTags{}, err
	}
	for _, s := range sups {
		label := s.Tag
		if v, ok := e.Tag(s.Tag); ok {
			label = Localized(v.Label, lang, s.Tag)
		}
		out.Deleted = append(out.Deleted, DeletedTag{Name: s.Tag, Label: label, DeletedAt: s.DeletedAt})
	}
	return out, nil
}

// profiled remembers, per UTC day and profiling purpose, who was profiled today and who of
// them is already recorded: the transparency report shows profiling per purpose per day, not
// per reload.
type profiled struct {
	day      string
	pending  map[string]*roaring.Bitmap // purpose → dense ids not yet recorded
	recorded map[string]*roaring.Bitmap // purpose → dense ids recorded today
}

// noteProfiled marks a person profiled today for the purposes their standing permits.
// Caller holds e.mu.
func (e *Engine) noteProfiled(d uint32, st Standing) {
	if e.cfg.Recorder == nil {
		return
	}
	day := e.cfg.Now().UTC().Format(time.DateOnly)
	if e.prof.day != day {
		// A new day: what was not flushed yet still belongs to its own day, so it stays
		// pending under that day's key until the next flush.
		if e.prof.day != "" && len(e.prof.pending) > 0 {
			e.profCarry = append(e.profCarry, profiledDay{day: e.prof.day, pending: e.prof.pending})
		}
		e.prof = profiled{day: day, pending: map[string]*roaring.Bitmap{}, recorded: map[string]*roaring.Bitmap{}}
	}
	for _, p := range profilingPurposes {
		if !st.Permitted[p] {
			continue
		}
		if bm := e.prof.recorded[p]; bm != nil && bm.Contains(d) {
			continue
		}
		bm := e.prof.pending[p]
		if bm == nil {
			bm = roaring.New()
			e.prof.pending[p] = bm
		}
		bm.Add(d)
	}
}

type profiledDay struct {
	day     string
	pending map[string]*roaring.Bitmap
}

// profilingPurposes are the purposes profiling is recorded for (those a profile is built for).
var profilingPurposes = []string{"analytics.reporting", "personalize.content", "marketing.advertising.profiling",
	"marketing.advertising.first_party"}

// FlushProfiling records who was profiled for which purpose since the last flush: one
// audience leaf per purpose and day. Run calls it every ProfilingFlushEvery and when it
// stops.
func (e *Engine) FlushProfiling(ctx context.Context) error {
	if e.cfg.Recorder == nil {
		return nil
	}
	e.mu.Lock()
	days := append(e.profCarry, profiledDay{day: e.prof.day, pending: e.prof.pending})
	e.profCarry = nil
	type batch struct {
		day, purpose string
		dense        *roaring.Bitmap
		ids          []string
	}
	var batches []batch
	for _, pd := range days {
		for p, bm := range pd.pending {
			if bm.IsEmpty() {
				continue
			}
			b := batch{day: pd.day, purpose: p, dense: bm}
			for it := bm.Iterator(); it.HasNext(); {
				b.ids = append(b.ids, e.people[it.Next()].id)
			}
			batches = append(batches, b)
		}
	}
	e.prof.pending = map[string]*roaring.Bitmap{}
	e.mu.Unlock()
	for i, b := range batches {
		if _, err := e.cfg.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActProfiling, Actor: "system", Purpose: b.purpose,
			LegalBasis: e.basisOf(b.purpose), Detail: map[string]string{"day": b.day, "people": strconv.Itoa(len(b.ids))}}, b.ids); err != nil {
			// Put back what was not recorded, so the next flush tries again.
			e.mu.Lock()
			for _, rest := range batches[i:] {
				if rest.day == e.prof.day {
					if e.prof.pending[rest.purpose] == nil {
						e.prof.pending[rest.purpose] = roaring.New()
					}
					e.prof.pending[rest.purpose].Or(rest.dense)
				} else {
					e.profCarry = append(e.profCarry, profiledDay{day: rest.day, pending: map[string]*roaring.Bitmap{rest.purpose: rest.dense}})
				}
			}
			e.mu.Unlock()
			return err
		}
		e.mu.Lock()
		if b.day == e.prof.day {
			if e.prof.recorded[b.purpose] == nil {
				e.prof.recorded[b.purpose] = roaring.New()
			}
			e.prof.recorded[b.purpose].Or(b.dense)
		}
		e.mu.Unlock()
	}
	return nil
}

// ProfilingFlushEvery is how often Run records the day's profiling.
const ProfilingFlushEvery = 5 * time.Minute
