package segmentspec

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// viaEncodingJSON is what decodeObject replaced: encoding/json's Decoder with
// UseNumber. It stays as the reference the fast walk must match.
func viaEncodingJSON(raw []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	return m, ok
}

var decodeObjectSeeds = []string{
	`{}`, `null`, `[]`, `"x"`, `12`, ` {"a" : 1 } `,
	`{"a":{"b":[1,-2.5e-3,"x",null,true,false,{},[]]},"c":""}`,
	`{"dup":1,"dup":{"x":2}}`,
	`{"esc":"q\"b\\s\/\b\f\n\r\t\u00e9\ud83d\ude00\u2028","\u0041":"key escape"}`,
	"{\"utf8\":\"caf\xc3\xa9 \xe6\x9d\xad\xe5\xb7\x9e\",\"bad\":\"\xff\xfe\"}",
	`{"n":[0,-0,1E400,123456789012345678901234567890]}`,
	`{"deep":[[[[[[[[[[{"k":[{}]}]]]]]]]]]]}`,
	`{"consent":{"categoryPreferences":{"Analytics":true,"Advertising":false}},"location":{"country":"CN"}}`,
}

// Every valid JSON input decodes to exactly what encoding/json gives, and the
// same inputs are refused.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range decodeObjectSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := decodeObject(raw)
		if !json.Valid(raw) {
			return // never handed to it; it only must not panic (it just did not)
		}
		want, wantOK := viaEncodingJSON(raw)
		if isNull(raw) {
			want, wantOK = nil, true
		}
		if ok != wantOK || !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeObject(%q) = %#v, %v; encoding/json: %#v, %v", raw, got, ok, want, wantOK)
		}
	})
}

func BenchmarkDecodeObject(b *testing.B) {
	raw := []byte(decodeObjectSeeds[len(decodeObjectSeeds)-1])
	b.Run("walk", func(b *testing.B) {
		for range b.N {
			decodeObject(raw)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		for range b.N {
			viaEncodingJSON(raw)
		}
	})
}
