package anonymise_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/anonymise"
)

// FuzzParseHierarchy: any input is a hierarchy or a located *SyntaxError, never a panic;
// an accepted hierarchy is a tree (every label has one parent), lists each leaf once, and
// writes out to text that parses back to the same hierarchy.
func FuzzParseHierarchy(f *testing.F) {
	for _, s := range []string{
		"Male;*\nFemale;*", "1;0-4;0-9;*\n2;0-4;0-9;*\n7;5-9;0-9;*", "a;x;*\nb;x;top", "a;\"x;*", "\ufeffa;b\r\n\r\nc;b\r\n",
		"a;x\na;y", "a\nb\nc", ";\n;", "\"a;b\";c\n\"d\"\"e\";c", "a;b;c\nd;e", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		h, err := anonymise.ParseHierarchy(strings.NewReader(in), ';')
		if err != nil {
			var se *anonymise.SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, anonymise.ErrSyntax) || se.Msg == "" {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			if h != nil {
				t.Fatal("hierarchy and error")
			}
			return
		}
		leaves := h.Leaves()
		seen := map[string]bool{}
		for _, v := range leaves {
			if seen[v] {
				t.Fatalf("leaf %q twice", v)
			}
			seen[v] = true
		}
		parent := make([]map[string]string, h.Levels())
		for l := range parent {
			parent[l] = map[string]string{}
		}
		for _, v := range leaves {
			for l := 0; l+1 < h.Levels(); l++ {
				a, _ := h.Generalise(v, l)
				b, _ := h.Generalise(v, l+1)
				if p, ok := parent[l][a]; ok && p != b {
					t.Fatalf("%q at level %d has parents %q and %q", a, l, p, b)
				}
				parent[l][a] = b
			}
		}
		var out bytes.Buffer
		if err := h.Write(&out, ';'); err != nil {
			t.Fatal(err)
		}
		again, err := anonymise.ParseHierarchy(&out, ';')
		if err != nil {
			// A hierarchy of one empty leaf on one level writes as an empty line, which
			// reads back as no values; every other hierarchy round-trips.
			if len(leaves) == 1 && leaves[0] == "" && h.Levels() == 1 {
				return
			}
			t.Fatalf("written hierarchy does not parse: %v\n%q", err, out.String())
		}
		if strings.Join(again.Leaves(), "\x00") != strings.Join(leaves, "\x00") || again.Levels() != h.Levels() {
			t.Fatal("round trip changed the hierarchy")
		}
		for _, v := range leaves {
			for l := range h.Levels() {
				a, _ := h.Generalise(v, l)
				b, _ := again.Generalise(v, l)
				if a != b {
					t.Fatalf("round trip: %q level %d: %q vs %q", v, l, a, b)
				}
			}
		}
	})
}

// FuzzReadCSV: any input is a table or a *SyntaxError that quotes no field, never a panic;
// an accepted table has a value for every column of every row.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"a;b\r\n1;x\r\n2;\"y;z\"\r\n", "a,b\n1\n", "a,a\n", "a\n\"b", "x\ty\n1\t2\n", "\ufeffq\n1\n", "", "name,age\nZhang San,3\"1\n"} {
		f.Add(s, byte(0))
		f.Add(s, byte(';'))
	}
	f.Fuzz(func(t *testing.T, in string, sep byte) {
		tab, err := anonymise.ReadCSV(strings.NewReader(in), rune(sep))
		if err != nil {
			var se *anonymise.SyntaxError
			if !(errors.As(err, &se) && se.Msg != "") && !errors.Is(err, anonymise.ErrConfig) {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			if se != nil && strings.Contains(in, "Zhang") && strings.Contains(err.Error(), "Zhang") {
				t.Fatalf("error quotes the data: %v", err)
			}
			return
		}
		for r := range tab.Rows() {
			for c := range tab.Header() {
				_ = tab.Value(r, c)
			}
		}
	})
}

