package demo

import (
	"encoding/json"
	"testing"
)

// FuzzAppendString checks the hand-written JSON string encoder against
// encoding/json: always valid JSON, and the same decoded value.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r", "\x00\x1f\x7f",
		"上海 – 示例商城", "Müller", "bad \xff utf8 \xc3", "\u2028\u2029", "emoji 🛒"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendString(%q) = %s: not valid JSON: %v", s, got, err)
		}
		ref, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if back != want {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json to %q", s, back, want)
		}
	})
}

func TestAppendCents(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{{0, "0.00"}, {5, "0.05"}, {199, "1.99"}, {39900, "399.00"}, {-250, "-2.50"}}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := string(appendCents(nil, tc.in)); got != tc.want {
				t.Fatalf("appendCents(%d) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestRetailCents(t *testing.T) {
	tests := []struct {
		in   float64
		want int64
	}{{399, 39900}, {2498.75, 249900}, {51.15, 5199}, {19, 1899}, {0.3, 99}}
	for _, tc := range tests {
		if got := retailCents(tc.in); got != tc.want {
			t.Errorf("retailCents(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
