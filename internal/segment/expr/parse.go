package expr

import (
	"fmt"
	"strings"
)

// Error is one problem at one place in the source.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList holds every error found, in source order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Limits that keep hostile input cheap: the source size and the nesting depth (so a wall
// of "(" cannot exhaust the stack), and how many errors are worth reporting.
const (
	MaxSource = 64 << 10
	maxDepth  = 100
	maxErrors = 10
)

type parser struct {
	toks  []token
	i     int
	depth int
	errs  ErrorList
}

// Parse parses a segment expression. On failure the error is an ErrorList with every
// located problem found (the tree is then nil).
func Parse(src string) (Node, error) {
	if len(src) > MaxSource {
		return nil, ErrorList{{Pos{1, 1}, fmt.Sprintf("expression longer than %d bytes", MaxSource)}}
	}
	p := &parser{toks: lex(src)}
	if p.peek().kind == tEOF {
		return nil, ErrorList{{Pos{1, 1}, "empty expression"}}
	}
	n := p.parseOr()
	for p.peek().kind != tEOF && len(p.errs) < maxErrors {
		t := p.next()
		p.unexpected(t, "unexpected %s; expected and, or or end of input", describe(t))
		p.sync()
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, &Error{pos, fmt.Sprintf(format, args...)})
	}
}

// sync skips to the next "and", "or", ")" or end of input so that one mistake does not
// hide the ones after it.
func (p *parser) sync() {
	depth := 0
	for {
		switch p.peek().kind {
		case tEOF:
			return
		case tAnd, tOr:
			if depth == 0 {
				return
			}
		case tLParen:
			depth++
		case tRParen:
			if depth == 0 {
				return
			}
			depth--
		}
		p.next()
	}
}

// unexpected reports t, preferring the lexer's own explanation for malformed tokens.
func (p *parser) unexpected(t token, format string, args ...any) {
	if t.kind == tIllegal {
		p.errorf(t.pos, "%s", t.err)
		return
	}
	p.errorf(t.pos, format, args...)
}

// skipCall recovers inside a function call: it skips to the call's closing ")" and
// consumes it, or stops before "and", "or" or end of input.
func (p *parser) skipCall() {
	depth := 0
	for {
		switch p.peek().kind {
		case tEOF:
			return
		case tAnd, tOr:
			if depth == 0 {
				return
			}
		case tLParen:
			depth++
		case tRParen:
			if depth == 0 {
				p.next()
				return
			}
			depth--
		}
		p.next()
	}
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tIllegal:
		return fmt.Sprintf("%q", t.text)
	case tString:
		return "string " + t.text
	case tNumber, tWindow:
		return t.text
	}
	return fmt.Sprintf("%q", t.text)
}

// bad is a placeholder after an error; it never escapes Parse.
var bad Node = &Tag{}

func (p *parser) parseOr() Node {
	x := p.parseAnd()
	for p.peek().kind == tOr {
		t := p.next()
		x = &Logical{At: t.pos, Op: Or, X: x, Y: p.parseAnd()}
	}
	return x
}

func (p *parser) parseAnd() Node {
	x := p.parseUnary()
	for p.peek().kind == tAnd {
		t := p.next()
		x = &Logical{At: t.pos, Op: And, X: x, Y: p.parseUnary()}
	}
	return x
}

