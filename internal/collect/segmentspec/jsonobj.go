package segmentspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"
)

// member is one top-level member of a JSON object, its value as received.
type member struct {
	key   string
	value json.RawMessage
}

var (
	errNotObject = errors.New("not a JSON object")
	errNotArray  = errors.New("not a JSON array")
)

// duplicateKeyError names a key that occurs twice at the top level. Decoders
// disagree on which copy wins, and the consent gate must judge exactly what
// gets stored, so such objects are refused.
type duplicateKeyError struct{ key string }

func (e *duplicateKeyError) Error() string { return "duplicate key " + strconv.Quote(e.key) }

// members splits data, which must hold exactly one JSON object and nothing
// else but whitespace, into its top-level members in order. The values are
// subslices of data.
func members(data []byte) ([]member, error) {
	if !json.Valid(data) {
		// Only the error path pays for a second pass, to get an offset.
		var raw json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, err
		}
		return nil, errNotObject
	}
	return splitObject(data)
}

// The splitters below walk JSON that json.Valid has accepted, so they only
// need to find where values end: strings, nesting and literals. Each loop
// still checks bounds, so a mistake here fails rather than panics.

// splitObject splits valid JSON holding one object into its members.
func splitObject(data []byte) ([]member, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, errNotObject
	}
	var out []member
	var seen map[string]struct{} // built once the linear scan gets costly
	for i = skipSpace(data, i+1); i < len(data) && data[i] == '"'; {
		kEnd := stringEnd(data, i)
		key := unquote(data[i:kEnd])
		i = skipSpace(data, kEnd) // at ':'
		i = skipSpace(data, i+1)  // at the value
		vEnd := valueEnd(data, i)
		if seen == nil && len(out) == 16 {
			seen = make(map[string]struct{}, 32)
			for _, m := range out {
				seen[m.key] = struct{}{}
			}
		}
		if seen != nil {
			if _, dup := seen[key]; dup {
				return nil, &duplicateKeyError{key: key}
			}
			seen[key] = struct{}{}
		} else {
			for _, m := range out {
				if m.key == key {
					return nil, &duplicateKeyError{key: key}
				}
			}
		}
		out = append(out, member{key: key, value: data[i:vEnd:vEnd]})
		i = skipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return out, nil
}

