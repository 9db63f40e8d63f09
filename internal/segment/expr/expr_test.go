package expr

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFormatExample(t *testing.T) {
	src := `tag("high_spender") and trait("city") == "上海" and count(purchase, 30d) >= 2`
	n, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := Format(n); got != src {
		t.Fatalf("Format = %s", got)
	}
	top := n.(*Logical)
	if top.Op != And || top.Y.(*Compare).Term.Window != (Duration{30, 'd'}) {
		t.Fatalf("unexpected tree %#v", top)
	}
	// "and" is left-associative: ((tag and trait) and count).
	if _, ok := top.X.(*Logical); !ok {
		t.Fatal("left child should be the first and")
	}
}

func TestCanonicalForms(t *testing.T) {
	for in, want := range map[string]string{
		`tag("a")  OR_x`:                                 "",
		`(tag("a") or tag("b")) and tag("c")`:            `(tag("a") or tag("b")) and tag("c")`,
		`tag("a") or (tag("b") and tag("c"))`:            `tag("a") or tag("b") and tag("c")`,
		`tag("a") and (tag("b") and tag("c"))`:           `tag("a") and (tag("b") and tag("c"))`,
		`((tag("a")))`:                                   `tag("a")`,
		`not (tag("a") or tag("b"))`:                     `not (tag("a") or tag("b"))`,
		`not tag("a") and tag("b")`:                      `not tag("a") and tag("b")`,
		"sum(\"Order Completed\", \"revenue\", 12h)>1e6": `sum("Order Completed", "revenue", 12h) > 1e+06`,
		`last_seen(login) <= 7d`:                         `last_seen(login) <= 7d`,
		`trait("age") in [18,19 , 20.5]`:                 `trait("age") in [18, 19, 20.5]`,
		`count("and", 1d) >= -0`:                         `count("and", 1d) >= -0`,
	} {
		n, err := Parse(in)
		if want == "" {
			if err == nil {
				t.Errorf("%s: expected an error", in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := Format(n); got != want {
			t.Errorf("Format(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestLocatedErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{``, "1:1: empty expression"},
		{`tag(high)`, `1:5: expected tag name as a string literal, found "high"`},
		{`trait("city") = "x"`, `1:15: "=" is not an operator; use "=="`},
		{"tag(\"a\") and\n  count(buy, 30x) >= 1", `2:14: unknown window unit "x" (use d or h)`},
		{`trait("city") < "上海"`, `1:15: strings compare only with == or !=, not <`},
		{`trait("上海") == 1 && tag("b")`, `1:18: use "and" instead of "&&"`},
		{`count(buy, 30d) >= "two"`, `1:20: count() compares with a number, not a string`},
		{`last_seen(buy) < 3`, `1:18: last_seen() compares with a window, not a number`},
		{`(tag("a") or tag("b")`, `1:22: expected ")" to close "(" at 1:1, found end of input`},
		{`frobnicate(x) > 1`, `1:1: unknown function "frobnicate"`},
		{`tag("a") tag("b")`, `1:10: unexpected "tag"`},
		{`trait("c")`, `1:11: trait("c") needs a comparison`},
		{`sum(buy, 30d) > 1`, `1:10: expected property name as a string literal`},
		{`count(buy, 0d) > 1`, `1:12: window must be positive`},
		{`count(buy, 99999999d) > 1`, `1:12: window too long`},
		{`trait("a") in [1, "x"]`, `1:19: list mixes number and string values`},
		{`trait("a") in []`, `1:12: empty list after "in"`},
		{`tag("unterminated`, `1:5: unterminated string`},
		{strings.Repeat("(", 500) + `tag("a")`, "expression nested too deeply"},
	} {
		_, err := Parse(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", tc.src, err, tc.want)
		}
	}
}

func TestMultipleErrors(t *testing.T) {
	_, err := Parse(`tag(x) and trait("c") = "y" or count(buy, 3w) > 1`)
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	want := []string{"1:5", "1:23", "1:43"}
	for i, e := range list {
		if e.Pos.String() != want[i] {
			t.Errorf("error %d at %s, want %s (%v)", i, e.Pos, want[i], e)
		}
	}
}

func TestCheck(t *testing.T) {
	s := Schema{
		Tags:   map[string]bool{"high_spender": true},
		Traits: map[string]Kind{"city": String, "age": Number},
		Events: map[string][]string{"purchase": {"amount"}},
	}
	ok, _ := Parse(`tag("high_spender") and trait("city") == "上海" and count(purchase, 30d) >= 2 and sum(purchase, "amount", 7d) > 10 and trait("age") in [30, 31]`)
	if err := Check(ok, s); err != nil {
		t.Fatalf("valid expression rejected: %v", err)
	}
	bad, err := Parse("tag(\"vip\") or\ntrait(\"age\") == \"old\" or trait(\"zip\") == \"1\" or count(refund, 1d) > 0 or sum(purchase, \"tax\", 1d) > 0")
	if err != nil {
		t.Fatal(err)
	}
	err = Check(bad, s)
	want := `1:5: unknown tag "vip"; 2:17: trait "age" holds number values, not string; 2:32: unknown trait "zip"; 2:55: unknown event "refund"; 2:78: event "purchase" has no numeric property "tax"`
	if err == nil || err.Error() != want {
		t.Fatalf("Check error:\n got %v\nwant %s", err, want)
	}
}
