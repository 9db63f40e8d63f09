package dp_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/dp"
)

func base(m dp.Measure) dp.Spec {
	s := dp.Spec{Budget: "b", Purpose: purpose, Measure: m, Epsilon: 0.5}
	switch m {
	case dp.Sum, dp.Mean, dp.Quantile, dp.Histogram:
		s.Property, s.Bounds = "total", []float64{0, 100}
	}
	return s
}

// Every refusal names its field and wraps ErrInvalidSpec.
func TestSpecErrors(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		edit  func(*dp.Spec)
		field string
	}{
		{"no budget", func(s *dp.Spec) { s.Budget = "" }, "budget"},
		{"bad budget", func(s *dp.Spec) { s.Budget = "a b" }, "budget"},
		{"no purpose", func(s *dp.Spec) { s.Purpose = "" }, "purpose"},
		{"no measure", func(s *dp.Spec) { s.Measure = "" }, "measure"},
		{"bad measure", func(s *dp.Spec) { s.Measure = "median" }, "measure"},
		{"zero epsilon", func(s *dp.Spec) { s.Epsilon = 0 }, "epsilon"},
		{"tiny epsilon", func(s *dp.Spec) { s.Epsilon = 1e-9 }, "epsilon"},
		{"huge epsilon", func(s *dp.Spec) { s.Epsilon = 11 }, "epsilon"},
		{"NaN epsilon", func(s *dp.Spec) { s.Epsilon = math.NaN() }, "epsilon"},
		{"property on count", func(s *dp.Spec) { s.Property = "x" }, "property"},
		{"bounds on count", func(s *dp.Spec) { s.Bounds = []float64{0, 1} }, "bounds"},
		{"bins on count", func(s *dp.Spec) { s.Bins = 3 }, "bins"},
		{"ranks on count", func(s *dp.Spec) { s.Ranks = []float64{0.5} }, "ranks"},
		{"bad noise", func(s *dp.Spec) { s.Noise = "uniform" }, "noise"},
		{"four dims", func(s *dp.Spec) { s.GroupBy = []string{"event", "day", "week", "campaign"} }, "group_by"},
		{"unknown dim", func(s *dp.Spec) { s.GroupBy = []string{"event", "hour"} }, "group_by[1]"},
		{"bad trait name", func(s *dp.Spec) { s.GroupBy = []string{"trait:a b"} }, "group_by[0]"},
		{"empty tag name", func(s *dp.Spec) { s.GroupBy = []string{"tag:"} }, "group_by[0]"},
		{"dim twice", func(s *dp.Spec) { s.GroupBy = []string{"event", "event"} }, "group_by[1]"},
		{"to before from", func(s *dp.Spec) { s.From, s.To = from, from }, "to"},
		{"too many days", func(s *dp.Spec) { s.GroupBy, s.From, s.To = []string{"day"}, from, from.AddDate(4, 0, 0) }, "to"},
		{"keys of no dim", func(s *dp.Spec) { s.PublicKeys = map[string][]string{"event": {"x"}} }, "public_keys"},
		{"empty keys", func(s *dp.Spec) { s.GroupBy, s.PublicKeys = []string{"event"}, map[string][]string{"event": {}} }, "public_keys.event"},
		{"keys of a tag", func(s *dp.Spec) {
			s.GroupBy, s.PublicKeys = []string{"tag:vip"}, map[string][]string{"tag:vip": {"true"}}
		}, "public_keys.tag:vip"},
		{"too many cells", func(s *dp.Spec) {
			many := make([]string, 200)
			for i := range many {
				many[i] = strings.Repeat("x", i+1)
			}
			s.GroupBy, s.PublicKeys = []string{"event", "campaign"}, map[string][]string{"event": many, "campaign": many}
		}, "public_keys"},
		{"partitions 0 ok, 101 not", func(s *dp.Spec) { s.MaxPartitions = 101 }, "max_partitions"},
		{"contributions", func(s *dp.Spec) { s.MaxContributions = -1 }, "max_contributions"},
		{"delta on pure report", func(s *dp.Spec) { s.Delta = 1e-6 }, "delta"},
		{"delta too big", func(s *dp.Spec) { s.Delta = 0.1; s.GroupBy = []string{"event"} }, "delta"},
	} {
		s := base(dp.Count)
		c.edit(&s)
		_, err := s.Normalize()
		var se *dp.SpecError
		if !errors.Is(err, dp.ErrInvalidSpec) || !errors.As(err, &se) || se.Field != c.field {
			t.Errorf("%s: err = %v, want a SpecError on %s", c.name, err, c.field)
		}
	}
	for _, c := range []struct {
		m     dp.Measure
		edit  func(*dp.Spec)
		field string
	}{
		{dp.Sum, func(s *dp.Spec) { s.Property = "" }, "property"},
		{dp.Sum, func(s *dp.Spec) { s.Bounds = nil }, "bounds"},
		{dp.Mean, func(s *dp.Spec) { s.Bounds = []float64{5, 5} }, "bounds"},
		{dp.Mean, func(s *dp.Spec) { s.Bounds = []float64{0, math.Inf(1)} }, "bounds"},
		{dp.Histogram, func(s *dp.Spec) { s.Bins = 1000 }, "bins"},
		{dp.Quantile, func(s *dp.Spec) { s.Ranks = []float64{1.5} }, "ranks[0]"},
		{dp.CountPeople, func(s *dp.Spec) { s.MaxContributions = 2 }, "max_contributions"},
	} {
		s := base(c.m)
		c.edit(&s)
		var se *dp.SpecError
		if _, err := s.Normalize(); !errors.As(err, &se) || se.Field != c.field {
			t.Errorf("%s %s: err = %v, want a SpecError on %s", c.m, c.field, err, c.field)
		}
	}
}

