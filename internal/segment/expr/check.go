package expr

import "fmt"

// Schema lists what a segment may refer to. Traits maps each known trait to the kind of its
// values (String or Number); Events lists known event names and, per event, its numeric
// properties usable in sum().
type Schema struct {
	Tags   map[string]bool
	Traits map[string]Kind
	Events map[string][]string
	// Purpose names the purpose the schema is for; Known, when set, is what any purpose may
	// refer to, so a reference this purpose may not read is refused saying so instead of
	// "unknown" (purpose limitation, PM-02).
	Purpose string
	Known   *Schema
}

// notForPurpose reports whether a reference unknown to s is known to the manifest for
// some other purpose.
func (s Schema) notForPurpose(known func(Schema) bool) bool {
	return s.Known != nil && known(*s.Known)
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
				if s.notForPurpose(func(k Schema) bool { _, ok := k.Traits[t.Name]; return ok }) {
					add(t.NamePos, "purpose %s may not read trait %q", s.Purpose, t.Name)
				} else {
					add(t.NamePos, "unknown trait %q", t.Name)
				}
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
				if s.notForPurpose(func(k Schema) bool { _, ok := k.Events[t.Name]; return ok }) {
					add(t.NamePos, "purpose %s may not read event %q", s.Purpose, t.Name)
				} else {
					add(t.NamePos, "unknown event %q", t.Name)
				}
				return
			}
			if t.Func == Sum && !contains(props, t.Prop) {
				if s.notForPurpose(func(k Schema) bool { return contains(k.Events[t.Name], t.Prop) }) {
					add(t.NamePos, "purpose %s may not read property %q of event %q", s.Purpose, t.Prop, t.Name)
				} else {
					add(t.NamePos, "event %q has no numeric property %q", t.Name, t.Prop)
				}
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
