package anonexport

import (
	"slices"
	"sort"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/segment/expr"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// Column kinds: the prefix of a column id.
const (
	KindTrait     = "trait"
	KindTag       = "tag"
	KindAttribute = "attribute"
)

// Column types, which decide the hierarchy.
const (
	TypeString  = "string"
	TypeNumber  = "number"
	TypeDate    = "date"
	TypeBoolean = "boolean"
)

// Hierarchy kinds.
const (
	HierarchyDeclared = "declared" // the manifest's, for a categorical trait
	HierarchyInterval = "interval" // built from the data, for numbers
	HierarchyDate     = "date"     // day, month, quarter, year
	HierarchyFlat     = "flat"     // kept or "*"
)

// Column is one column an export for a purpose may have: what it is, the categories it
// reads and how it is generalised.
type Column struct {
	ID   string `json:"id"`   // kind:name, e.g. trait:address.city
	Kind string `json:"kind"` // trait, tag or attribute
	Name string `json:"name"`
	// Label is a tag's label by language.
	Label      map[string]string `json:"label,omitempty"`
	Type       string            `json:"type"` // string, number, date or boolean
	Categories []string          `json:"categories"`
	Hierarchy  string            `json:"hierarchy"` // declared, interval, date or flat
	// Levels names a declared hierarchy's levels above the value.
	Levels []string `json:"levels,omitempty"`

	spec profile.AttributeSpec // attributes: the term behind it
	decl manifest.Hierarchy    // declared hierarchies
}

// Identifier reports whether a category names or singles out a person directly: what the
// reader masks (names, contact details, government ids), plus account names and the
// shop's and devices' unique ids. None of them may be in an anonymous release.
func Identifier(t *taxonomy.Taxonomy, category string) bool {
	if access.Identifier(t, category) {
		return true
	}
	for _, id := range directIDs {
		if taxonomy.Beneath(category, id) {
			return true
		}
	}
	return false
}

var directIDs = []string{"user.unique_id", "user.account.username", "user.device.cookie_id", "user.device.device_id", "user.device.ip_address"}

// catalogue lists the columns an export for purpose may have, by id, and in display order
// (traits, then tags, then attributes). Identifier columns are not in it; identifiers
// lists them, so a request naming one is refused for what it is rather than as unknown.
func catalogue(m *manifest.Manifest, purpose string, tags []profile.TagView) (byID map[string]Column, ordered []Column, identifiers map[string]string) {
	byID, identifiers = map[string]Column{}, map[string]string{}
	add := func(c Column) {
		for _, cat := range c.Categories {
			if Identifier(m.Taxonomy, cat) {
				identifiers[c.ID] = cat
				return
			}
		}
		byID[c.ID] = c
		ordered = append(ordered, c)
	}
	// Traits: the identify fields whose manifest entry lists the purpose — the same schema
	// segments of the purpose are checked against. The profile holds a date of birth only
	// as an age (to tell minors apart), never as a trait.
	var traits []Column
	for path, f := range m.Events["identify"].Fields {
		name, ok := strings.CutPrefix(path, "traits.")
		if !ok || !slices.Contains(f.Purposes, purpose) || f.Category == access.CategoryBirthday {
			continue
		}
		c := Column{ID: KindTrait + ":" + name, Kind: KindTrait, Name: name, Type: TypeString, Categories: []string{f.Category}, Hierarchy: HierarchyFlat}
		switch f.Type {
		case TypeNumber:
			c.Type, c.Hierarchy = TypeNumber, HierarchyInterval
		case TypeDate:
			c.Type, c.Hierarchy = TypeDate, HierarchyDate
		default:
			if h, ok := m.HierarchyFor(f.Path); ok {
				c.Hierarchy, c.Levels, c.decl = HierarchyDeclared, h.Levels, h
			}
		}
		traits = append(traits, c)
	}
	sort.Slice(traits, func(i, j int) bool { return traits[i].Name < traits[j].Name })
	for _, c := range traits {
		add(c)
	}
	// Tags made for the purpose or one beneath it: a tag made for advertising is not the
	// purpose's to read (the profile view's rule).
	var tagCols []Column
	for _, t := range tags {
		if !taxonomy.Beneath(t.Purpose, purpose) {
			continue
		}
		tagCols = append(tagCols, Column{ID: KindTag + ":" + t.Name, Kind: KindTag, Name: t.Name, Label: t.Label, Type: TypeBoolean,
			Categories: slices.Clone(t.Categories), Hierarchy: HierarchyFlat})
	}
	sort.Slice(tagCols, func(i, j int) bool { return tagCols[i].Name < tagCols[j].Name })
	for _, c := range tagCols {
		add(c)
	}
	// Computed attributes, as the purpose's profile shows them.
	_, specs := profile.Attributes(m, purpose)
	for _, sp := range specs {
		add(Column{ID: KindAttribute + ":" + sp.Name, Kind: KindAttribute, Name: sp.Name, Type: TypeNumber,
			Categories: slices.Clone(sp.Categories), Hierarchy: HierarchyInterval, spec: sp})
	}
	return byID, ordered, identifiers
}

// zeroWhenAbsent reports whether an absent attribute means zero (counts and sums), as
// opposed to unknown (days since the last event, the last value).
func (c Column) zeroWhenAbsent() bool {
	return c.Kind == KindAttribute && !c.spec.Last && c.spec.Term.Func != expr.LastSeen
}
