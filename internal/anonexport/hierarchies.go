package anonexport

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/anonymise"
)

// Other is the label, at every level, of a value a declared hierarchy does not list.
const Other = "(other)"

// built is a column's hierarchy with a name for each level (level 0 is the value, the
// last is "*"), and what did not fit it.
type built struct {
	h     *anonymise.Hierarchy
	names []string
	// Unlisted counts the distinct values a declared hierarchy does not list; Unparsed the
	// distinct values of a number or date column that are not one.
	unlisted, unparsed int
}

// hierarchyFor builds the hierarchy of a quasi-identifier column over its values (each
// value of the data is a leaf, so the engine finds every one).
func hierarchyFor(c Column, vals []string) (built, error) {
	switch c.Hierarchy {
	case HierarchyInterval:
		return intervals(vals)
	case HierarchyDate:
		return dates(vals)
	case HierarchyDeclared:
		return declared(c, vals)
	}
	return built{h: anonymise.FlatHierarchy(vals), names: []string{"value", anonymise.Suppressed}}, nil
}

// intervals generalises numbers to intervals of growing width (anonymise.IntervalHierarchy)
// chosen from the data's range; what is not a number (a missing value) stays apart, empty
// at every level below "*".
func intervals(vals []string) (built, error) {
	vals = distinct(vals)
	var nums []string
	lo, hi := math.Inf(1), math.Inf(-1)
	integral := true
	b := built{}
	for _, v := range vals {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			if v != "" {
				b.unparsed++
			}
			continue
		}
		nums = append(nums, v)
		lo, hi = min(lo, f), max(hi, f)
		integral = integral && f == math.Trunc(f)
	}
	widths := niceWidths(lo, hi, integral)
	if len(nums) == 0 || len(widths) == 0 {
		b.h, b.names = anonymise.FlatHierarchy(vals), []string{"value", anonymise.Suppressed}
		return b, nil
	}
	h, err := anonymise.IntervalHierarchy(nums, widths)
	if err != nil {
		return b, fmt.Errorf("anonymised export: %w", err)
	}
	b.names = []string{"value"}
	for _, w := range widths {
		b.names = append(b.names, "intervals of "+strconv.FormatFloat(w, 'f', -1, 64))
	}
	b.names = append(b.names, anonymise.Suppressed)
	b.h, err = withApart(h, vals)
	return b, err
}

// niceWidths returns interval widths 1, 5, 10, 50, 100, … times a power of ten (each a
// whole multiple of the one before), from the first that splits [lo, hi] into at most
// about forty intervals up to the first that splits it into two (at most eight). Integer
// data starts at 5 at least: intervals of 1 are the values themselves.
func niceWidths(lo, hi float64, integral bool) []float64 {
	if !(hi > lo) {
		return nil
	}
	var out []float64
	for e := -6; e <= 15 && len(out) < 8; e++ {
		for _, m := range []float64{1, 5} {
			w := m * math.Pow10(e)
			if integral && w < 5 || (hi-lo)/w > 40 && len(out) == 0 {
				continue
			}
			n := math.Floor(hi/w) - math.Floor(lo/w) + 1 // intervals the data spans
			if n == 1 {
				return out // one interval is no better than "*"
			}
			out = append(out, w)
			if n == 2 || len(out) == 8 {
				return out // wider ones split no finer (a range across zero stays split)
			}
		}
	}
	return out
}

// dateLayouts are the forms a date trait is read in: RFC 3339 timestamps and ISO days.
var dateLayouts = []string{time.RFC3339Nano, time.DateOnly, "2006-01-02T15:04:05", "2006-01-02 15:04:05"}

