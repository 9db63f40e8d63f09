package regime

import (
	"sort"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// Notice names the notice text a choice is made under: the stored manifest version and the
// manifest's hash.
type Notice struct{ Version, Hash string }

// Regime is one manifest version in force with its compiled policy. It is immutable.
type Regime struct {
	m      *manifest.Manifest
	d      *policy.Decider
	seq    int64
	notice Notice
	// changedAt is, per purpose, the version that last changed what the purpose says or
	// does: consents given under an older notice need re-consent.
	changedAt map[string]int64
	uses      fieldUses
}

// fieldUses is the manifest's allow-list seen both ways: which purposes may use each data
// category, and which categories each purpose may use (every event type's fields and the
// fields common to all events).
type fieldUses struct {
	purposesOf   map[string]map[string]bool // category → purposes
	categoriesOf map[string][]string        // purpose → categories, sorted
}

func usesOf(m *manifest.Manifest) fieldUses {
	u := fieldUses{purposesOf: map[string]map[string]bool{}, categoriesOf: map[string][]string{}}
	add := func(f manifest.Field) {
		if u.purposesOf[f.Category] == nil {
			u.purposesOf[f.Category] = map[string]bool{}
		}
		for _, p := range f.Purposes {
			if !u.purposesOf[f.Category][p] {
				u.purposesOf[f.Category][p] = true
				u.categoriesOf[p] = append(u.categoriesOf[p], f.Category)
			}
		}
	}
	for _, e := range m.Events {
		for _, f := range e.Fields {
			add(f)
		}
	}
	for _, f := range m.Common {
		add(f)
	}
	for _, cs := range u.categoriesOf {
		sort.Strings(cs)
	}
	return u
}

// New compiles manifest version seq; prev is the version before it (nil for the first), from
// which the per-purpose change versions carry over.
func New(m *manifest.Manifest, seq int64, prev *Regime) *Regime {
	r := &Regime{m: m, d: policy.Compile(m, policy.DefaultConfig()), seq: seq,
		notice: Notice{Version: strconv.FormatInt(seq, 10), Hash: m.Hash()}, changedAt: map[string]int64{}, uses: usesOf(m)}
	if prev == nil {
		return r
	}
	for k, v := range prev.changedAt {
		r.changedAt[k] = v
	}
	for _, c := range manifest.Diff(prev.m, m) {
		rest, ok := strings.CutPrefix(c.Path, "purposes.")
		if !ok {
			continue
		}
		for _, p := range m.PurposeKeys() {
			if rest == p || strings.HasPrefix(rest, p+".") {
				r.changedAt[p] = seq
			}
		}
	}
	return r
}

// Manifest returns the manifest.
func (r *Regime) Manifest() *manifest.Manifest { return r.m }

// Policy returns the policy decision point compiled from the manifest.
func (r *Regime) Policy() *policy.Decider { return r.d }

// Seq returns the stored version number.
func (r *Regime) Seq() int64 { return r.seq }

// Notice returns the notice consents given now are recorded against.
func (r *Regime) Notice() Notice { return r.notice }

// ChangedAt returns the version that last changed what purpose says or does, if any did
// after the first.
func (r *Regime) ChangedAt(purpose string) (int64, bool) {
	v, ok := r.changedAt[purpose]
	return v, ok
}

// Purpose returns a purpose of the taxonomy in force.
func (r *Regime) Purpose(key string) (taxonomy.Purpose, bool) { return r.m.Taxonomy.Purpose(key) }

// CategoriesOf lists the data categories the manifest lets a purpose use, sorted: what an
// act for that purpose touches.
func (r *Regime) CategoriesOf(purpose string) []string { return r.uses.categoriesOf[purpose] }

// PurposesOf returns the purposes that may use a category.
func (r *Regime) PurposesOf(category string) map[string]bool { return r.uses.purposesOf[category] }

// Retention returns the days data kept for a purpose is kept: the deployment's own setting,
// else the taxonomy's maximum.
func (r *Regime) Retention(purpose string) int {
	if v, ok := r.m.PurposeRetention[purpose]; ok {
		return v
	}
	if p, ok := r.m.Taxonomy.Purpose(purpose); ok {
		return p.MaxRetentionDays
	}
	return 0
}

// Targeting lists the purposes "turn off personalisation" withdraws.
func (r *Regime) Targeting() []string {
	var out []string
	for _, p := range r.m.Taxonomy.Purposes() {
		if p.Targeting {
			out = append(out, p.Key)
		}
	}
	return out
}

// Home is the deployment's country: the jurisdiction recorded when nothing else is known.
func (r *Regime) Home() string { return r.m.Home }

// Advertising reports whether a purpose is personalised advertising (minors never get it).
func (r *Regime) Advertising(purpose string) bool {
	p, ok := r.m.Taxonomy.Purpose(purpose)
	return ok && (p.Advertising() || strings.HasPrefix(purpose, "marketing.advertising"))
}

// EventType names the manifest event type of a message, "" when the manifest declares none.
func (r *Regime) EventType(msgType, event string) string {
	et := manifest.EventType(msgType, event)
	if _, ok := r.m.Events[et]; ok {
		return et
	}
	return ""
}

// EventFields returns the fields of an event type's own schema (not the fields common to
// every message).
func (r *Regime) EventFields(eventType string) []manifest.Field {
	ev := r.m.Events[eventType]
	out := make([]manifest.Field, 0, len(ev.Fields))
	for _, f := range ev.Fields {
		out = append(out, f)
	}
	return out
}

// EventCategories returns the categories of an event type's own fields: a purpose sees an
// event only if it may read one of them.
func (r *Regime) EventCategories(eventType string) []string {
	ev := r.m.Events[eventType]
	out := make([]string, 0, len(ev.Fields))
	for _, f := range ev.Fields {
		out = append(out, f.Category)
	}
	return out
}

// Field returns the category and purposes of a field path of an event type; ok is false
// when the manifest has no entry for exactly that path.
func (r *Regime) Field(eventType, path string) (category string, purposes []string, ok bool) {
	f, ok := r.m.FieldFor(eventType, path)
	return f.Category, f.Purposes, ok
}

// ConsentPurposes maps a consent category name of Segment-style consent managers onto
// purposes.
func (r *Regime) ConsentPurposes(name string) []string { return r.m.ConsentPurposes(name) }

// Purposes lists every purpose key of the manifest.
func (r *Regime) Purposes() []string { return r.m.PurposeKeys() }
