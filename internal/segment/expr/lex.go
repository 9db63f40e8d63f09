package expr

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIllegal
	tIdent
	tString
	tNumber
	tWindow
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tCmp
	tAnd
	tOr
	tNot
	tIn
)

type token struct {
	kind tokKind
	text string // source text, for messages
	pos  Pos
	str  string   // tString: decoded; tIdent: name
	num  float64  // tNumber
	dur  Duration // tWindow
	op   CmpOp    // tCmp
	err  string   // tIllegal: why
}

var keywords = map[string]tokKind{"and": tAnd, "or": tOr, "not": tNot, "in": tIn}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

// lex splits src into tokens; malformed input becomes tIllegal tokens carrying the reason,
// so the parser can report them in place and keep going.
func lex(src string) []token {
	var toks []token
	line, col := 1, 1
	i := 0
	// advance moves i to j, keeping line and column in step.
	advance := func(j int) {
		for i < j {
			r, w := utf8.DecodeRuneInString(src[i:])
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			i += w
		}
	}
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
			advance(i + 1)
		}
		pos := Pos{line, col}
		if i >= len(src) {
			toks = append(toks, token{kind: tEOF, text: "end of input", pos: pos})
			return toks
		}
		start := i
		c := src[i]
		tok := token{pos: pos}
		j := i + 1
		switch {
		case isIdentStart(c):
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			word := src[i:j]
			tok.kind, tok.str = tIdent, word
			if k, ok := keywords[word]; ok {
				tok.kind = k
			}
		case isDigit(c) || c == '-' && i+1 < len(src) && isDigit(src[i+1]):
			j = lexNumber(src, i, &tok)
		case c == '"':
			j = i + 1
			for j < len(src) && src[j] != '"' && src[j] != '\n' {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				j++
			}
			if j >= len(src) || src[j] != '"' {
				tok.kind, tok.err = tIllegal, "unterminated string"
				break
			}
			j++
			s, err := strconv.Unquote(src[i:j])
			if err != nil {
				tok.kind, tok.err = tIllegal, "invalid escape in string"
				break
			}
			tok.kind, tok.str = tString, s
		case c == '(':
			tok.kind = tLParen
		case c == ')':
			tok.kind = tRParen
		case c == '[':
			tok.kind = tLBrack
		case c == ']':
			tok.kind = tRBrack
		case c == ',':
			tok.kind = tComma
		case c == '=' || c == '!' || c == '<' || c == '>':
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			tok.kind = tCmp
			switch {
			case two == "==":
				tok.op, j = Eq, i+2
			case two == "!=":
				tok.op, j = Ne, i+2
			case two == "<=":
				tok.op, j = Le, i+2
			case two == ">=":
				tok.op, j = Ge, i+2
			case c == '<':
				tok.op = Lt
			case c == '>':
				tok.op = Gt
			case c == '=':
				tok.kind, tok.err = tIllegal, `"=" is not an operator; use "=="`
			default:
				tok.kind, tok.err = tIllegal, `"!" is not an operator; use "not" or "!="`
			}
		case c == '&' || c == '|':
			for j < len(src) && src[j] == c {
				j++
			}
			tok.kind, tok.err = tIllegal, map[byte]string{'&': `use "and" instead of "&&"`, '|': `use "or" instead of "||"`}[c]
		default:
			r, w := utf8.DecodeRuneInString(src[i:])
			j = i + w
			tok.kind, tok.err = tIllegal, "unexpected character "+strconv.QuoteRune(r)
		}
		tok.text = src[start:j]
		toks = append(toks, tok)
		advance(j)
	}
}

// lexNumber scans a number or window starting at i and returns where it ends.
func lexNumber(src string, i int, tok *token) int {
	j := i
	if src[j] == '-' {
		j++
	}
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	intEnd := j
	// Window: whole number directly followed by a unit.
	if j < len(src) && isIdentStart(src[j]) && src[j] != 'e' && src[j] != 'E' {
		k := j
		for k < len(src) && isIdentChar(src[k]) {
			k++
		}
		unit := src[j:k]
		switch {
		case unit != "d" && unit != "h":
			tok.kind, tok.err = tIllegal, "unknown window unit "+strconv.Quote(unit)+" (use d or h)"
		case src[i] == '-':
			tok.kind, tok.err = tIllegal, "window must be positive"
		default:
			n, err := strconv.ParseInt(src[i:intEnd], 10, 64)
			limit := int64(maxWindowDays)
			if unit == "h" {
				limit *= 24
			}
			if err != nil || n > limit {
				tok.kind, tok.err = tIllegal, "window too long (at most 36500d)"
			} else if n == 0 {
				tok.kind, tok.err = tIllegal, "window must be positive"
			} else {
				tok.kind, tok.dur = tWindow, Duration{N: n, Unit: unit[0]}
			}
		}
		return k
	}
	if j < len(src) && src[j] == '.' {
		j++
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(src[k]) {
			for k < len(src) && isDigit(src[k]) {
				k++
			}
			j = k
		}
	}
	for j < len(src) && isIdentChar(src[j]) { // "12abc": swallow so the error covers it
		j++
		tok.err = "malformed number"
	}
	if tok.err != "" {
		tok.kind = tIllegal
		return j
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(src[i:j], "."), 64)
	if err != nil {
		tok.kind, tok.err = tIllegal, "number out of range"
		return j
	}
	tok.kind, tok.num = tNumber, f
	return j
}
