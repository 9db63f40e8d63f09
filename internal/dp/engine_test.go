package dp

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

// fixedAggregate runs people through an aggregator with a fixed bounding seed.
func fixedAggregate(t *testing.T, p *plan, src Source) *Aggregator {
	t.Helper()
	a := newAggregator(p, 1)
	a.seed = [2]uint64{1, 2}
	if err := src.People(context.Background(), p.query(), a.Add); err != nil {
		t.Fatal(err)
	}
	return a
}

// state renders an aggregation exactly: everything the noise is added to.
func state(t *testing.T, a *Aggregator) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, c := range a.cells {
		s := fmt.Sprintf("people=%d n=%d sum=%v", c.people, c.n, c.sum)
		if c.mean != nil {
			b, err := c.mean.GobEncode()
			if err != nil {
				t.Fatal(err)
			}
			s += fmt.Sprintf(" mean=%x", b)
		}
		if c.quant != nil {
			// The encoding holds the tree as a map (in random order): compare the map.
			b, err := c.quant.GobEncode()
			if err != nil {
				t.Fatal(err)
			}
			var tree struct{ QuantileTree map[int]int64 }
			if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&tree); err != nil || len(tree.QuantileTree) == 0 {
				t.Fatalf("decode quantile tree: %v", err)
			}
			s += fmt.Sprintf(" quant=%v", tree.QuantileTree)
		}
		out[fmt.Sprint(a.values(k))] = s
	}
	return out
}

func mustKey(t *testing.T, a *Aggregator, vals ...string) cellKey {
	t.Helper()
	k, ok := a.key(vals)
	if !ok {
		t.Fatalf("no cell key for %q", vals)
	}
	return k
}

func TestBounding(t *testing.T) {
	// One person on 10 days, 20 views a day at price 1000.
	var evs []Event
	for d := range 10 {
		for range 20 {
			evs = append(evs, Event{Name: "Product Viewed", At: t0.Add(time.Duration(d)*24*time.Hour + time.Hour), Props: map[string]float64{"price": 1000}})
		}
	}
	person := []Person{{ID: "a", Events: evs}}
	src := NewMemorySource(person)

	t.Run("partitions and contributions", func(t *testing.T) {
		p := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Count, GroupBy: []string{"day"}, Epsilon: 1})
		a := fixedAggregate(t, p, src)
		if len(a.cells) != DefaultMaxPartitions {
			t.Fatalf("person is in %d cells, want %d", len(a.cells), DefaultMaxPartitions)
		}
		for k, c := range a.cells {
			if c.people != 1 || c.n != DefaultCountContribs {
				t.Fatalf("cell %v = %+v, want 1 person, %d events", a.values(k), c, DefaultCountContribs)
			}
		}
	})
	t.Run("clamping", func(t *testing.T) {
		p := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Sum, Property: "price", Bounds: []float64{0, 100}, MaxContributions: 3, Epsilon: 1})
		a := fixedAggregate(t, p, src)
		if c := a.cells[cellKey{}]; len(a.cells) != 1 || c.sum != 300 || c.people != 1 {
			t.Fatalf("sum cells = %v, want one cell of 3 values clamped to 100", state(t, a))
		}
	})
	t.Run("filters", func(t *testing.T) {
		p := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Count, Event: "Product Viewed", From: t0.Add(24 * time.Hour), To: t0.Add(3 * 24 * time.Hour),
			GroupBy: []string{"day"}, MaxPartitions: 5, MaxContributions: 100, Epsilon: 1})
		if !p.public || len(p.domains[0]) != 2 {
			t.Fatalf("a closed range makes days public: %v", p.domains)
		}
		a := fixedAggregate(t, p, src)
		if len(a.cells) != 2 || a.cells[mustKey(t, a, "2026-04-02")].n != 20 {
			t.Fatalf("cells = %v", state(t, a))
		}
		p = mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Count, Event: "Order Completed", Epsilon: 1})
		if a := fixedAggregate(t, p, src); len(a.cells) != 0 {
			t.Fatalf("another event's report has cells %v", state(t, a))
		}
	})
	t.Run("a person twice", func(t *testing.T) {
		p := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Count, Epsilon: 1})
		_, err := aggregate(context.Background(), p, NewMemorySource([]Person{person[0], person[0]}), 1)
		if !errors.Is(err, errDuplicate) {
			t.Fatalf("err = %v, want errDuplicate", err)
		}
	})
	t.Run("declared keys filter", func(t *testing.T) {
		people := []Person{
			{ID: "a", Traits: map[string]string{"city": "上海"}, Events: []Event{{Name: "x"}, {Name: "y"}}},
			{ID: "b", Traits: map[string]string{"city": "拉萨"}, Events: []Event{{Name: "x"}}},
		}
		p := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Count, GroupBy: []string{"trait:city", "event"}, Epsilon: 1,
			PublicKeys: map[string][]string{"trait:city": {"上海", "北京"}, "event": {"x"}}})
		a := fixedAggregate(t, p, NewMemorySource(people))
		if len(a.cells) != 1 || a.cells[mustKey(t, a, "上海", "x")].n != 1 {
			t.Fatalf("cells = %v, want only 上海/x", state(t, a))
		}
		cells, err := a.release()
		if err != nil || len(cells) != 2 || cells[0].Key["trait:city"] != "上海" || cells[1].Key["trait:city"] != "北京" || cells[1].Key["event"] != "x" {
			t.Fatalf("public cells = %+v, %v; want 上海/x and 北京/x (in byte order), the empty one too", cells, err)
		}
	})
	t.Run("bounding is the person's own", func(t *testing.T) {
		// The same person keeps the same cells whoever else is in the data.
		p := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Count, GroupBy: []string{"day"}, Epsilon: 1})
		alone := state(t, fixedAggregate(t, p, src))
		others := slices.Clone(person)
		for i := range 50 {
			others = append([]Person{{ID: fmt.Sprint("o", i), Events: evs[:1]}}, others...)
		}
		with := state(t, fixedAggregate(t, p, NewMemorySource(others)))
		for k, v := range alone {
			if k != "[2026-04-01]" && with[k] != v {
				t.Fatalf("cell %s: alone %s, with others %s", k, v, with[k])
			}
		}
	})
}

