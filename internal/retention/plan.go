package retention

import (
	"slices"
	"sort"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// FieldRule is how long one field of an event kind is kept.
type FieldRule struct {
	Path     string `json:"path"`
	Category string `json:"category"`
	// Days is how long the field is kept: the longest retention of Purposes, capped by
	// its category's retention.
	Days int `json:"days"`
	// Purposes are every purpose that could read the field.
	Purposes []string `json:"purposes"`
	// OnExpiry is delete or anonymise (the manifest's on_expiry).
	OnExpiry string `json:"on_expiry"`
	// Number: a numeric field, summed into anonymous aggregates when anonymised.
	Number bool `json:"number,omitempty"`
	// Common: one of the fields every event may carry.
	Common bool `json:"common,omitempty"`
}

// KindRule is how long events of one kind are kept, and when their fields go.
type KindRule struct {
	EventType string          `json:"event_type"`
	Kind      store.EventKind `json:"-"`
	// Days: the event is deleted after this many days.
	Days int `json:"days"`
	// Anonymise: an expired event leaves anonymous aggregates.
	Anonymise bool        `json:"anonymise"`
	Fields    []FieldRule `json:"fields"`
	// Prune lists, longest first, the ages (days) at which fields go while the event lives.
	Prune []int `json:"prune,omitempty"`
}

// CategoryRule is the longest any data of a category is kept, and what happens then: the
// value a person is told (the privacy center's inventory shows it).
type CategoryRule struct {
	Category string `json:"category"`
	Days     int    `json:"days"`
	OnExpiry string `json:"on_expiry"`
}

// Plan is the retention a manifest declares, as the pass applies it.
type Plan struct {
	ManifestHash string         `json:"manifest_hash"`
	Kinds        []KindRule     `json:"kinds"`
	Other        KindRule       `json:"other"`
	Categories   []CategoryRule `json:"categories"`
	// PurposeDays is each purpose's retention (campaign messages follow their purpose).
	PurposeDays map[string]int `json:"purpose_days"`
}

// segmentTypes are Segment message types other than track: their kind is the type alone.
var segmentTypes = map[string]bool{"page": true, "screen": true, "identify": true, "group": true, "alias": true}

// KindOf returns the stored kind of a manifest event type.
func KindOf(eventType string) store.EventKind {
	if segmentTypes[eventType] {
		return store.EventKind{Type: eventType}
	}
	return store.EventKind{Type: "track", Name: eventType}
}

// readers returns every declared purpose that could read a field listed for purposes:
// the purposes themselves and any purpose beneath them (access reads a field for a purpose
// that falls under one it lists).
func readers(m *manifest.Manifest, listed []string) []string {
	var out []string
	for _, p := range m.Taxonomy.Purposes() {
		for _, l := range listed {
			if taxonomy.Beneath(p.Key, l) {
				out = append(out, p.Key)
				break
			}
		}
	}
	return out
}

func purposeDays(m *manifest.Manifest, p string) int {
	if d, ok := m.PurposeRetention[p]; ok {
		return d
	}
	if pu, ok := m.Taxonomy.Purpose(p); ok {
		return pu.MaxRetentionDays
	}
	return 0
}

func fieldRule(m *manifest.Manifest, f manifest.Field, common bool) FieldRule {
	r := FieldRule{Path: f.Path, Category: f.Category, Purposes: readers(m, f.Purposes), OnExpiry: m.ExpiryOf(f.Category),
		Number: f.Type == "number", Common: common}
	for _, p := range r.Purposes {
		r.Days = max(r.Days, purposeDays(m, p))
	}
	if cd := m.CategoryDays(f.Category); cd > 0 && cd < r.Days {
		r.Days = cd
	}
	return r
}

func sortedFields(fs map[string]manifest.Field) []manifest.Field {
	out := make([]manifest.Field, 0, len(fs))
	for _, f := range fs {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// kindRule builds the rule of one kind from its own fields and the common ones. An event
// is visible to a purpose only through its own fields, so they decide its life; common
// fields inside it go with it, or earlier.
func kindRule(m *manifest.Manifest, eventType string, own map[string]manifest.Field) KindRule {
	k := KindRule{EventType: eventType, Kind: KindOf(eventType)}
	for _, f := range sortedFields(own) {
		r := fieldRule(m, f, false)
		k.Days = max(k.Days, r.Days)
		k.Anonymise = k.Anonymise || r.OnExpiry == manifest.ExpiryAnonymise
		k.Fields = append(k.Fields, r)
	}
	var common []FieldRule
	for _, f := range sortedFields(m.Common) {
		if _, shadowed := own[f.Path]; shadowed {
			continue
		}
		common = append(common, fieldRule(m, f, true))
	}
	if len(own) == 0 {
		for _, r := range common {
			k.Days = max(k.Days, r.Days)
		}
	}
	k.Fields = append(k.Fields, common...)
	for _, r := range k.Fields {
		if r.Days < k.Days && !slices.Contains(k.Prune, r.Days) {
			k.Prune = append(k.Prune, r.Days)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(k.Prune)))
	return k
}

// PlanFor reads the retention plan off a manifest.
func PlanFor(m *manifest.Manifest) Plan {
	p := Plan{ManifestHash: m.Hash(), PurposeDays: map[string]int{}}
	for _, pu := range m.Taxonomy.Purposes() {
		p.PurposeDays[pu.Key] = purposeDays(m, pu.Key)
	}
	for _, et := range m.EventTypes() {
		p.Kinds = append(p.Kinds, kindRule(m, et, m.Events[et].Fields))
	}
	p.Other = kindRule(m, "", nil)
	// A category is kept, at the longest, as long as its longest-lived field in any kind
	// (a field never outlives its event).
	cats := map[string]int{}
	for _, k := range append(slices.Clone(p.Kinds), p.Other) {
		for _, f := range k.Fields {
			cats[f.Category] = max(cats[f.Category], min(f.Days, k.Days))
		}
	}
	for c, d := range cats {
		p.Categories = append(p.Categories, CategoryRule{Category: c, Days: d, OnExpiry: m.ExpiryOf(c)})
	}
	sort.Slice(p.Categories, func(i, j int) bool { return p.Categories[i].Category < p.Categories[j].Category })
	return p
}

// CategoryDays returns the longest a category's data is kept under the plan, and what
// happens then; ok is false for a category no field has.
func (p Plan) CategoryDays(category string) (days int, onExpiry string, ok bool) {
	i, found := slices.BinarySearchFunc(p.Categories, category, func(r CategoryRule, c string) int {
		switch {
		case r.Category < c:
			return -1
		case r.Category > c:
			return 1
		}
		return 0
	})
	if !found {
		return 0, "", false
	}
	return p.Categories[i].Days, p.Categories[i].OnExpiry, true
}

// known returns the kinds the plan declares (for the pass over every other kind).
func (p Plan) known() []store.EventKind {
	out := make([]store.EventKind, len(p.Kinds))
	for i, k := range p.Kinds {
		out[i] = k.Kind
	}
	return out
}
