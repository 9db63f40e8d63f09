package segmentspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/stewardhq/steward/internal/jsonscan"
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

// splitObject splits valid JSON holding one object into its members (jsonscan walks it),
// refusing duplicate keys.
func splitObject(data []byte) ([]member, error) {
	ms, ok := jsonscan.Members(data, 0)
	if !ok {
		return nil, errNotObject
	}
	out := make([]member, len(ms))
	var seen map[string]struct{} // built once the linear scan gets costly
	for i, m := range ms {
		if seen == nil && i == 16 {
			seen = make(map[string]struct{}, 32)
			for _, o := range out[:i] {
				seen[o.key] = struct{}{}
			}
		}
		if seen != nil {
			if _, dup := seen[m.Name]; dup {
				return nil, &duplicateKeyError{key: m.Name}
			}
			seen[m.Name] = struct{}{}
		} else {
			for _, o := range out[:i] {
				if o.key == m.Name {
					return nil, &duplicateKeyError{key: m.Name}
				}
			}
		}
		out[i] = member{key: m.Name, value: m.Value}
	}
	return out, nil
}

// splitArray splits valid JSON holding one array into its elements.
func splitArray(data []byte) ([]json.RawMessage, error) {
	es, ok := jsonscan.Elements(data, 0)
	if !ok {
		return nil, errNotArray
	}
	out := make([]json.RawMessage, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out, nil
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
	return jsonscan.Unquote(raw), true
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
	i := jsonscan.SkipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	v, end, ok := decodeValue(raw, i)
	if !ok || jsonscan.SkipSpace(raw, end) != len(raw) {
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
		i = jsonscan.SkipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return m, i + 1, true
		}
		for {
			key, end, ok := decodeStringAt(data, i)
			if !ok {
				return nil, i, false
			}
			if i = jsonscan.SkipSpace(data, end); i >= len(data) || data[i] != ':' {
				return nil, i, false
			}
			v, end, ok := decodeValue(data, jsonscan.SkipSpace(data, i+1))
			if !ok {
				return nil, end, false
			}
			m[key] = v
			if i = jsonscan.SkipSpace(data, end); i < len(data) && data[i] == ',' {
				i = jsonscan.SkipSpace(data, i+1)
				continue
			}
			if i < len(data) && data[i] == '}' {
				return m, i + 1, true
			}
			return nil, i, false
		}
	case '[':
		a := []any{}
		i = jsonscan.SkipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return a, i + 1, true
		}
		for {
			v, end, ok := decodeValue(data, i)
			if !ok {
				return nil, end, false
			}
			a = append(a, v)
			if i = jsonscan.SkipSpace(data, end); i < len(data) && data[i] == ',' {
				i = jsonscan.SkipSpace(data, i+1)
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
	end := jsonscan.ValueEnd(data, i)
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
	end := jsonscan.StringEnd(data, i)
	if end-i < 2 || data[end-1] != '"' {
		return "", end, false
	}
	return jsonscan.Unquote(data[i:end]), end, true
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
