package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/demo"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/store"
)

// benchDP measures differentially private reports (issue 20 item 6): bounded aggregation
// throughput over in-memory contributions against a plain Go map count of the same
// contributions in the same run, then reports over the demo shop's events end to end
// (validate, price, charge on SQLite, read, bound, noise, audit, store). The demo's events
// are built in memory as the consent gate would have kept them for analytics (the source
// interface the purpose-scoped reader will implement), not read from a stored demo.
func benchDP(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench dp", "bench dp [--subjects N] [--copies N] [--runs N]")
	subjects := fs.Int("subjects", demo.DefaultSubjects, "demo shoppers")
	copies := fs.Int("copies", 5, "copies of the demo population for the throughput runs")
	runs := fs.Int("runs", 5, "runs per measurement; the median is reported")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *subjects <= 0 || *copies <= 0 || *runs <= 0 {
		return fmt.Errorf("%w: subjects, copies and runs must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	people, names, err := demoPeople(demo.Config{Seed: 1, Subjects: *subjects, Now: now})
	if err != nil {
		return err
	}
	events := 0
	for _, p := range people {
		events += len(p.Events)
	}
	fmt.Fprintf(e.Stdout, "demo: %d people consenting to analytics, %d events, built in %.1f s\n", len(people), events, time.Since(start).Seconds())

	// Throughput: the same contributions counted by event name, bounded and plain.
	big := make([]dp.Person, 0, len(people)**copies)
	for c := range *copies {
		for _, p := range people {
			p.ID = fmt.Sprintf("%s#%d", p.ID, c)
			big = append(big, p)
		}
	}
	contribs := events * *copies
	// The headline groups by event name, against a plain count keyed by the name alone (the
	// cheapest baseline there is); grouping by event and day, against a plain count keyed by
	// (name, day), is shown beside it.
	type nameDay struct {
		name string
		day  int64
	}
	bound := func(groupBy ...string) (float64, error) {
		a, err := dp.NewAggregator(dp.Spec{Budget: "bench", Purpose: "analytics.reporting", Measure: dp.Count, GroupBy: groupBy, Epsilon: 1})
		if err != nil {
			return 0, err
		}
		t0 := time.Now()
		for i := range big {
			if err := a.Add(&big[i]); err != nil {
				return 0, err
			}
		}
		return float64(contribs) / time.Since(t0).Seconds(), nil
	}
	var plain, bounded, plainDay, boundedDay []float64
	for r := range *runs {
		t0 := time.Now()
		counts := map[string]int64{}
		for i := range big {
			for k := range big[i].Events {
				counts[big[i].Events[k].Name]++
			}
		}
		pr := float64(contribs) / time.Since(t0).Seconds()
		br, err := bound("event")
		if err != nil {
			return err
		}
		t0 = time.Now()
		byDay := map[nameDay]int64{}
		for i := range big {
			for k := range big[i].Events {
				ev := &big[i].Events[k]
				byDay[nameDay{ev.Name, ev.At.Unix() / 86400}]++
			}
		}
		pdr := float64(contribs) / time.Since(t0).Seconds()
		bdr, err := bound("event", "day")
		if err != nil {
			return err
		}
		plain, bounded, plainDay, boundedDay = append(plain, pr), append(bounded, br), append(plainDay, pdr), append(boundedDay, bdr)
		fmt.Fprintf(e.Stdout, "throughput run %d (%d contributions): by event, bounded %.0f/s vs plain map count %.0f/s (%.2fx); by event and day, %.0f/s vs %.0f/s (%.2fx)\n",
			r+1, contribs, br, pr, br/pr, bdr, pdr, bdr/pdr)
	}
	b, p := median(bounded), median(plain)
	fmt.Fprintf(e.Stdout, "throughput medians: by event %.0f/s vs %.0f/s (%.2fx); by event and day %.0f/s vs %.0f/s (%.2fx)\n",
		b, p, b/p, median(boundedDay), median(plainDay), median(boundedDay)/median(plainDay))

	// Reports end to end over the demo's events.
	t, err := openBenchSQLite(ctx)
	if err != nil {
		return err
	}
	defer t.cleanup()
	al, ok1 := t.st.(audit.Store)
	pb, ok2 := t.st.(store.PrivacyBudgets)
	if !ok1 || !ok2 {
		return fmt.Errorf("bench dp: the SQLite store keeps no audit log or no privacy budgets")
	}
	rec := audit.NewRecorder(audit.RecorderConfig{Appender: audit.NewAppender(al), Pseudonymizer: audit.NewPseudonymizer([]byte("bench"))})
	led, err := dp.New(dp.Config{Store: pb, Source: dp.NewMemorySource(people), Recorder: rec})
	if err != nil {
		return err
	}
	if _, err := led.CreateBudget(ctx, "bench", dp.BudgetSpec{Name: "bench", Epsilon: 100, Delta: 1e-4, Period: "lifetime"}); err != nil {
		return err
	}
	from, to := now.AddDate(0, -demo.DefaultMonths, 0), now
	public := map[string][]string{"event": names}
	others := []struct {
		name string
		spec dp.Spec
	}{
		{"people by city (selection)", dp.Spec{Measure: dp.CountPeople, GroupBy: []string{"trait:city"}, Epsilon: 1}},
		{"order totals by week", dp.Spec{Measure: dp.Sum, Event: "Order Completed", Property: "total", Bounds: []float64{0, 5000}, GroupBy: []string{"week"}, From: from, To: to, Epsilon: 1}},
		{"mean viewed price by day", dp.Spec{Measure: dp.Mean, Event: "Product Viewed", Property: "price", Bounds: []float64{0, 2000}, GroupBy: []string{"day"}, From: from, To: to, Epsilon: 1}},
		{"median, p90 viewed price", dp.Spec{Measure: dp.Quantile, Event: "Product Viewed", Property: "price", Bounds: []float64{0, 2000}, Epsilon: 1}},
		{"order totals histogram", dp.Spec{Measure: dp.Histogram, Event: "Order Completed", Property: "total", Bounds: []float64{0, 5000}, Bins: 20, Epsilon: 1}},
	}
	report := func(s dp.Spec) (dp.Release, float64, error) {
		s.Budget, s.Purpose = "bench", "analytics.reporting"
		t0 := time.Now()
		rel, err := led.Report(ctx, "bench", s)
		return rel, ms(time.Since(t0)), err
	}
	for _, o := range others {
		rel, took, err := report(o.spec)
		if err != nil {
			return fmt.Errorf("bench dp: %s: %w", o.name, err)
		}
		fmt.Fprintf(e.Stdout, "report %-28s %4d cells in %6.1f ms (charged ε=%.3g ρ=%.3g)\n", o.name+":", len(rel.Cells), took, rel.Charged.Epsilon, rel.Charged.Rho)
	}
	var took []float64
	var cells, inRange int
	for _, p := range people {
		for _, ev := range p.Events {
			if !ev.At.Before(from) && ev.At.Before(to) {
				inRange++
			}
		}
	}
	for r := range *runs {
		// A slightly different ε each run: the same query would be answered from the store.
		rel, d, err := report(dp.Spec{Measure: dp.Count, GroupBy: []string{"event", "day"}, From: from, To: to, PublicKeys: public, Epsilon: 0.5 + float64(r)/1000})
		if err != nil {
			return err
		}
		took, cells = append(took, d), len(rel.Cells)
		if days := int(to.Sub(from) / (24 * time.Hour)); cells != len(names)*days {
			return fmt.Errorf("bench dp: %d cells, want every event name on every day (%d × %d)", cells, len(names), days)
		}
		fmt.Fprintf(e.Stdout, "report run %d: count by event and day over %d events: %d cells in %.1f ms\n", r+1, inRange, cells, d)
	}
	fmt.Fprintf(e.Stdout, "dp: %.0f contributions/s (%.2fx plain count); report over %d events in %.0f ms\n", b, b/p, inRange, median(took))
	return nil
}

// demoMessage is what a report reads of a demo message.
type demoMessage struct {
	Type        string    `json:"type"`
	AnonymousID string    `json:"anonymousId"`
	Timestamp   time.Time `json:"timestamp"`
	Event       string    `json:"event"`
	Name        string    `json:"name"`
	Properties  struct {
		Price, Quantity, Value, Revenue, Shipping, Total *float64
	} `json:"properties"`
	Traits struct {
		Address struct{ City, Country string }
	} `json:"traits"`
	Context struct {
		Consent *struct {
			CategoryPreferences map[string]bool `json:"categoryPreferences"`
		} `json:"consent"`
	} `json:"context"`
}

// demoPeople builds the demo shop's people as a report under analytics.reporting would read
// them: messages whose consent includes Analytics, track and page events with their numeric
// properties, the city from identify. It also returns the event names seen, sorted.
func demoPeople(cfg demo.Config) ([]dp.Person, []string, error) {
	byID := map[string]int{}
	var people []dp.Person
	names := map[string]bool{}
	_, err := demo.Generate(cfg, func(body []byte) error {
		var b struct{ Batch []demoMessage }
		if err := json.Unmarshal(body, &b); err != nil {
			return err
		}
		for _, m := range b.Batch {
			c := m.Context.Consent
			if c == nil || !c.CategoryPreferences["Analytics"] {
				continue
			}
			i, ok := byID[m.AnonymousID]
			if !ok {
				i = len(people)
				byID[m.AnonymousID] = i
				people = append(people, dp.Person{ID: m.AnonymousID, Traits: map[string]string{}})
			}
			p := &people[i]
			switch m.Type {
			case "identify":
				if a := m.Traits.Address; a.City != "" {
					p.Traits["city"], p.Traits["country"] = a.City, a.Country
				}
				continue
			case "track":
			case "page":
				m.Event = m.Name
			default:
				continue
			}
			ev := dp.Event{Name: m.Event, At: m.Timestamp}
			pr := &m.Properties
			for _, f := range []struct {
				name string
				v    *float64
			}{{"price", pr.Price}, {"quantity", pr.Quantity}, {"value", pr.Value}, {"revenue", pr.Revenue}, {"shipping", pr.Shipping}, {"total", pr.Total}} {
				if f.v != nil {
					if ev.Props == nil {
						ev.Props = map[string]float64{}
					}
					ev.Props[f.name] = *f.v
				}
			}
			names[m.Event] = true
			p.Events = append(p.Events, ev)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("bench dp: demo: %w", err)
	}
	var list []string
	for n := range names {
		list = append(list, n)
	}
	slices.Sort(list)
	return people, list, nil
}