// dates generalises dates to day, month, quarter and year (anonymise.DateHierarchy); the
// day level is left out when every value is a day already. Values in any of dateLayouts
// are read; others, and missing values, stay apart.
func dates(vals []string) (built, error) {
	vals = distinct(vals)
	b := built{}
	norm := map[string]string{}
	allDays := true
	for _, v := range vals {
		for _, layout := range dateLayouts {
			t, err := time.Parse(layout, strings.TrimSpace(v))
			if err != nil {
				continue
			}
			norm[v] = t.Format(time.RFC3339Nano)
			allDays = allDays && strings.TrimSpace(v) == t.Format(time.DateOnly)
			break
		}
		if _, ok := norm[v]; !ok && v != "" {
			b.unparsed++
		}
	}
	if len(norm) == 0 {
		b.h, b.names = anonymise.FlatHierarchy(vals), []string{"value", anonymise.Suppressed}
		return b, nil
	}
	layout := time.RFC3339Nano
	b.names = []string{"value", "day", "month", "quarter", "year", anonymise.Suppressed}
	if allDays {
		layout = time.DateOnly
		b.names = []string{"value", "month", "quarter", "year", anonymise.Suppressed}
		for v, n := range norm {
			norm[v] = n[:len(time.DateOnly)]
		}
	}
	keys := make([]string, 0, len(norm))
	for _, n := range norm {
		keys = append(keys, n)
	}
	h, err := anonymise.DateHierarchy(keys, layout)
	if err != nil {
		return b, fmt.Errorf("anonymised export: %w", err)
	}
	// The leaves are the values as the data has them; their labels are their normal form's.
	rows := make([][]string, 0, len(vals))
	for _, v := range vals {
		n, ok := norm[v]
		if !ok {
			rows = append(rows, apart(v, h.Levels()))
			continue
		}
		row := []string{v}
		for l := 1; l < h.Levels(); l++ {
			lab, _ := h.Generalise(n, l)
			row = append(row, lab)
		}
		rows = append(rows, row)
	}
	b.h, err = anonymise.NewHierarchy(rows)
	return b, err
}

// declared generalises a categorical trait by the manifest's hierarchy; a value it does
// not list generalises to Other, a missing value stays empty, below "*".
func declared(c Column, vals []string) (built, error) {
	vals = distinct(vals)
	b := built{names: append(append([]string{"value"}, c.decl.Levels...), anonymise.Suppressed)}
	levels := len(c.decl.Levels) + 2
	rows := make([][]string, 0, len(vals))
	for _, v := range vals {
		labels, ok := c.decl.Values[v]
		switch {
		case ok:
			rows = append(rows, append(append([]string{v}, labels...), anonymise.Suppressed))
		case v == "":
			rows = append(rows, apart(v, levels))
		default:
			b.unlisted++
			row := []string{v}
			for range c.decl.Levels {
				row = append(row, Other)
			}
			rows = append(rows, append(row, anonymise.Suppressed))
		}
	}
	var err error
	b.h, err = anonymise.NewHierarchy(rows)
	if err != nil {
		return b, fmt.Errorf("anonymised export: the manifest's hierarchy of %s does not fit the data: %w", c.Name, err)
	}
	return b, nil
}

// withApart adds to h the values it does not cover (missing, not numbers), each kept
// apart as empty at every level below "*".
func withApart(h *anonymise.Hierarchy, vals []string) (*anonymise.Hierarchy, error) {
	rows := make([][]string, 0, len(vals))
	for _, v := range vals {
		if _, ok := h.Generalise(v, 0); !ok {
			rows = append(rows, apart(v, h.Levels()))
			continue
		}
		row := make([]string, h.Levels())
		for l := range row {
			row[l], _ = h.Generalise(v, l)
		}
		rows = append(rows, row)
	}
	return anonymise.NewHierarchy(rows)
}

// apart is the row of a value no hierarchy level describes: itself, then empty, then "*".
func apart(v string, levels int) []string {
	row := make([]string, levels)
	row[0] = v
	row[levels-1] = anonymise.Suppressed
	return row
}

func distinct(values []string) []string {
	seen := make(map[string]bool, len(values))
	var out []string
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
