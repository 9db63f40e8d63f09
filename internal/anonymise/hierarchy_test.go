package anonymise_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/anonymise"
	"github.com/stewardhq/steward/internal/datasets"
)

func TestParseHierarchy(t *testing.T) {
	h, err := anonymise.ParseHierarchy(strings.NewReader("\ufeffMarried;spouse present;*\r\nDivorced;spouse not present;*\n\nWidowed;spouse not present;*"), ';')
	if err != nil {
		t.Fatal(err)
	}
	if h.Levels() != 3 || h.Height() != 2 || h.Width(1) != 2 || h.Width(2) != 1 || strings.Join(h.Leaves(), ",") != "Married,Divorced,Widowed" {
		t.Fatalf("levels %d widths %d %d leaves %v", h.Levels(), h.Width(1), h.Width(2), h.Leaves())
	}
	for _, c := range []struct {
		v     string
		level int
		want  string
		ok    bool
	}{{"Divorced", 1, "spouse not present", true}, {"Married", 0, "Married", true}, {"Married", 2, "*", true}, {"Single", 1, "", false}, {"Married", 3, "", false}} {
		if got, ok := h.Generalise(c.v, c.level); got != c.want || ok != c.ok {
			t.Errorf("Generalise(%q, %d) = %q, %v", c.v, c.level, got, ok)
		}
	}
}

func TestParseHierarchyErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "read hierarchy: no values"},
		{"a;x;*\nb;*", "read hierarchy: line 2: 2 levels where the first row has 3"},
		{"a;x;*\nb;y;*\na;y;*", `read hierarchy: line 3 field 1: value "a" already listed on line 1`},
		{"a;x;*\nb;x;top", `read hierarchy: line 2 field 3: "x" at level 1 generalises to "top" here but to "*" on line 1`},
		{"a;\"x;*", "read hierarchy: line 1 column 7: extraneous or missing \" in quoted-field"},
	} {
		_, err := anonymise.ParseHierarchy(strings.NewReader(c.in), ';')
		if err == nil || err.Error() != c.want || !errors.Is(err, anonymise.ErrSyntax) {
			t.Errorf("%q: %v; want %q", c.in, err, c.want)
		}
	}
}

// Every ARX hierarchy of the Adult data set parses and writes back byte for byte.
func TestHierarchyRoundTripAdult(t *testing.T) {
	dir, err := datasets.Path("adult")
	if err != nil {
		t.Skipf("Adult data set not found, skipping: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "adult_hierarchy_*.csv"))
	if len(files) != 9 {
		t.Fatalf("%d hierarchy files", len(files))
	}
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		h, err := anonymise.ParseHierarchy(bytes.NewReader(raw), ';')
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var out bytes.Buffer
		if err := h.Write(&out, ';'); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out.String()) != strings.TrimSpace(string(raw)) {
			t.Errorf("%s does not round-trip", f)
		}
	}
}

// The interval builder with widths 5, 10, 20 gives Adult's ages the shape of ARX's age
// hierarchy (same levels, intervals of 5, 10 and 20 years). The boundaries differ by one:
// ARX's file puts 1-5 under "0-4" and 6-10 under "5-9"; the builder puts 0-4 under "0-4".
func TestIntervalHierarchyAdultAge(t *testing.T) {
	path, err := datasets.Path("adult/adult_hierarchy_age.csv")
	if err != nil {
		t.Skipf("Adult data set not found, skipping: %v", err)
	}
	raw, _ := os.ReadFile(path)
	arx, err := anonymise.ParseHierarchy(bytes.NewReader(raw), ';')
	if err != nil {
		t.Fatal(err)
	}
	h, err := anonymise.IntervalHierarchy(arx.Leaves(), []float64{5, 10, 20})
	if err != nil {
		t.Fatal(err)
	}
	if h.Levels() != arx.Levels() {
		t.Fatalf("%d levels, ARX %d", h.Levels(), arx.Levels())
	}
	for v := 1; v <= 100; v++ {
		for l, w := range []int{5, 10, 20} {
			lo := v / w * w
			want := strconv.Itoa(lo) + "-" + strconv.Itoa(lo+w-1)
			if got, _ := h.Generalise(strconv.Itoa(v), l+1); got != want {
				t.Fatalf("%d at level %d: %q, want %q", v, l+1, got, want)
			}
		}
		if top, _ := h.Generalise(strconv.Itoa(v), 4); top != "*" {
			t.Fatalf("top %q", top)
		}
	}
	if got, _ := arx.Generalise("5", 1); got != "0-4" {
		t.Fatalf("ARX's file changed: 5 is under %q", got)
	}
}

