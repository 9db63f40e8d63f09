package anonexport

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

func TestNiceWidths(t *testing.T) {
	for _, c := range []struct {
		lo, hi   float64
		integral bool
		want     string
	}{
		{0, 12, true, "[5 10]"},
		{0, 3000.5, false, "[100 500 1000]"},
		{0, 90, false, "[5 10 50]"},
		{3, 4, true, "[]"}, // one interval of 5 already
		{7, 7, true, "[]"}, // one value
		{0, 0.3, false, "[0.01 0.05 0.1]"},
		{-40, 40, true, "[5 10 50]"}, // across zero: two intervals at most
	} {
		got := fmt.Sprint(niceWidths(c.lo, c.hi, c.integral))
		if got != c.want && !(c.want == "[]" && got == "[]") {
			t.Errorf("niceWidths(%g, %g, %v) = %s, want %s", c.lo, c.hi, c.integral, got, c.want)
		}
	}
}

func labels(t *testing.T, b built, v string) string {
	t.Helper()
	var out []string
	for l := 0; l < b.h.Levels(); l++ {
		lab, ok := b.h.Generalise(v, l)
		if !ok {
			t.Fatalf("%q is not a leaf", v)
		}
		out = append(out, lab)
	}
	return strings.Join(out, "|")
}

func TestBuiltHierarchies(t *testing.T) {
	b, err := intervals([]string{"3", "17", "", "n/a", "17"})
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(t, b, "17"); got != "17|15-19|10-19|*" || labels(t, b, "") != "|||*" || labels(t, b, "n/a") != "n/a|||*" || b.unparsed != 1 {
		t.Fatalf("intervals: %s / %s / %d", got, labels(t, b, ""), b.unparsed)
	}
	if strings.Join(b.names, ",") != "value,intervals of 5,intervals of 10,*" {
		t.Fatalf("names %v", b.names)
	}
	// Timestamps get a day level; the day is the value's own (its offset), not UTC's.
	b, err = dates([]string{"2024-03-05T23:30:00+08:00", "2024-11-30T01:00:00.123Z", "", "soon"})
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(t, b, "2024-03-05T23:30:00+08:00"); got != "2024-03-05T23:30:00+08:00|2024-03-05|2024-03|2024-Q1|2024|*" {
		t.Fatalf("timestamp: %s", got)
	}
	if labels(t, b, "soon") != "soon|||||*" || b.unparsed != 1 {
		t.Fatalf("not a date: %s", labels(t, b, "soon"))
	}
	// ISO days alone: no day level.
	b, err = dates([]string{"2024-03-05", "2023-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(t, b, "2023-12-31"); got != "2023-12-31|2023-12|2023-Q4|2023|*" || strings.Join(b.names, ",") != "value,month,quarter,year,*" {
		t.Fatalf("days: %s %v", got, b.names)
	}
	// Declared: listed values follow the manifest, others go to (other), missing stays empty.
	h, _ := manifest.Default().HierarchyFor("traits.address.city")
	c := Column{ID: "trait:address.city", Name: "address.city", Hierarchy: HierarchyDeclared, Levels: h.Levels, decl: h}
	b, err = declared(c, []string{"苏州", "Atlantis", ""})
	if err != nil {
		t.Fatal(err)
	}
	if labels(t, b, "苏州") != "苏州|江苏省|华东|CN|Asia|*" || labels(t, b, "Atlantis") != "Atlantis|(other)|(other)|(other)|(other)|*" || labels(t, b, "") != "|||||*" || b.unlisted != 1 {
		t.Fatalf("declared: %s / %s", labels(t, b, "苏州"), labels(t, b, "Atlantis"))
	}
}