// consentSource yields, like the purpose-scoped reader, only the people whose consent
// allows the purpose.
type consentSource struct {
	people  []Person
	refuses map[string]bool
}

func (c consentSource) People(ctx context.Context, q Query, fn func(*Person) error) error {
	for i := range c.people {
		if c.refuses[c.people[i].ID] {
			continue
		}
		if err := fn(&c.people[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c consentSource) Version(context.Context, Query) (string, error) { return "v", nil }

// A person whose consent refuses the purpose changes nothing in a report: every
// measure's state before noise (which is all the noise is added to) is exactly that of
// the same data without them, and differs when they consent (issue 20 item 5).
func TestExcludedPersonChangesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var people []Person
	for i := range 200 {
		p := Person{ID: fmt.Sprintf("s%03d", i), Traits: map[string]string{"city": []string{"上海", "北京"}[i%2]}}
		if i%3 == 0 {
			p.Tags = []string{"vip"}
		}
		for range 1 + r.IntN(8) {
			p.Events = append(p.Events, Event{Name: []string{"view", "buy"}[r.IntN(2)], At: t0.Add(time.Duration(r.IntN(14*24)) * time.Hour),
				Props: map[string]float64{"v": float64(r.IntN(300))}, Campaign: "c1"})
		}
		people = append(people, p)
	}
	// The excluded person is everywhere: many events, every day, both events, huge values.
	x := Person{ID: "x", Traits: map[string]string{"city": "上海"}, Tags: []string{"vip"}}
	for d := range 14 {
		x.Events = append(x.Events, Event{Name: "buy", At: t0.Add(time.Duration(d) * 24 * time.Hour), Props: map[string]float64{"v": 1e6}, Campaign: "c1"})
	}
	without := NewMemorySource(people)
	excluded := consentSource{people: append(slices.Clone(people[:100]), append([]Person{x}, people[100:]...)...), refuses: map[string]bool{"x": true}}
	included := consentSource{people: excluded.people}

	for _, s := range []Spec{
		{Measure: Count, GroupBy: []string{"day"}},
		{Measure: CountPeople, GroupBy: []string{"tag:vip", "event"}},
		{Measure: CountPeople, GroupBy: []string{"trait:city"}},
		{Measure: Sum, Property: "v", Bounds: []float64{0, 500}, GroupBy: []string{"campaign"}},
		{Measure: Mean, Property: "v", Bounds: []float64{0, 500}, GroupBy: []string{"trait:city"}},
		{Measure: Quantile, Property: "v", Bounds: []float64{0, 500}},
		{Measure: Histogram, Property: "v", Bounds: []float64{0, 500}, GroupBy: []string{"event"}},
	} {
		s.Budget, s.Purpose, s.Epsilon = "b", "p", 1
		t.Run(fmt.Sprint(s.Measure, s.GroupBy), func(t *testing.T) {
			p := mustPlan(t, s)
			want := state(t, fixedAggregate(t, p, without))
			if got := state(t, fixedAggregate(t, p, excluded)); !mapsEqual(got, want) {
				t.Fatalf("excluding a person by consent changed the report's state:\n got %v\nwant %v", got, want)
			}
			if got := state(t, fixedAggregate(t, p, included)); mapsEqual(got, want) {
				t.Fatal("including the person changed nothing either: the test cannot see a difference")
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// With a large ε every measure lands near the truth, inside an interval around itself.
// (Whether the interval covers the truth 95% of the time is TestConfidenceIntervalsCover's.)
func TestMeasuresNearTruth(t *testing.T) {
	const n = 4000
	r := rand.New(rand.NewPCG(5, 5))
	people := make([]Person, n)
	var views, buys int
	var sumBuy float64
	vals := make([]float64, 0, n)
	for i := range people {
		p := Person{ID: fmt.Sprint(i)}
		p.Events = append(p.Events, Event{Name: "view", At: t0})
		views++
		if i%2 == 0 {
			v := float64(r.IntN(1000))
			p.Events = append(p.Events, Event{Name: "buy", At: t0, Props: map[string]float64{"v": v}})
			buys++
			sumBuy += v
			vals = append(vals, v)
		}
		people[i] = p
	}
	slices.Sort(vals)
	src := NewMemorySource(people)
	check := func(name string, c Cell, truth, tol float64) {
		t.Helper()
		if math.Abs(c.Value-truth) > tol || c.CI[0] > c.Value || c.CI[1] < c.Value || c.CI[1]-c.CI[0] > 2*tol {
			t.Errorf("%s: %+v, truth %g", name, c, truth)
		}
	}
	run := func(s Spec) []Cell {
		t.Helper()
		s.Budget, s.Purpose, s.Epsilon = "b", "p", MaxEpsilon
		p := mustPlan(t, s)
		a, err := aggregate(context.Background(), p, src, 1)
		if err != nil {
			t.Fatal(err)
		}
		cells, err := a.release()
		if err != nil {
			t.Fatal(err)
		}
		return cells
	}
	cells := run(Spec{Measure: Count, GroupBy: []string{"event"}, PublicKeys: map[string][]string{"event": {"buy", "view"}}})
	check("count buy", cells[0], float64(buys), 20)
	check("count view", cells[1], float64(views), 20)
	cells = run(Spec{Measure: CountPeople, Event: "buy"})
	check("people", cells[0], float64(buys), 10)
	cells = run(Spec{Measure: Sum, Event: "buy", Property: "v", Bounds: []float64{0, 1000}})
	check("sum", cells[0], sumBuy, 10000)
	cells = run(Spec{Measure: Mean, Event: "buy", Property: "v", Bounds: []float64{0, 1000}})
	check("mean", cells[0], sumBuy/float64(buys), 10)
	cells = run(Spec{Measure: Quantile, Event: "buy", Property: "v", Bounds: []float64{0, 1000}})
	if len(cells) != 2 || cells[0].Key["quantile"] != "p50" || cells[1].Key["quantile"] != "p90" {
		t.Fatalf("quantile cells = %+v", cells)
	}
	check("median", cells[0], vals[len(vals)/2], 25)
	check("p90", cells[1], vals[len(vals)*9/10], 25)
	cells = run(Spec{Measure: Histogram, Event: "buy", Property: "v", Bounds: []float64{0, 1000}, Bins: 20})
	if len(cells) != 20 || cells[0].Key["bin"] != "[0, 50)" || cells[1].Key["bin"] != "[50, 100)" || cells[19].Key["bin"] != "[950, 1000]" {
		t.Fatalf("histogram cells out of order: %+v", cells)
	}
	for i, c := range cells {
		in := 0
		for _, v := range vals {
			if int(v/50) == i {
				in++
			}
		}
		check("bin "+c.Key["bin"], c, float64(in), 20)
	}
}

// Each cell's interval covers the true value about 95% of the time (issue 20 item 3).
func TestConfidenceIntervalsCover(t *testing.T) {
	if testing.Short() {
		t.Skip("hundreds of releases per measure")
	}
	r := rand.New(rand.NewPCG(9, 9))
	people := make([]Person, 300)
	var vals []float64
	for i := range people {
		v := float64(r.IntN(100))
		people[i] = Person{ID: fmt.Sprint(i), Events: []Event{{Name: "buy", At: t0, Props: map[string]float64{"v": v}}}}
		vals = append(vals, v)
	}
	slices.Sort(vals)
	sum := 0.0
	for _, v := range vals {
		sum += v
	}
	src := NewMemorySource(people)
	// A large skewed population, where the quantile tree's small-node filter matters.
	skewed := make([]Person, 20000)
	var svals []float64
	for i := range skewed {
		v := math.Min(100, r.ExpFloat64()*5)
		skewed[i] = Person{ID: fmt.Sprint(i), Events: []Event{{Name: "buy", At: t0, Props: map[string]float64{"v": v}}}}
		svals = append(svals, v)
	}
	slices.Sort(svals)
	for _, c := range []struct {
		spec  Spec
		src   Source
		truth float64
		min   float64
		runs  int
	}{
		{Spec{Measure: Count}, src, 300, 0.92, 600},
		{Spec{Measure: CountPeople, Noise: Gaussian}, src, 300, 0.92, 600},
		{Spec{Measure: Sum, Property: "v", Bounds: []float64{0, 100}}, src, sum, 0.92, 600},
		{Spec{Measure: Mean, Property: "v", Bounds: []float64{0, 100}}, src, sum / 300, 0.92, 600},
		{Spec{Measure: Quantile, Property: "v", Bounds: []float64{0, 100}, Ranks: []float64{0.5}}, src, vals[150], 0.90, 600},
		{Spec{Measure: Quantile, Property: "v", Bounds: []float64{0, 100}, Ranks: []float64{0.9}, Noise: Laplace}, NewMemorySource(skewed), svals[18000], 0.90, 150},
	} {
		c.spec.Budget, c.spec.Purpose, c.spec.Epsilon = "b", "p", 0.5
		p := mustPlan(t, c.spec)
		t.Run(fmt.Sprint(c.spec.Measure, c.spec.Ranks), func(t *testing.T) {
			runs := c.runs
			covered, width := 0, 0.0
			for range runs {
				a, err := aggregate(context.Background(), p, c.src, 1)
				if err != nil {
					t.Fatal(err)
				}
				cells, err := a.release()
				if err != nil {
					t.Fatal(err)
				}
				ci := cells[0].CI
				if ci[0] <= c.truth && c.truth <= ci[1] {
					covered++
				}
				width += ci[1] - ci[0]
			}
			rate := float64(covered) / float64(runs)
			t.Logf("%s: the 95%% interval covered the truth in %.1f%% of %d releases (mean width %.3g)", c.spec.Measure, 100*rate, runs, width/float64(runs))
			if rate < c.min {
				t.Errorf("coverage %.3f below %.2f", rate, c.min)
			}
		})
	}
}

// Day and week ids name the same day and ISO week as the labels, across year ends and
// before 1970.
func TestTimeKeys(t *testing.T) {
	p := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Count, GroupBy: []string{"day", "week"}, Epsilon: 1})
	a := newAggregator(p, 1)
	for _, at := range []time.Time{
		time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2020, 12, 31, 12, 0, 0, 0, time.UTC), time.Date(2021, 1, 3, 12, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(1965, 6, 15, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 6, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)),
	} {
		a.cells = map[cellKey]*cellAcc{}
		a.seen = map[uint64]struct{}{}
		if err := a.Add(&Person{ID: at.String(), Events: []Event{{Name: "e", At: at}}}); err != nil {
			t.Fatal(err)
		}
		for k := range a.cells {
			got := a.values(k)
			if want := []string{dayLabel(at), weekLabel(at)}; !slices.Equal(got, want) {
				t.Errorf("%v: key names %v, want %v", at, got, want)
			}
			if back, ok := a.key(got); !ok || back != k {
				t.Errorf("%v: key(%v) = %v, %v; want %v", at, got, back, ok, k)
			}
		}
	}
}

// meanInterval finds an interval as narrow as the library's own 999-split search, within a
// per cent, and the same one where the library's is exact.
func TestMeanIntervalMatchesLibrary(t *testing.T) {
	for _, gauss := range []bool{false, true} {
		for _, n := range []int{3, 50, 2000} {
			p := mustPlan(t, Spec{Budget: "b", Purpose: "p", Measure: Mean, Property: "v", Bounds: []float64{-10, 90}, Epsilon: 0.7,
				Noise: map[bool]NoiseKind{false: Laplace, true: Gaussian}[gauss]})
			a := newAggregator(p, 1)
			c := a.newCell()
			for i := range n {
				c.mean.Add(float64(i % 100))
			}
			if _, err := c.mean.Result(); err != nil {
				t.Fatal(err)
			}
			ours, err := meanInterval(c.mean, p.lo, p.hi)
			if err != nil {
				t.Fatal(err)
			}
			lib, err := c.mean.ComputeConfidenceInterval(alpha)
			if err != nil {
				t.Fatal(err)
			}
			wo, wl := ours.UpperBound-ours.LowerBound, lib.UpperBound-lib.LowerBound
			if wo > wl*1.01+1e-9 || ours.LowerBound < p.lo || ours.UpperBound > p.hi {
				t.Errorf("gauss=%v n=%d: ours %+v (width %.4g), library %+v (width %.4g)", gauss, n, ours, wo, lib, wl)
			}
		}
	}
}
