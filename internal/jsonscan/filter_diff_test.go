package jsonscan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"sort"
	"testing"
)

// minimiseMaps is Filter (the gate's minimisation) as it was before the single-pass rewrite: decode into maps of
// json.RawMessage, recurse, encode again. The differential tests hold the new one to it.
func minimiseMaps(raw json.RawMessage, keep func(path string) Verdict) ([]byte, map[string]int, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, nil, err
	}
	stripped := map[string]int{}
	out, err := minimiseMapsObject("", obj, keep, stripped)
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(out)
	return b, stripped, err
}

func minimiseMapsObject(prefix string, obj map[string]json.RawMessage, keep func(string) Verdict, stripped map[string]int) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(obj))
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := obj[k]
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		verdict := keep(path)
		if verdict.Keep {
			out[k] = v
			continue
		}
		if verdict.Reason != "" {
			stripped[verdict.Reason]++
			continue
		}
		trimmed := bytes.TrimSpace(v)
		if len(trimmed) > 0 && trimmed[0] == '{' {
			var child map[string]json.RawMessage
			if err := json.Unmarshal(trimmed, &child); err != nil {
				return nil, err
			}
			kept, err := minimiseMapsObject(path, child, keep, stripped)
			if err != nil {
				return nil, err
			}
			if len(kept) > 0 {
				b, err := json.Marshal(kept)
				if err != nil {
					return nil, err
				}
				out[k] = b
			}
			continue
		}
		stripped["not_in_schema"]++
	}
	return out, nil
}

// hashedRules answers for any path from a hash of it and a seed: keep, strip with a
// reason, or no rule, roughly a third each.
func hashedRules(seed byte) func(string) Verdict {
	return func(path string) Verdict {
		h := fnv.New32a()
		h.Write([]byte{seed})
		h.Write([]byte(path))
		switch h.Sum32() % 3 {
		case 0:
			return Verdict{Keep: true}
		case 1:
			return Verdict{Reason: "purpose_denied"}
		}
		return Verdict{}
	}
}

var minimiseSeeds = []string{
	`{}`,
	`null`,
	` {"a" : 1 , "b":{ "c" : [1, {"d":2}] , "e":"x<y>&z"}}`,
	`{"type":"track","event":"Order Completed","properties":{"order_id":"o1","revenue":12.5,"products":[{"sku":"a"}],"coupon":"X"},"context":{"ip":"203.0.113.9","page":{"url":"https://shop.example.com/c","title":"Checkout"},"library":{"name":"n"}},"traits":{"email":"a@b.c"}}`,
	`{"a":1,"a":{"b":2},"a":{"c":3}}`,
	`{"k\u00e9y":"v\u2028w","<&>":"\u003c","\"q\\":{"x\ty":1e10}}`,
	"{\"a\":\"\xff\xfe\",\"\xff\":1,\"s\":\"\u2028\u2029\"}",
	`{"n":-0.5e-3,"t":true,"f":false,"z":null,"arr":[ ],"o":{ }}`,
	`{"deep":{"deeper":{"deepest":{"x":1,"y":[{"z":"<"}]}}}}`,
	`[1]`, `"s"`, `1`, `true`, ``, `   `, `{"a":}`, `{"a":1} {"b":2}`, `{"a":1`,
}

func checkSameAsMaps(t *testing.T, raw []byte, seed byte) {
	t.Helper()
	keep := hashedRules(seed)
	got, gotStripped, err := Filter(raw, func(p string, _ []byte) Verdict { return keep(p) })
	if !json.Valid(raw) {
		// The old decoder read one value and ignored what followed; messages reach the
		// gate as exactly one value, and Filter now refuses anything else.
		if err == nil {
			t.Fatalf("Filter(%q) accepted invalid JSON", raw)
		}
		return
	}
	want, wantStripped, wantErr := minimiseMaps(raw, keep)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("Filter(%q) error = %v, maps version error = %v", raw, err, wantErr)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Filter(%q) =\n%s\nmaps version\n%s", raw, got, want)
	}
	if !maps.Equal(gotStripped, wantStripped) {
		t.Fatalf("Filter(%q) stripped = %v, maps version %v", raw, gotStripped, wantStripped)
	}
}

func TestMinimiseMatchesMapRoundTrip(t *testing.T) {
	for i, raw := range minimiseSeeds {
		for seed := range byte(8) {
			t.Run(fmt.Sprintf("%d/%d", i, seed), func(t *testing.T) { checkSameAsMaps(t, []byte(raw), seed) })
		}
	}
}

func FuzzMinimise(f *testing.F) {
	for i, raw := range minimiseSeeds {
		f.Add([]byte(raw), byte(i))
	}
	f.Fuzz(func(t *testing.T, raw []byte, seed byte) { checkSameAsMaps(t, raw, seed) })
}
