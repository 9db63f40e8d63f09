package taxonomy

import (
	"fmt"
	"slices"
)

// Taxonomy is a set of categories and purposes: the published ones plus a deployment's own.
// The zero value is empty; use [Default] for the published set.
type Taxonomy struct {
	categories map[string]Category
	purposes   map[string]Purpose
}

// Default returns a fresh taxonomy holding the published categories and purposes.
func Default() *Taxonomy {
	t := &Taxonomy{categories: map[string]Category{}, purposes: map[string]Purpose{}}
	for _, c := range publishedCategories {
		t.categories[c.Key] = c
	}
	for _, p := range publishedPurposes {
		t.purposes[p.Key] = p
	}
	return t
}

// Clone returns an independent copy.
func (t *Taxonomy) Clone() *Taxonomy {
	c := &Taxonomy{categories: make(map[string]Category, len(t.categories)), purposes: make(map[string]Purpose, len(t.purposes))}
	for k, v := range t.categories {
		c.categories[k] = v
	}
	for k, v := range t.purposes {
		v.LIJurisdictions = slices.Clone(v.LIJurisdictions)
		c.purposes[k] = v
	}
	return c
}

// Category returns the category for key. A key not declared itself inherits from its
// nearest declared ancestor (a deployment's "user.health_and_medical.pregnancy" is
// sensitive); the returned Category then carries key itself. ok is false when no ancestor
// is declared.
func (t *Taxonomy) Category(key string) (Category, bool) {
	for k := key; k != ""; k = Parent(k) {
		if c, ok := t.categories[k]; ok {
			c.Key = key
			return c, true
		}
	}
	return Category{}, false
}

// Declared reports whether key itself is declared (not inherited).
func (t *Taxonomy) Declared(key string) bool { _, ok := t.categories[key]; return ok }

// AddCategory declares a deployment category. It must lie beneath a declared category, and
// it may not lower a sensitive ancestor's grade: the PIPL Art. 28 grade is a floor.
func (t *Taxonomy) AddCategory(c Category) error {
	parent, ok := t.Category(Parent(c.Key))
	if Parent(c.Key) == "" || !ok {
		return fmt.Errorf("category %q is not beneath a published category", c.Key)
	}
	if c.Grade == "" {
		c.Grade = parent.Grade
	}
	if !c.Grade.Valid() {
		return fmt.Errorf("category %q: unknown grade %q", c.Key, c.Grade)
	}
	if parent.Grade == Sensitive && c.Grade != Sensitive {
		return fmt.Errorf("category %q: cannot grade %s beneath sensitive %q", c.Key, c.Grade, Parent(c.Key))
	}
	if c.Art28 == "" {
		c.Art28 = parent.Art28
	}
	c.Identifier = c.Identifier || parent.Identifier
	t.categories[c.Key] = c
	return nil
}

// Purpose returns the purpose declared for key (purposes do not inherit: each has its own
// basis and statement).
func (t *Taxonomy) Purpose(key string) (Purpose, bool) { p, ok := t.purposes[key]; return p, ok }

// SetPurpose declares or replaces a purpose.
func (t *Taxonomy) SetPurpose(p Purpose) { t.purposes[p.Key] = p }

// Categories returns every declared category sorted by key.
func (t *Taxonomy) Categories() []Category {
	out := make([]Category, 0, len(t.categories))
	for _, c := range t.categories {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Category) int { return compare(a.Key, b.Key) })
	return out
}

// Purposes returns every declared purpose sorted by key.
func (t *Taxonomy) Purposes() []Purpose {
	out := make([]Purpose, 0, len(t.purposes))
	for _, p := range t.purposes {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Purpose) int { return compare(a.Key, b.Key) })
	return out
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