// Normalize fills in every default, so a stored release says what was computed.
func TestSpecDefaults(t *testing.T) {
	s, err := base(dp.Quantile).Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if s.Noise != dp.Gaussian || s.Delta != dp.DefaultDelta || !reflect.DeepEqual(s.Ranks, []float64{0.5, 0.9}) ||
		s.MaxPartitions != 1 || s.MaxContributions != dp.DefaultValueContribs {
		t.Fatalf("quantile defaults = %+v", s)
	}
	s, err = dp.Spec{Budget: "b", Purpose: purpose, Measure: dp.Count, GroupBy: []string{"event", "day"}, Epsilon: 1}.Normalize()
	if err != nil || s.Noise != dp.Laplace || s.Delta != dp.DefaultDelta || s.MaxPartitions != dp.DefaultMaxPartitions || s.MaxContributions != dp.DefaultCountContribs {
		t.Fatalf("count by event and day = %+v, %v; want Laplace with selection δ", s, err)
	}
	s, err = dp.Spec{Budget: "b", Purpose: purpose, Measure: dp.Histogram, Property: "p", Bounds: []float64{0, 1}, Epsilon: 1}.Normalize()
	if err != nil || s.Bins != dp.DefaultBins || s.Delta != 0 {
		t.Fatalf("histogram = %+v, %v; want 10 bins over public cells, no δ", s, err)
	}
	again, err := s.Normalize()
	if err != nil || !reflect.DeepEqual(again, s) {
		t.Fatalf("Normalize is not idempotent: %+v vs %+v", again, s)
	}
}

