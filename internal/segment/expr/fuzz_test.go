package expr

import "testing"

// FuzzParse: no input panics, and every accepted input formats to a canonical string that
// parses back to an equal tree and formats identically.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`tag("high_spender") and trait("city") == "上海" and count(purchase, 30d) >= 2`,
		`not (tag("a") or tag("b")) and last_seen(login) > 12h`,
		`sum("Order Completed", "revenue", 7d) >= 1e3 or trait("age") in [18, 19]`,
		`count(x, 1d) != -2.5`,
		`trait("a\tb\x00") == "\u00e9\xff"`,
		`((((tag("a")))))`,
		`tag("a") and (tag("b") or not tag("c"))`,
		`trait("c") = "x" && tag(y`,
		`count(buy, 3w) >= 1`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse(src)
		if err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		out := Format(n)
		m, err := Parse(out)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", out, src, err)
		}
		if !Equal(n, m) {
			t.Fatalf("round trip changed the tree: %q -> %q", src, out)
		}
		if again := Format(m); again != out {
			t.Fatalf("Format not stable: %q then %q", out, again)
		}
	})
}