// splitArray splits valid JSON holding one array into its elements.
func splitArray(data []byte) ([]json.RawMessage, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, errNotArray
	}
	var out []json.RawMessage
	for i = skipSpace(data, i+1); i < len(data) && data[i] != ']'; {
		end := valueEnd(data, i)
		out = append(out, data[i:end:end])
		i = skipSpace(data, end)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return out, nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at data[i].
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// valueEnd returns the index just past the value starting at data[i].
func valueEnd(data []byte, i int) int {
	if i >= len(data) {
		return len(data)
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = stringEnd(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// unquote unquotes a JSON string the way encoding/json does (escapes
// resolved, invalid UTF-8 replaced), taking the copy-only path when it can.
func unquote(quoted []byte) string {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(quoted, &s) // valid JSON string, so this cannot fail
	return s
}

// rebuild writes the members back as one object, keeping each value's bytes.
func rebuild(ms []member) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, m.key)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode appends a newline
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// decodeString reads a string member; null means absent.
func decodeString(raw json.RawMessage) (string, bool) {
	if isNull(raw) {
		return "", true
	}
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	// Values here come from validated JSON, so a leading quote means a
	// whole string.
	return unquote(raw), true
}

// decodeID reads an identifier. Besides strings it takes JSON numbers, which
// several server SDKs let through (rudder-sdk-node stringifies them, PHP and
// Python clients do not), and keeps their literal text.
func decodeID(raw json.RawMessage) (string, bool) {
	if len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return string(raw), true
	}
	return decodeString(raw)
}

// decodeObject reads an object member with numbers kept as json.Number; null
// means absent. Like the splitters it walks JSON that json.Valid accepted (every
// member the decoder hands it is part of a validated body), so it makes one pass
// and builds what encoding/json's Decoder with UseNumber builds — the fuzz test
// FuzzDecodeObject holds the two equal — at about a third of the cost: the
// reflection-driven decoder was 7% of all CPU in bench ingest. Like the
// splitters it checks bounds and answers false rather than panic if handed
// anything else.
func decodeObject(raw json.RawMessage) (map[string]any, bool) {
	if isNull(raw) {
		return nil, true
	}
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	v, end, ok := decodeValue(raw, i)
	if !ok || skipSpace(raw, end) != len(raw) {
		return nil, false
	}
	return v.(map[string]any), true
}

// decodeValue decodes the value starting at data[i] and returns it and the index
// just past it. Objects become map[string]any (the last of duplicate keys wins,
// as in encoding/json), arrays []any, numbers json.Number.
func decodeValue(data []byte, i int) (any, int, bool) {
	if i >= len(data) {
		return nil, i, false
	}
	switch data[i] {
	case '{':
		m := map[string]any{}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return m, i + 1, true
		}
		for {
			key, end, ok := decodeStringAt(data, i)
			if !ok {
				return nil, i, false
			}
			if i = skipSpace(data, end); i >= len(data) || data[i] != ':' {
				return nil, i, false
			}
			v, end, ok := decodeValue(data, skipSpace(data, i+1))
			if !ok {
				return nil, end, false
			}
			m[key] = v
			if i = skipSpace(data, end); i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
				continue
			}
			if i < len(data) && data[i] == '}' {
				return m, i + 1, true
			}
			return nil, i, false
		}
	case '[':
		a := []any{}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return a, i + 1, true
		}
		for {
			v, end, ok := decodeValue(data, i)
			if !ok {
				return nil, end, false
			}
			a = append(a, v)
			if i = skipSpace(data, end); i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
				continue
			}
			if i < len(data) && data[i] == ']' {
				return a, i + 1, true
			}
			return nil, i, false
		}
	case '"':
		return decodeStringAt(data, i)
	case 't':
		return true, i + 4, hasLiteral(data, i, "true")
	case 'f':
		return false, i + 5, hasLiteral(data, i, "false")
	case 'n':
		return nil, i + 4, hasLiteral(data, i, "null")
	}
	end := valueEnd(data, i)
	if end == i {
		return nil, i, false
	}
	return json.Number(string(data[i:end])), end, true
}

// decodeStringAt unquotes the string starting at data[i].
func decodeStringAt(data []byte, i int) (string, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return "", i, false
	}
	end := stringEnd(data, i)
	if end-i < 2 || data[end-1] != '"' {
		return "", end, false
	}
	return unquote(data[i:end]), end, true
}

func hasLiteral(data []byte, i int, lit string) bool {
	return len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit
}

// Accepted timestamp layouts, most common first. Clients send RFC 3339 with
// milliseconds (analytics.js, analytics-node, RudderStack) or nanoseconds and
// a local offset (analytics-go's time.Time); a few send "+0800" offsets or no
// zone at all, which we read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
}

var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// decodeTime reads a timestamp member: an RFC 3339 string or a number of Unix
// milliseconds. null, "" and 0 mean absent (zero time). Times before 1970 or
// past year 9999 are refused: they are never real and would overflow the
// skew arithmetic.
func decodeTime(raw json.RawMessage) (time.Time, bool) {
	if isNull(raw) {
		return time.Time{}, true
	}
	var t time.Time
	if len(raw) > 0 && raw[0] == '"' {
		s, ok := decodeString(raw)
		if !ok {
			return time.Time{}, false
		}
		if s == "" {
			return time.Time{}, true
		}
		parsed := false
		for _, layout := range timeLayouts {
			if p, err := time.Parse(layout, s); err == nil {
				t, parsed = p, true
				break
			}
		}
		if !parsed {
			return time.Time{}, false
		}
	} else {
		ms, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		if ms == 0 {
			return time.Time{}, true
		}
		if ms < 0 || ms > maxTime.UnixMilli() {
			return time.Time{}, false
		}
		t = time.UnixMilli(ms)
	}
	t = t.UTC()
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, false
	}
	return t, true
}