func TestIntervalHierarchy(t *testing.T) {
	h, err := anonymise.IntervalHierarchy([]string{"0.5", "1.25", "-0.75", "0.5"}, []float64{0.5, 1})
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string][]string{"0.5": {"[0.5, 1)", "[0, 1)", "*"}, "1.25": {"[1, 1.5)", "[1, 2)", "*"}, "-0.75": {"[-1, -0.5)", "[-1, 0)", "*"}} {
		for l, w := range want {
			if got, _ := h.Generalise(v, l+1); got != w {
				t.Errorf("%s at level %d: %q, want %q", v, l+1, got, w)
			}
		}
	}
	for _, c := range []struct {
		values []string
		widths []float64
		want   string
	}{
		{[]string{"1"}, nil, "interval hierarchy: hierarchy does not fit: no widths"},
		{[]string{"1"}, []float64{5, 7}, "interval hierarchy: hierarchy does not fit: width 7 is not a larger whole multiple of 5"},
		{[]string{"1"}, []float64{10, 5}, "interval hierarchy: hierarchy does not fit: width 5 is not a larger whole multiple of 10"},
		{[]string{"1"}, []float64{0}, "interval hierarchy: hierarchy does not fit: width 1 is not a positive number"},
		{[]string{"1", "x"}, []float64{5}, "interval hierarchy: hierarchy does not fit: value 2 is not a finite number"},
	} {
		if _, err := anonymise.IntervalHierarchy(c.values, c.widths); err == nil || err.Error() != c.want || !errors.Is(err, anonymise.ErrHierarchy) {
			t.Errorf("%v %v: %v", c.values, c.widths, err)
		}
	}
}

func TestDateHierarchy(t *testing.T) {
	h, err := anonymise.DateHierarchy([]string{"2024-03-05", "2024-11-30", "2023-01-01"}, "2006-01-02")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2024-03-05", "2024-03", "2024-Q1", "2024", "*"}
	for l, w := range want {
		if got, _ := h.Generalise("2024-03-05", l); got != w {
			t.Errorf("level %d: %q, want %q", l, got, w)
		}
	}
	if got, _ := h.Generalise("2024-11-30", 2); got != "2024-Q4" {
		t.Errorf("quarter of November: %q", got)
	}
	// Timestamps get a day level first.
	h, err = anonymise.DateHierarchy([]string{"2024-03-05T10:00:00Z", "2024-03-05T23:59:00Z"}, "2006-01-02T15:04:05Z07:00")
	if err != nil {
		t.Fatal(err)
	}
	if h.Levels() != 6 || h.Width(1) != 1 {
		t.Fatalf("timestamps: %d levels, %d days", h.Levels(), h.Width(1))
	}
	if _, err := anonymise.DateHierarchy([]string{"2024-03-05", "5 March"}, "2006-01-02"); err == nil || !strings.Contains(err.Error(), "value 2 does not match") {
		t.Fatalf("bad date: %v", err)
	}
}

func TestFlatHierarchy(t *testing.T) {
	h := anonymise.FlatHierarchy([]string{"a", "b", "a"})
	if h.Levels() != 2 || len(h.Leaves()) != 2 {
		t.Fatalf("levels %d leaves %v", h.Levels(), h.Leaves())
	}
	if v, _ := h.Generalise("b", 1); v != "*" {
		t.Fatal(v)
	}
}

