package jsonscan

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"
)

// Verdict says what Filter does with one member.
type Verdict struct {
	// Keep keeps the member, whole subtree included.
	Keep bool
	// Replace, when not nil, is written instead of the member's value (a masked value); with
	// a Reason, the member is also counted under it.
	Replace []byte
	// Reason, without Keep or Replace, drops the member and counts it under Reason (a
	// stable metric label). A verdict with neither means "no rule here": an object is
	// entered and kept with the members that survive; any other value is dropped as
	// "not_in_schema".
	Reason string
}

var errNotObject = errors.New("jsonscan: not a JSON object")

// Filter rebuilds the object raw keeping what keep allows. keep is asked about dotted paths
// top-down ("properties", then "properties.revenue") with each member's value bytes. The
// result has sorted keys, the last of duplicate keys winning, so equal inputs give equal
// bytes; dropped members are counted by reason. raw must be exactly one JSON value; null
// gives {} (as decoding null into a map: no members).
func Filter(raw []byte, keep func(path string, value []byte) Verdict) ([]byte, map[string]int, error) {
	if !json.Valid(raw) {
		return nil, nil, errors.New("jsonscan: invalid JSON")
	}
	i := SkipSpace(raw, 0)
	stripped := map[string]int{}
	if strings.HasPrefix(string(raw[i:]), "null") {
		return []byte("{}"), stripped, nil
	}
	if raw[i] != '{' {
		return nil, nil, errNotObject
	}
	out := make([]byte, 0, len(raw))
	out, _ = filterObject(out, raw, i, "", keep, stripped)
	return out, stripped, nil
}

// filterObject appends the kept members of the (valid) object starting at raw[i] to out
// and returns out and how many members it kept. An object with none kept appends "{}".
func filterObject(out, raw []byte, i int, prefix string, keep func(string, []byte) Verdict, stripped map[string]int) ([]byte, int) {
	members := parseObject(raw, i)
	out = append(out, '{')
	kept := 0
	for _, m := range members {
		path := m.Name
		if prefix != "" {
			path = prefix + "." + m.Name
		}
		verdict := keep(path, m.Value)
		switch {
		case verdict.Replace != nil:
			out = appendSep(out, kept)
			out = AppendName(out, m.Name)
			out = append(out, verdict.Replace...)
			kept++
			if verdict.Reason != "" {
				stripped[verdict.Reason]++
			}
		case verdict.Keep:
			out = appendSep(out, kept)
			out = AppendName(out, m.Name)
			out = AppendCompact(out, m.Value)
			kept++
		case verdict.Reason != "":
			stripped[verdict.Reason]++
		case m.Value[0] == '{':
			mark := len(out)
			out = appendSep(out, kept)
			out = AppendName(out, m.Name)
			var n int
			if out, n = filterObject(out, m.Value, 0, path, keep, stripped); n == 0 {
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
func parseObject(raw []byte, i int) []Member {
	ms, _ := Members(raw, i)
	// Stable, so among equal names the later one comes last; then keep only that one.
	slices.SortStableFunc(ms, func(a, b Member) int { return strings.Compare(a.Name, b.Name) })
	w := 0
	for r := range ms {
		if r+1 < len(ms) && ms[r+1].Name == ms[r].Name {
			continue
		}
		ms[w] = ms[r]
		w++
	}
	return ms[:w]
}

// AppendName appends name and a colon, the name as a JSON string the way encoding/json
// encodes a map key.
func AppendName(out []byte, name string) []byte {
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

// AppendCompact appends the valid value v without insignificant space, escaping <, >, &,
// U+2028 and U+2029 inside strings, as encoding/json does when it re-encodes a RawMessage.
func AppendCompact(out, v []byte) []byte {
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
