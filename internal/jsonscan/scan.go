package jsonscan

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Member is one name/value pair of an object: the decoded name and the value's bytes (a
// subslice of the scanned data).
type Member struct {
	Name  string
	Value []byte
}

// SkipSpace returns the index of the first non-space byte at or after i.
func SkipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// StringEnd returns the index just past the string literal starting at data[i].
func StringEnd(data []byte, i int) int {
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

// ValueEnd returns the index just past the value starting at data[i].
func ValueEnd(data []byte, i int) int {
	if i >= len(data) {
		return len(data)
	}
	switch data[i] {
	case '"':
		return StringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = StringEnd(data, j) - 1
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

// Unquote unquotes a string literal the way encoding/json does (escapes resolved, invalid
// UTF-8 replaced by U+FFFD), taking the copy-only path when it can.
func Unquote(quoted []byte) string {
	if len(quoted) < 2 {
		return ""
	}
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(quoted, &s) // a valid string literal always decodes
	return s
}

// Members returns the members of the object starting at data[i] in the order they appear,
// duplicates included. ok is false when data[i] does not start an object.
func Members(data []byte, i int) (ms []Member, ok bool) {
	i = SkipSpace(data, i)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	for i = SkipSpace(data, i+1); i < len(data) && data[i] == '"'; {
		kEnd := StringEnd(data, i)
		name := Unquote(data[i:kEnd])
		i = SkipSpace(data, kEnd) // at ':'
		i = SkipSpace(data, i+1)  // at the value
		vEnd := ValueEnd(data, i)
		ms = append(ms, Member{Name: name, Value: data[i:vEnd:vEnd]})
		i = SkipSpace(data, vEnd)
		if i < len(data) && data[i] == ',' {
			i = SkipSpace(data, i+1)
		}
	}
	return ms, true
}

// Elements returns the elements of the array starting at data[i]. ok is false when data[i]
// does not start an array.
func Elements(data []byte, i int) (es [][]byte, ok bool) {
	i = SkipSpace(data, i)
	if i >= len(data) || data[i] != '[' {
		return nil, false
	}
	for i = SkipSpace(data, i+1); i < len(data) && data[i] != ']'; {
		end := ValueEnd(data, i)
		es = append(es, data[i:end:end])
		i = SkipSpace(data, end)
		if i < len(data) && data[i] == ',' {
			i = SkipSpace(data, i+1)
		}
	}
	return es, true
}
