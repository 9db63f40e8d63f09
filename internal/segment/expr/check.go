package expr

import "fmt"

// Schema lists what a segment may refer to. Traits maps each known trait to the kind of its
// values (String or Number); Events lists known event names and, per event, its numeric
// properties usable in sum().
type Schema struct {
	Tags   map[string]bool
	Traits map[string]Kind
	Events map[string][]string
}

// Check reports every reference in n that the schema does not know, and every comparison of
// a trait against a literal of the wrong kind, each at its position. It returns nil (not an
// empty ErrorList) when n is valid.
func Check(n Node, s Schema) error {
	var errs ErrorList
	add := func(p Pos, format string, args ...any) {
		errs = append(errs, &Error{p, fmt.Sprintf(format, args...)})
	}
	checkTerm := func(t Term, vals []Value) {
		switch t.Func {
		case Trait:
			kind, ok := s.Traits[t.Name]
			if !ok {
				add(t.NamePos, "unknown trait %q", t.Name)
				return
			}
			for _, v := range vals {
				if v.Kind != kind {
					add(v.At, "trait %q holds %s values, not %s", t.Name, kind, v.Kind)
				}
			}
		default:
			props, ok := s.Events[t.Name]
			if !ok {
				add(t.NamePos, "unknown event %q", t.Name)
				return
			}
			if t.Func == Sum && !contains(props, t.Prop) {
				add(t.NamePos, "event %q has no numeric property %q", t.Name, t.Prop)
			}
		}
	}
	var walk func(Node)
	walk = func(n Node) {
		switch x := n.(type) {
		case *Logical:
			walk(x.X)
			walk(x.Y)
		case *Not:
			walk(x.X)
		case *Tag:
			if !s.Tags[x.Name] {
				add(x.NamePos, "unknown tag %q", x.Name)
			}
		case *Compare:
			checkTerm(x.Term, []Value{x.Value})
		case *In:
			checkTerm(x.Term, x.Values)
		}
	}
	walk(n)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