func (p *parser) parseUnary() Node {
	if p.depth >= maxDepth {
		p.errorf(p.peek().pos, "expression nested too deeply")
		p.i = len(p.toks) - 1 // nothing after this can be trusted
		return bad
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.peek().kind == tNot {
		t := p.next()
		return &Not{At: t.pos, X: p.parseUnary()}
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() Node {
	t := p.peek()
	switch {
	case t.kind == tLParen:
		p.next()
		x := p.parseOr()
		if p.peek().kind != tRParen {
			p.errorf(p.peek().pos, "expected \")\" to close \"(\" at %s, found %s", t.pos, describe(p.peek()))
			p.sync()
			if p.peek().kind == tRParen {
				p.next()
			}
			return bad
		}
		p.next()
		return x
	case t.kind == tIdent && t.str == "tag":
		p.next()
		if !p.expect(tLParen, `"("`) {
			return bad
		}
		name, ok := p.stringArg("tag name")
		if !ok || !p.arg(tRParen, `")"`) {
			p.skipCall()
			return bad
		}
		return &Tag{At: t.pos, Name: name.str, NamePos: name.pos}
	case t.kind == tIdent:
		term, ok := p.parseTerm()
		if !ok {
			p.sync() // skip the comparison that belonged to the broken term
			return bad
		}
		return p.parseCondition(term)
	case t.kind == tIllegal:
		p.next()
		p.errorf(t.pos, "%s", t.err)
		p.sync()
		return bad
	}
	p.next()
	p.unexpected(t, "unexpected %s; expected a condition such as tag(\"name\"), trait(\"name\") == \"value\" or count(event, 30d) >= 1", describe(t))
	p.sync()
	return bad
}

// arg consumes a token of kind k or reports an error, leaving recovery to the caller.
func (p *parser) arg(k tokKind, what string) bool {
	if p.peek().kind == k {
		p.next()
		return true
	}
	p.unexpected(p.peek(), "expected %s, found %s", what, describe(p.peek()))
	return false
}

// expect consumes a token of kind k or reports an error and resynchronises.
func (p *parser) expect(k tokKind, what string) bool {
	if p.peek().kind == k {
		p.next()
		return true
	}
	t := p.peek()
	if t.kind == tIllegal {
		p.errorf(t.pos, "%s", t.err)
	} else {
		p.errorf(t.pos, "expected %s, found %s", what, describe(t))
	}
	p.sync()
	if k == tRParen && p.peek().kind == tRParen {
		p.next()
	}
	return false
}

func (p *parser) stringArg(what string) (token, bool) {
	t := p.peek()
	if t.kind == tString {
		p.next()
		if t.str == "" {
			p.errorf(t.pos, "%s must not be empty", what)
			return t, false
		}
		return t, true
	}
	if t.kind == tIllegal {
		p.errorf(t.pos, "%s", t.err)
	} else {
		p.errorf(t.pos, "expected %s as a string literal, found %s", what, describe(t))
	}
	return t, false
}

func (p *parser) eventArg() (token, bool) {
	t := p.peek()
	if t.kind == tIdent || t.kind == tString {
		return p.stringOrIdent(t)
	}
	if t.kind == tIllegal {
		p.errorf(t.pos, "%s", t.err)
	} else {
		p.errorf(t.pos, "expected an event name, found %s", describe(t))
	}
	return t, false
}

func (p *parser) stringOrIdent(t token) (token, bool) {
	p.next()
	if t.str == "" {
		p.errorf(t.pos, "event name must not be empty")
		return t, false
	}
	return t, true
}

func (p *parser) windowArg() (Duration, bool) {
	t := p.peek()
	if t.kind == tWindow {
		p.next()
		return t.dur, true
	}
	if t.kind == tIllegal {
		p.errorf(t.pos, "%s", t.err)
	} else {
		p.errorf(t.pos, "expected a window such as 30d or 12h, found %s", describe(t))
	}
	return Duration{}, false
}

// parseTerm parses trait(...), count(...), sum(...) or last_seen(...).
func (p *parser) parseTerm() (Term, bool) {
	t := p.next()
	term := Term{At: t.pos}
	switch t.str {
	case "trait":
		term.Func = Trait
	case "count":
		term.Func = Count
	case "sum":
		term.Func = Sum
	case "last_seen":
		term.Func = LastSeen
	default:
		p.errorf(t.pos, "unknown function %q; known: tag, trait, count, sum, last_seen", t.str)
		p.sync()
		return term, false
	}
	if !p.expect(tLParen, `"("`) {
		return term, false
	}
	if !p.termArgs(&term) {
		p.skipCall()
		return term, false
	}
	return term, true
}

// termArgs parses a term's arguments and closing ")" without resynchronising.
func (p *parser) termArgs(term *Term) bool {
	var name token
	var ok bool
	if term.Func == Trait {
		name, ok = p.stringArg("trait name")
	} else {
		name, ok = p.eventArg()
	}
	if !ok {
		return false
	}
	term.Name, term.NamePos = name.str, name.pos
	if term.Func == Sum {
		if !p.arg(tComma, `","`) {
			return false
		}
		prop, ok := p.stringArg("property name")
		if !ok {
			return false
		}
		term.Prop = prop.str
	}
	if term.Func == Count || term.Func == Sum {
		if !p.arg(tComma, `","`) {
			return false
		}
		if term.Window, ok = p.windowArg(); !ok {
			return false
		}
	}
	return p.arg(tRParen, `")"`)
}

// wants says which literal kinds a function's result compares with.
func wants(f Func) []Kind {
	switch f {
	case Trait:
		return []Kind{String, Number}
	case LastSeen:
		return []Kind{Window}
	}
	return []Kind{Number}
}

func (p *parser) parseCondition(term Term) Node {
	t := p.peek()
	switch t.kind {
	case tCmp:
		p.next()
		v, ok := p.literal(term)
		if !ok {
			return bad
		}
		if v.Kind == String && t.op != Eq && t.op != Ne {
			p.errorf(t.pos, "strings compare only with == or !=, not %s", t.op)
			return bad
		}
		return &Compare{At: term.At, Term: term, Op: t.op, Value: v}
	case tIn:
		p.next()
		if term.Func != Trait && term.Func != Count {
			p.errorf(t.pos, "\"in\" works with trait() and count(), not %s()", term.Func)
			p.sync()
			return bad
		}
		if !p.expect(tLBrack, `"["`) {
			return bad
		}
		n := &In{At: term.At, Term: term}
		for p.peek().kind != tRBrack {
			v, ok := p.literal(term)
			if !ok {
				return bad
			}
			if len(n.Values) > 0 && v.Kind != n.Values[0].Kind {
				p.errorf(v.At, "list mixes %s and %s values", n.Values[0].Kind, v.Kind)
				p.sync()
				return bad
			}
			n.Values = append(n.Values, v)
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
		if !p.expect(tRBrack, `"]" or ","`) {
			return bad
		}
		if len(n.Values) == 0 {
			p.errorf(t.pos, "empty list after \"in\"")
			return bad
		}
		return n
	}
	if t.kind == tIllegal {
		p.next()
		p.errorf(t.pos, "%s", t.err)
	} else if term.Func == Trait {
		p.errorf(t.pos, "trait(%q) needs a comparison, e.g. trait(%q) == \"value\"; found %s", term.Name, term.Name, describe(t))
	} else {
		p.errorf(t.pos, "%s() needs a comparison such as >= 1; found %s", term.Func, describe(t))
	}
	p.sync()
	return bad
}

func (p *parser) literal(term Term) (Value, bool) {
	t := p.peek()
	var v Value
	switch t.kind {
	case tString:
		v = Value{At: t.pos, Kind: String, Str: t.str}
	case tNumber:
		v = Value{At: t.pos, Kind: Number, Num: t.num}
	case tWindow:
		v = Value{At: t.pos, Kind: Window, Dur: t.dur}
	case tIllegal:
		p.next()
		p.errorf(t.pos, "%s", t.err)
		p.sync()
		return v, false
	default:
		p.errorf(t.pos, "expected a value, found %s", describe(t))
		p.sync()
		return v, false
	}
	p.next()
	for _, k := range wants(term.Func) {
		if v.Kind == k {
			return v, true
		}
	}
	var ks []string
	for _, k := range wants(term.Func) {
		ks = append(ks, k.String())
	}
	p.errorf(t.pos, "%s() compares with a %s, not a %s", term.Func, strings.Join(ks, " or "), v.Kind)
	return v, false
}