func TestReadCSV(t *testing.T) {
	tab, err := anonymise.ReadCSV(strings.NewReader("a;b\r\n1;x\r\n2;\"y;z\"\r\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Rows() != 2 || tab.Value(1, 1) != "y;z" || tab.Column("b") != 1 || !tab.Numeric(0) || tab.Numeric(1) {
		t.Fatalf("rows %d value %q", tab.Rows(), tab.Value(1, 1))
	}
	for _, c := range []struct{ in, want string }{
		{"", "read data: empty file: no header"},
		{"a,b\n1\n", "read data: line 2: wrong number of fields"},
		{"a,a\n1,2\n", `read data: line 1: column "a" appears twice`},
		{"a,\n1,2\n", "read data: line 1: column 2 has no name"},
	} {
		_, err := anonymise.ReadCSV(strings.NewReader(c.in), ',')
		if err == nil || err.Error() != c.want || !errors.Is(err, anonymise.ErrSyntax) {
			t.Errorf("%q: %v; want %q", c.in, err, c.want)
		}
	}
	// Errors never quote a data value.
	_, err = anonymise.ReadCSV(strings.NewReader("name,age\nZhang San,3\"1\n"), ',')
	if err == nil || strings.Contains(err.Error(), "Zhang") || strings.Contains(err.Error(), "31") {
		t.Fatalf("error quotes data: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tab, _ := anonymise.NewTable([]string{"age", "sex", "s"})
	tab.Append([]string{"1", "M", "a"})
	age, _ := anonymise.NewHierarchy([][]string{{"1", "*"}})
	other, _ := anonymise.NewHierarchy([][]string{{"2", "*"}})
	for _, c := range []struct {
		cfg  anonymise.Config
		want string
	}{
		{anonymise.Config{K: 2}, "no quasi-identifiers"},
		{anonymise.Config{QuasiIdentifiers: []string{"zip"}, K: 2}, `quasi-identifier "zip" is not a column (columns: age, sex, s)`},
		{anonymise.Config{QuasiIdentifiers: []string{"age", "age"}, K: 2}, `quasi-identifier "age" named twice`},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}}, "k must be at least 1, got 0"},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}, K: 2, Suppression: 1}, "suppression limit must be in [0, 1), got 1"},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}, K: 2, Metric: "utility"}, `unknown metric "utility"`},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}, K: 2, LDiversity: &anonymise.LDiversity{L: 2}}, "l-diversity and t-closeness need a sensitive attribute"},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}, K: 2, Sensitive: "age", TCloseness: &anonymise.TCloseness{T: 0.2}}, `"age" is both a quasi-identifier and the sensitive attribute`},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}, K: 2, Sensitive: "s", LDiversity: &anonymise.LDiversity{L: 2, Variant: anonymise.RecursiveL}}, "recursive (c,l)-diversity needs a positive c, got 0"},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}, K: 2, Sensitive: "s", TCloseness: &anonymise.TCloseness{T: 1.5}}, "t must be in [0, 1], got 1.5"},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}, K: 2, Hierarchies: map[string]*anonymise.Hierarchy{"sex": age}}, `hierarchy for "sex", which is not a quasi-identifier`},
		{anonymise.Config{QuasiIdentifiers: []string{"age"}, K: 2, Hierarchies: map[string]*anonymise.Hierarchy{"age": other}}, `column "age": the value in data row 1 is not in its hierarchy`},
	} {
		_, err := anonymise.New(tab, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v; want %q", c.cfg, err, c.want)
		}
	}
}

// An unsatisfiable task names the model that cannot be met, or the combination.
func TestUnsatisfiableNamesModel(t *testing.T) {
	tab, _ := anonymise.NewTable([]string{"q", "s"})
	for i := range 10 {
		tab.Append([]string{strconv.Itoa(i % 5), []string{"a", "a", "b"}[i%3]})
	}
	for _, c := range []struct {
		cfg  anonymise.Config
		want string
	}{
		{anonymise.Config{K: 11}, "search: 11-anonymity cannot be met within the suppression limit of 0%"},
		{anonymise.Config{K: 2, Sensitive: "s", LDiversity: &anonymise.LDiversity{L: 3}}, "search: distinct 3-diversity of s cannot be met within the suppression limit of 0%"},
		{anonymise.Config{K: 11, Sensitive: "s", LDiversity: &anonymise.LDiversity{L: 3}, Suppression: 0.05}, "search: 11-anonymity and distinct 3-diversity of s each cannot be met within the suppression limit of 5%"},
		{anonymise.Config{K: 2, Sensitive: "s", TCloseness: &anonymise.TCloseness{T: 0}}, ""}, // the top node has the table's own distribution
	} {
		c.cfg.QuasiIdentifiers = []string{"q"}
		e, err := anonymise.New(tab, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Search(t.Context())
		if c.want == "" {
			if err != nil {
				t.Errorf("%v", err)
			}
			continue
		}
		var ue *anonymise.UnsatisfiableError
		if err == nil || err.Error() != c.want || !errors.As(err, &ue) || !errors.Is(err, anonymise.ErrUnsatisfiable) {
			t.Errorf("%v; want %q", err, c.want)
		}
	}
}
