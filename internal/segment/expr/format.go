package expr

import (
	"strconv"
	"strings"
)

// Format prints n in canonical form: single spaces, minimal parentheses, keywords in lower
// case. Parse(Format(n)) is Equal to n.
func Format(n Node) string {
	var b strings.Builder
	format(&b, n)
	return b.String()
}

func format(b *strings.Builder, n Node) {
	switch x := n.(type) {
	case *Logical:
		// Left-associative: a left child of the same or tighter binding needs no
		// parentheses; a right child of the same operator does.
		group(b, x.X, x.Op == And && isOp(x.X, Or))
		b.WriteString(" " + x.Op.String() + " ")
		group(b, x.Y, isOp(x.Y, x.Op) || x.Op == And && isOp(x.Y, Or))
	case *Not:
		b.WriteString("not ")
		_, logical := x.X.(*Logical)
		group(b, x.X, logical)
	case *Tag:
		b.WriteString("tag(" + strconv.Quote(x.Name) + ")")
	case *Compare:
		formatTerm(b, x.Term)
		b.WriteString(" " + x.Op.String() + " ")
		formatValue(b, x.Value)
	case *In:
		formatTerm(b, x.Term)
		b.WriteString(" in [")
		for i, v := range x.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, v)
		}
		b.WriteString("]")
	}
}

func isOp(n Node, op LogicOp) bool {
	l, ok := n.(*Logical)
	return ok && l.Op == op
}

func group(b *strings.Builder, n Node, paren bool) {
	if paren {
		b.WriteString("(")
	}
	format(b, n)
	if paren {
		b.WriteString(")")
	}
}

func formatTerm(b *strings.Builder, t Term) {
	b.WriteString(t.Func.String() + "(")
	if t.Func == Trait {
		b.WriteString(strconv.Quote(t.Name))
	} else {
		b.WriteString(eventName(t.Name))
	}
	if t.Func == Sum {
		b.WriteString(", " + strconv.Quote(t.Prop))
	}
	if t.Func == Count || t.Func == Sum {
		b.WriteString(", " + t.Window.String())
	}
	b.WriteString(")")
}

// eventName prints an event bare when it lexes back as an identifier, quoted otherwise.
func eventName(s string) string {
	if _, kw := keywords[s]; kw || s == "" || !isIdentStart(s[0]) {
		return strconv.Quote(s)
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return strconv.Quote(s)
		}
	}
	return s
}

func formatValue(b *strings.Builder, v Value) {
	switch v.Kind {
	case String:
		b.WriteString(strconv.Quote(v.Str))
	case Number:
		b.WriteString(strconv.FormatFloat(v.Num, 'g', -1, 64))
	case Window:
		b.WriteString(v.Dur.String())
	}
}
