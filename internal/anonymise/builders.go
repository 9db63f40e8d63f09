package anonymise

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The builders make hierarchies for columns that have none declared: intervals for
// numbers, calendar units for dates, and value-or-nothing for anything else. Each takes
// the column's values (duplicates are fine) and returns a hierarchy whose leaves are those
// values exactly as given, so the data matches it. Errors name a value's position, never
// the value: builder input is personal data.

// FlatHierarchy generalises each value straight to "*": the column is either kept or
// suppressed.
func FlatHierarchy(values []string) *Hierarchy {
	rows := make([][]string, 0, len(values))
	for _, v := range dedupe(values) {
		rows = append(rows, []string{v, "*"})
	}
	if len(rows) == 0 {
		rows = append(rows, []string{"*", "*"})
	}
	h, err := NewHierarchy(rows)
	if err != nil {
		panic(err) // unreachable: unique leaves, two levels, one root
	}
	return h
}

// IntervalHierarchy generalises numbers to intervals of growing width, then to "*".
// widths must be positive and increasing, each a whole multiple of the one before (5, 10,
// 20, ...), so every interval lies inside one interval of the next level; intervals are
// aligned at zero. Integer data with integer widths gets labels like "20-24"; otherwise
// "[20, 25)".
func IntervalHierarchy(values []string, widths []float64) (*Hierarchy, error) {
	if len(widths) == 0 {
		return nil, fmt.Errorf("interval hierarchy: %w: no widths", ErrHierarchy)
	}
	ratio := make([]int64, len(widths)) // width[l] / width[0]
	for i, w := range widths {
		if !(w > 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("interval hierarchy: %w: width %d is not a positive number", ErrHierarchy, i+1)
		}
		r := w / widths[0]
		ratio[i] = int64(math.Round(r))
		if math.Abs(r-float64(ratio[i])) > 1e-9*r || (i > 0 && (ratio[i] <= ratio[i-1] || ratio[i]%ratio[i-1] != 0)) {
			return nil, fmt.Errorf("interval hierarchy: %w: width %g is not a larger whole multiple of %g", ErrHierarchy, w, widths[max(i-1, 0)])
		}
	}
	vals := dedupe(values)
	nums := make([]float64, len(vals))
	integral := true
	for _, w := range widths {
		integral = integral && w == math.Trunc(w)
	}
	for i, v := range vals {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("interval hierarchy: %w: value %d is not a finite number", ErrHierarchy, i+1)
		}
		nums[i] = f
		integral = integral && f == math.Trunc(f)
	}
	rows := make([][]string, len(vals))
	for i, v := range vals {
		row := make([]string, 0, len(widths)+2)
		row = append(row, v)
		base := math.Floor(nums[i] / widths[0]) // interval index at the finest level
		for l, w := range widths {
			idx := math.Floor(base / float64(ratio[l]))
			lo := idx * w
			if integral {
				row = append(row, fmt.Sprintf("%d-%d", int64(lo), int64(lo+w-1)))
			} else {
				row = append(row, "["+strconv.FormatFloat(lo, 'g', -1, 64)+", "+strconv.FormatFloat(lo+w, 'g', -1, 64)+")")
			}
		}
		rows[i] = append(row, "*")
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("interval hierarchy: %w: no values", ErrHierarchy)
	}
	return NewHierarchy(rows)
}

// DateHierarchy generalises dates to month ("2024-03"), quarter ("2024-Q1"), year
// ("2024") and "*". Values are parsed with layout (time.Parse); when a value is not
// already an ISO day (a timestamp, or another layout) a day level ("2024-03-05") comes
// first.
func DateHierarchy(values []string, layout string) (*Hierarchy, error) {
	vals := dedupe(values)
	if len(vals) == 0 {
		return nil, fmt.Errorf("date hierarchy: %w: no values", ErrHierarchy)
	}
	times := make([]time.Time, len(vals))
	withDay := false
	for i, v := range vals {
		t, err := time.Parse(layout, strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("date hierarchy: %w: value %d does not match the layout %q", ErrHierarchy, i+1, layout)
		}
		times[i] = t
		withDay = withDay || t.Format(time.DateOnly) != v
	}
	rows := make([][]string, len(vals))
	for i, t := range times {
		row := []string{vals[i]}
		if withDay {
			row = append(row, t.Format(time.DateOnly))
		}
		rows[i] = append(row, t.Format("2006-01"), fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3), strconv.Itoa(t.Year()), "*")
	}
	return NewHierarchy(rows)
}

func dedupe(values []string) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