// FuzzSearch: a tiny table drawn from the input never panics the engine, and the search
// agrees with checking every node.
func FuzzSearch(f *testing.F) {
	f.Add([]byte{3, 1, 2, 0, 4, 5, 1, 7, 2, 2, 9, 0, 1, 3})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte("the quick brown fox jumps over the lazy dog"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 || len(data) > 200 {
			return
		}
		age, _ := anonymise.NewHierarchy([][]string{{"0", "0-1", "*"}, {"1", "0-1", "*"}, {"2", "2-3", "*"}, {"3", "2-3", "*"}})
		sex, _ := anonymise.NewHierarchy([][]string{{"M", "*"}, {"F", "*"}})
		tab, _ := anonymise.NewTable([]string{"age", "sex", "s"})
		for _, b := range data[4:] {
			tab.Append([]string{string(rune('0' + b%4)), []string{"M", "F"}[b/4%2], string(rune('a' + b/8%3))})
		}
		if tab.Rows() == 0 {
			return
		}
		cfg := anonymise.Config{
			QuasiIdentifiers: []string{"age", "sex"}, Hierarchies: map[string]*anonymise.Hierarchy{"age": age, "sex": sex},
			K: 1 + int(data[0]%4), Suppression: float64(data[1]%4) / 10,
			Metric: []anonymise.Metric{anonymise.Precision, anonymise.Discernibility, anonymise.NonUniformEntropy, anonymise.Loss}[data[2]%4],
		}
		switch data[3] % 4 {
		case 1:
			cfg.Sensitive, cfg.LDiversity = "s", &anonymise.LDiversity{L: 2, Variant: anonymise.EntropyL}
		case 2:
			cfg.Sensitive, cfg.TCloseness = "s", &anonymise.TCloseness{T: 0.2, Ordered: data[3]&4 != 0}
		case 3:
			cfg.Sensitive, cfg.LDiversity = "s", &anonymise.LDiversity{L: 2, Variant: anonymise.RecursiveL, C: 2}
		}
		e, err := anonymise.New(tab, cfg)
		if err != nil {
			t.Fatal(err)
		}
		a, errA := e.Search(t.Context())
		b, errB := e.SearchAll(t.Context())
		if (errA == nil) != (errB == nil) || errA == nil && (a.Loss != b.Loss || a.Suppressed != b.Suppressed) {
			t.Fatalf("search %v %v, all nodes %v %v", a, errA, b, errB)
		}
	})
}

// FuzzVerify: any file and claim give a verification or an error that says what is wrong,
// never a panic; an accepted release's classes all have at least k records.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("age,sex,s\n20-29,M,a\n20-29,M,b\n*,*,a\n"), 2, 2, 0.5, 0.4)
	f.Add([]byte("q,s\nx,1\nx,2\ny,3\ny,10\n"), 2, 0, -1.0, 0.0)
	f.Add([]byte("q,s\n\"x,1\n"), 1, 1, 0.0, 1.0)
	f.Add([]byte(""), 1, 0, 0.2, 0.0)
	f.Fuzz(func(t *testing.T, data []byte, k, l int, tv, supp float64) {
		c := anonymise.Claim{QuasiIdentifiers: []string{"q"}, K: k, Suppression: supp}
		if strings.HasPrefix(string(data), "age,sex,s") {
			c.QuasiIdentifiers = []string{"age", "sex"}
		}
		if l > 0 {
			c.Sensitive, c.LDiversity = "s", &anonymise.LDiversity{L: l % 8}
		}
		if tv >= 0 {
			c.Sensitive, c.TCloseness = "s", &anonymise.TCloseness{T: tv, Ordered: l%2 == 0}
		}
		v, err := anonymise.Verify(bytes.NewReader(data), ',', c)
		if err != nil {
			if err.Error() == "" || !(errors.Is(err, anonymise.ErrNotAnonymous) || errors.Is(err, anonymise.ErrConfig) || errors.Is(err, anonymise.ErrSyntax)) {
				t.Fatalf("error without a kind: %v", err)
			}
			return
		}
		if v.Records == 0 || (v.Classes > 0 && v.SmallestClass < c.K) {
			t.Fatalf("accepted %+v for k=%d", v, c.K)
		}
	})
}
