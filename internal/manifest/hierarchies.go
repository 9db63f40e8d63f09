package manifest

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Hierarchy is a generalisation hierarchy the manifest declares for a categorical identify
// trait (issue 21: anonymised exports generalise categories by declared hierarchies and
// build interval hierarchies for numbers and dates themselves). Every listed value has one
// label per level, from the most specific to the most general; the anonymisation adds "*"
// (everything) above the last level. The labels form a tree: a label never sits under two
// different labels of the level above, so generalising level by level is well defined.
type Hierarchy struct {
	// Trait is the trait as the manifest names it (address.city or city); Field is the
	// identify field it resolves to (traits.address.city).
	Trait string `json:"-"`
	Field string `json:"-"`
	// Levels names the levels above the value, most specific first (province, region, …).
	Levels []string `json:"levels"`
	// Values maps each value to its labels, one per level.
	Values map[string][]string `json:"values"`
	order  []string
}

// Rows returns one row per value, in file order: the value, then its labels.
func (h Hierarchy) Rows() [][]string {
	out := make([][]string, 0, len(h.order))
	for _, v := range h.order {
		out = append(out, append([]string{v}, h.Values[v]...))
	}
	return out
}

// HierarchyFor returns the hierarchy declared for an identify field (traits.address.city).
func (m *Manifest) HierarchyFor(field string) (Hierarchy, bool) {
	for _, h := range m.Hierarchies {
		if h.Field == field {
			return h, true
		}
	}
	return Hierarchy{}, false
}

// MaxHierarchyLevels bounds a declared hierarchy's levels (the value and "*" come on top),
// so each lattice dimension of an anonymisation stays small.
const MaxHierarchyLevels = 16

// hierarchies checks the hierarchies section:
//
//	hierarchies:
//	  address.city:
//	    levels: [province, region, country]
//	    values:
//	      上海: [上海市, 华东, CN]
//
// Strictness: the key must name a string identify trait (numbers and dates get built
// hierarchies); levels are unique, non-empty names; every value lists exactly one label
// per level; no label is empty or "*" (reserved for "everything" and for suppression); a
// label sits under one label of the level above only, and the error names the value that
// first placed it elsewhere.
func (p *parser) hierarchies(m *Manifest, n *yaml.Node) {
	for _, kv := range p.mapping(n, "hierarchies", nil) {
		h := Hierarchy{Trait: kv.k.Value, Values: map[string][]string{}}
		what := "hierarchy " + h.Trait
		f, ok := m.TraitField(h.Trait)
		switch {
		case !ok:
			p.errf(kv.k, "%s: %q is not a trait of the identify event (traits.%s)", what, h.Trait, h.Trait)
			continue
		case f.Type == "number" || f.Type == "date":
			p.errf(kv.k, "%s: %s is a %s; its hierarchy is built from the data (intervals), not declared", what, f.Path, f.Type)
			continue
		}
		h.Field = f.Path
		if prev, dup := m.HierarchyFor(f.Path); dup {
			p.errf(kv.k, "%s: %s already has a hierarchy (%s)", what, f.Path, prev.Trait)
			continue
		}
		var levelsNode, valuesNode *yaml.Node
		for _, a := range p.mapping(kv.v, what, []string{"levels", "values"}) {
			if a.k.Value == "levels" {
				levelsNode = a.v
			} else {
				valuesNode = a.v
			}
		}
		if levelsNode == nil {
			p.errf(kv.k, "%s has no levels", what)
			continue
		}
		if valuesNode == nil {
			p.errf(kv.k, "%s has no values", what)
			continue
		}
		levels, nodes := p.strs(levelsNode, what+" levels")
		if len(levels) == 0 || len(levels) > MaxHierarchyLevels {
			p.errf(levelsNode, "%s: between 1 and %d levels, got %d", what, MaxHierarchyLevels, len(levels))
			continue
		}
		bad := false
		for i, l := range levels {
			if slices.Contains(levels[:i], l) {
				p.errf(nodes[i], "%s: level %q named twice", what, l)
				bad = true
			}
		}
		if bad {
			continue
		}
		h.Levels = levels
		// parent[l][label at level l] = its label at level l+1 and the value that said so.
		type placed struct{ label, by string }
		parent := make([]map[string]placed, len(levels))
		for i := range parent {
			parent[i] = map[string]placed{}
		}
		for _, v := range p.mapping(valuesNode, what+" values", nil) {
			labels, lnodes := p.strs(v.v, what+" value "+v.k.Value)
			if seq := deref(v.v); seq.Kind == yaml.SequenceNode && len(seq.Content) != len(levels) {
				p.errf(v.v, "%s: value %q has %d labels for %d levels (%s)", what, v.k.Value, len(seq.Content), len(levels), strings.Join(levels, ", "))
				continue
			}
			if len(labels) != len(levels) {
				continue // p.strs said why
			}
			ok := true
			for i, l := range labels {
				if strings.TrimSpace(l) == "*" {
					p.errf(lnodes[i], "%s: value %q: \"*\" is reserved for everything above the last level", what, v.k.Value)
					ok = false
				}
			}
			if strings.TrimSpace(v.k.Value) == "*" {
				p.errf(v.k, "%s: \"*\" is reserved and cannot be a value", what)
				ok = false
			}
			// The value itself is level 0: it generalises to one label only (the mapping
			// already refuses a value listed twice).
			for i := 0; ok && i+1 < len(labels); i++ {
				pl, seen := parent[i][labels[i]]
				if !seen {
					parent[i][labels[i]] = placed{labels[i+1], v.k.Value}
					continue
				}
				if pl.label != labels[i+1] {
					p.errf(lnodes[i+1], "%s: %s %q lies under %s %q here but under %q for value %q", what,
						levels[i], labels[i], levels[i+1], labels[i+1], pl.label, pl.by)
					ok = false
				}
			}
			if !ok {
				continue
			}
			h.Values[v.k.Value] = labels
			h.order = append(h.order, v.k.Value)
		}
		if len(h.order) == 0 {
			p.errf(valuesNode, "%s lists no values", what)
			continue
		}
		m.Hierarchies = append(m.Hierarchies, h)
	}
}
