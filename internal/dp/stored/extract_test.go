package stored

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

func sample() *extract {
	return &extract{
		traits: []trait{{"address.city", "上海"}, {"age", "31"}, {"city", "上海"}},
		events: []xevent{
			{name: "identify", at: 1777629600000},
			{name: "Order Completed", at: 1777633200000, campaign: "spring", props: []prop{{"revenue", 129.5}, {"total", 139.5}}},
			{name: "page", at: -5},
		},
	}
}

func TestExtractRoundTrip(t *testing.T) {
	x := sample()
	var y extract
	if err := decode(encode(x), interner{}, &y); err != nil {
		t.Fatal(err)
	}
	for i := range y.events {
		if len(y.events[i].props) == 0 {
			y.events[i].props = nil
		}
	}
	if !reflect.DeepEqual(*x, y) {
		t.Fatalf("round trip:\n%+v\n%+v", *x, y)
	}
	// Decoding again into the same value reuses it and gives the same.
	if err := decode(encode(&extract{}), interner{}, &y); err != nil || len(y.events) != 0 || len(y.traits) != 0 {
		t.Fatalf("empty extract into a used value: %+v, %v", y, err)
	}
}

// Every malformed extract is an error naming what is wrong, never a panic.
func TestExtractRejects(t *testing.T) {
	good := encode(sample())
	nan := encode(&extract{events: []xevent{{name: "x", props: []prop{{"p", 1}}}}})
	nan = append(nan[:len(nan)-8], 0, 0, 0, 0, 0, 0, 0xf8, 0x7f) // NaN
	for name, b := range map[string][]byte{
		"empty":          nil,
		"version":        append([]byte{2}, good[1:]...),
		"truncated":      good[:len(good)-3],
		"trailing":       append(good, 0),
		"table overflow": {1, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"bad index":      {1, 1, 1, 'a', 1, 0, 5, 0},
		"not utf-8":      {1, 1, 1, 0xff, 0, 0},
		"nan":            nan,
	} {
		var x extract
		err := decode(b, interner{}, &x)
		if !errors.Is(err, errExtract) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzDecode: decoding never panics, and whatever decodes encodes back to an extract that
// decodes to the same.
func FuzzDecode(f *testing.F) {
	f.Add(encode(sample()))
	f.Add(encode(&extract{}))
	f.Add([]byte{1, 1, 1, 'a', 1, 0, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var x extract
		if err := decode(b, interner{}, &x); err != nil {
			return
		}
		for _, e := range x.events {
			for _, p := range e.props {
				if math.IsNaN(p.value) || math.IsInf(p.value, 0) {
					t.Fatalf("decoded a non-finite value from %x", b)
				}
			}
		}
		var y extract
		if err := decode(encode(&x), interner{}, &y); err != nil {
			t.Fatalf("re-encoded extract does not decode: %v", err)
		}
		if len(x.events) != len(y.events) || len(x.traits) != len(y.traits) {
			t.Fatalf("round trip changed the extract")
		}
		for i := range x.events {
			a, c := x.events[i], y.events[i]
			if a.name != c.name || a.at != c.at || a.campaign != c.campaign || !reflect.DeepEqual(a.props, c.props) && len(a.props)+len(c.props) > 0 {
				t.Fatalf("event %d: %+v became %+v", i, a, c)
			}
		}
	})
}
