package collect

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// FieldVerdict says whether one field of a message may be stored and, if not, why (a
// stable reason used as a metric label).
type FieldVerdict struct {
	Keep   bool
	Reason string
}

var errNotObject = errors.New("minimise: not a JSON object")

// Minimise rebuilds a message object keeping only what keep allows (PM-01: fields not on
// the event type's allow-list are never stored; fields whose every purpose is denied are
// stripped before storage).
//
// keep is asked about dotted paths top-down ("properties", then "properties.revenue"):
// an answer of Keep for an object keeps its whole subtree (a manifest entry for
// "properties.products" covers every product line); an answer with Reason "" and
// Keep false for an object means "no rule here, look inside", and the object is kept
// only with the members that survive. Leaves with no rule are stripped with reason
// "not_in_schema". The result has sorted keys, so equal inputs store equal bytes.
//
// The output is byte for byte what decoding into maps of json.RawMessage and encoding
// them again with encoding/json gives (compact, sorted keys, the last of duplicate keys
// wins, <, >, & and U+2028/U+2029 escaped in strings), but it is built in one walk over
// the bytes after one validity scan: the map round trip was the most expensive step of
// ingestion. raw must be exactly one JSON value.
func Minimise(raw json.RawMessage, keep func(path string) FieldVerdict) ([]byte, map[string]int, error) {
	if !json.Valid(raw) {
		return nil, nil, errors.New("minimise: invalid JSON")
	}
	i := skipSpace(raw, 0)
	stripped := map[string]int{}
	if strings.HasPrefix(string(raw[i:]), "null") {
		return []byte("{}"), stripped, nil // as decoding null into a map: no members
	}
	if raw[i] != '{' {
		return nil, nil, errNotObject
	}
	out := make([]byte, 0, len(raw))
	out, _ = minimiseObject(out, raw, i, "", keep, stripped)
	return out, stripped, nil
}

// member is one name/value pair of an object: the decoded name and the value's bytes.
type member struct {
	name string
	val  []byte
}

// minimiseObject appends the kept members of the (valid) object starting at raw[i] to out
// and returns out and how many members it kept. An object with none kept appends "{}".
func minimiseObject(out, raw []byte, i int, prefix string, keep func(string) FieldVerdict, stripped map[string]int) ([]byte, int) {
	members := parseObject(raw, i)
	out = append(out, '{')
	kept := 0
	for _, m := range members {
		path := m.name
		if prefix != "" {
			path = prefix + "." + m.name
		}
		verdict := keep(path)
		switch {
		case verdict.Keep:
			out = appendSep(out, kept)
			out = appendName(out, m.name)
			out = appendCompact(out, m.val)
			kept++
		case verdict.Reason != "":
			stripped[verdict.Reason]++
		case m.val[0] == '{':
			mark := len(out)
			out = appendSep(out, kept)
			out = appendName(out, m.name)
			var n int
			if out, n = minimiseObject(out, m.val, 0, path, keep, stripped); n == 0 {
				out = out[:mark] // nothing inside survived: the object goes too
			} else {
				kept++
			}
		default:
			stripped["not_in_schema"]++
		}
	}
	return append(out, '}'), kept
}

func appendSep(out []byte, kept int) []byte {
	if kept > 0 {
		return append(out, ',')
	}
	return out
}

// parseObject returns the members of the valid object at raw[i], sorted by name, the last
// of duplicate names winning (as decoding into a map does).
func parseObject(raw []byte, i int) []member {
	var ms []member
	i = skipSpace(raw, i+1) // past '{'
	for raw[i] != '}' {
		end := skipString(raw, i)
		name := decodeName(raw[i:end])
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // past ':'
		vend := skipValue(raw, i)
		ms = append(ms, member{name: name, val: raw[i:vend]})
		i = skipSpace(raw, vend)
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	// Stable, so among equal names the later one comes last; then keep only that one.
	slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.name, b.name) })
	w := 0
	for r := range ms {
		if r+1 < len(ms) && ms[r+1].name == ms[r].name {
			continue
		}
		ms[w] = ms[r]
		w++
	}
	return ms[:w]
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the valid string literal starting at b[i].
func skipString(b []byte, i int) int {
	for i++; ; i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

// skipValue returns the index just past the valid value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(b) && !strings.ContainsRune(" \t\n\r,}]", rune(b[i])) {
		i++ // number, true, false, null
	}
	return i
}

// decodeName unquotes a valid string literal as encoding/json does (escapes resolved,
// invalid UTF-8 replaced by U+FFFD).
func decodeName(lit []byte) string {
	body := lit[1 : len(lit)-1]
	plain := true
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(body)
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		panic(fmt.Sprintf("minimise: valid string literal did not decode: %v", err)) // json.Valid passed
	}
	return s
}

// appendName appends name and a colon, the name as a JSON string the way encoding/json
// encodes a map key.
func appendName(out []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(name)
			return append(append(out, b...), ':')
		}
	}
	out = append(out, '"')
	out = append(out, name...)
	return append(out, '"', ':')
}

// appendCompact appends the valid value v without insignificant space, escaping <, >, &,
// U+2028 and U+2029 inside strings, as encoding/json does when it re-encodes a RawMessage.
func appendCompact(out, v []byte) []byte {
	const hex = "0123456789abcdef"
	inString := false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if inString {
			switch {
			case c == '\\':
				i++
			case c == '"':
				inString = false
			case c == '<' || c == '>' || c == '&':
				out = append(out, v[start:i]...)
				out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
				start = i + 1
			case c == 0xE2 && i+2 < len(v) && v[i+1] == 0x80 && v[i+2]&^1 == 0xA8:
				out = append(out, v[start:i]...)
				out = append(out, '\\', 'u', '2', '0', '2', hex[v[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ' ', '\t', '\n', '\r':
			out = append(out, v[start:i]...)
			start = i + 1
		}
	}
	return append(out, v[start:]...)
}