func TestParseSpec(t *testing.T) {
	s, err := dp.ParseSpec([]byte(`{"budget":"growth","purpose":"analytics.reporting","measure":"count","event":"Order Completed",
		"group_by":["day"],"epsilon":0.5,"from":"2026-04-01T00:00:00Z","to":"2026-04-08T00:00:00Z","dry_run":true}`))
	if err != nil || !s.DryRun || s.Delta != 0 || s.GroupBy[0] != "day" {
		t.Fatalf("ParseSpec = %+v, %v", s, err)
	}
	for in, want := range map[string]string{
		`{"budget":"b","nope":1}`: `unknown field "nope"`,
		`{"epsilon":"half"}`:      "epsilon must be float64, not string",
		`{"budget":"b"} {}`:       "trailing data",
		`[1]`:                     "cannot unmarshal array",
		`{"budget":"b","purpose":"p","measure":"count","epsilon":0.5,"group_by":"event"}`: "group_by must be []string",
	} {
		_, err := dp.ParseSpec([]byte(in))
		if !errors.Is(err, dp.ErrInvalidSpec) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSpec(%s) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]time.Duration{"lifetime": 0, "1h": time.Hour, "30d": 30 * 24 * time.Hour, "4w": 28 * 24 * time.Hour} {
		if got, err := dp.ParsePeriod(in); err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0d", "30", "d", "1.5d", "-1d", "30m", "9999999d", "11000d", "forever", "30 d"} {
		if _, err := dp.ParsePeriod(in); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", in)
		}
	}
	if dp.FormatPeriod(48*time.Hour) != "2d" || dp.FormatPeriod(14*24*time.Hour) != "2w" || dp.FormatPeriod(5*time.Hour) != "5h" {
		t.Fatal("FormatPeriod")
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"lifetime", "30d", "12h", "4w", "0h", "", "1", "999999w", "１d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := dp.ParsePeriod(s)
		if err != nil {
			return
		}
		back, err := dp.ParsePeriod(dp.FormatPeriod(d))
		if err != nil || back != d {
			t.Fatalf("%q → %v → %q → %v, %v", s, d, dp.FormatPeriod(d), back, err)
		}
	})
}

func FuzzParseDimension(f *testing.F) {
	for _, s := range []string{"event", "day", "week", "campaign", "trait:city", "trait:address.city", "tag:vip", "segment:new-buyers", "trait:", "x:y", "trait:.a", "tag:上海"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := dp.ParseDimension(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDimension(%q).String() = %q", s, d.String())
		}
	})
}

func TestParseBudgetSpec(t *testing.T) {
	s, err := dp.ParseBudgetSpec([]byte(`{"name":"partner-a","consumer":"Partner A","epsilon":2,"delta":1e-6,"period":"4w"}`))
	if err != nil || s.Name != "partner-a" || s.Period != "4w" || s.Delta != 1e-6 {
		t.Fatalf("ParseBudgetSpec = %+v, %v", s, err)
	}
	for in, field := range map[string]string{
		`{"name":"b","epsilon":1,"period":"lifetime","extra":1}`: "body",
		`{"name":"b","epsilon":"1","period":"lifetime"}`:         "body",
		`{"name":"b","epsilon":1,"period":"lifetime"} 1`:         "body",
		`{"name":"b","epsilon":0,"period":"lifetime"}`:           "epsilon",
		`{"name":"b","epsilon":1,"delta":0.01,"period":"1d"}`:    "delta",
		`{"name":"b","epsilon":1,"period":"monthly"}`:            "period",
		`{"epsilon":1,"period":"1d"}`:                            "name",
	} {
		var se *dp.SpecError
		if _, err := dp.ParseBudgetSpec([]byte(in)); !errors.As(err, &se) || se.Field != field || se.What != "budget" {
			t.Errorf("ParseBudgetSpec(%s) = %v, want a budget SpecError on %s", in, err, field)
		}
	}
}

func FuzzParseBudgetSpec(f *testing.F) {
	for _, s := range []string{`{"name":"b","epsilon":1,"delta":1e-6,"period":"30d"}`, `{"name":"b","epsilon":1,"period":"lifetime"}`, `{}`, `[]`, `{"name":"é"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := dp.ParseBudgetSpec(b)
		if err != nil {
			if !errors.Is(err, dp.ErrInvalidSpec) {
				t.Fatalf("error without ErrInvalidSpec: %v", err)
			}
			return
		}
		if !(s.Epsilon > 0) || s.Delta < 0 || s.Name == "" {
			t.Fatalf("accepted %+v", s)
		}
		if _, err := dp.ParsePeriod(s.Period); err != nil {
			t.Fatalf("accepted period %q: %v", s.Period, err)
		}
	})
}
