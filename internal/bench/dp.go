package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/demo"
	"github.com/stewardhq/steward/internal/dp"
)

// benchDP measures differentially private reports (issue 20 item 6): bounded aggregation
// throughput over in-memory contributions against a plain Go map count of the same
// contributions in the same run, then reports over the demo shop's stored events end to
// end: a demo shop seeded through the real ingestion endpoint (as `steward demo` does, or
// an existing data directory with --data), and reports asked over HTTP — validate, price,
// charge on SQLite, read every person through the purpose-scoped reader (first report:
// decrypt and filter every event, seal each person's extract; later ones: open the sealed
// extracts), bound, noise, audit, store.
func benchDP(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench dp", "bench dp [--subjects N] [--copies N] [--runs N] [--data DIR]")
	subjects := fs.Int("subjects", demo.DefaultSubjects, "demo shoppers")
	copies := fs.Int("copies", 5, "copies of the demo population for the throughput runs")
	runs := fs.Int("runs", 5, "runs per measurement; the median is reported")
	dataDir := fs.String("data", "", "report over this data directory's stored demo (steward demo --data DIR, not being served) instead of seeding a new one; the benchmark adds a budget, its releases and 20 shoppers to it")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *subjects <= 0 || *copies <= 0 || *runs <= 0 {
		return fmt.Errorf("%w: subjects, copies and runs must be positive", ErrUsage)
	}
	if e.Open == nil {
		return errors.New("bench dp: no Steward to open for the reports over stored events")
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	people, _, err := demoPeople(demo.Config{Seed: 1, Subjects: *subjects, Now: now})
	if err != nil {
		return err
	}
	events := 0
	for _, p := range people {
		events += len(p.Events)
	}
	fmt.Fprintf(e.Stdout, "demo in memory: %d people consenting to analytics, %d events, built in %.1f s\n", len(people), events, time.Since(start).Seconds())

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
	big, people = nil, nil

	// Reports over the stored demo, end to end over HTTP.
	stored, took, err := storedReports(ctx, e, *dataDir, *subjects, *runs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "dp: %.0f contributions/s (%.2fx plain count); report over %d events in %.0f ms\n", b, b/p, stored, took)
	return nil
}

// demoNowSetting is where `steward demo` keeps the instant its shop's window ends.
const demoNowSetting = "demo.now"

// storedReports opens (or seeds) a stored demo shop, serves it on loopback and asks it for
// reports over HTTP. It returns how many events are stored and the median time of the
// headline report once the purpose's cache is built.
func storedReports(ctx context.Context, e Env, dataDir string, subjects, runs int) (int64, float64, error) {
	seed := dataDir == ""
	if seed {
		dir, err := os.MkdirTemp("", "steward-bench-dp-")
		if err != nil {
			return 0, 0, err
		}
		defer os.RemoveAll(dir)
		dataDir = dir
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Addr = dataDir, "127.0.0.1:0"
	a, err := e.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return 0, 0, err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	base := "http://" + ln.Addr().String()
	st := a.Store()
	var now time.Time
	if seed {
		now = time.Now().UTC().Truncate(time.Second)
		if err := st.PutSetting(ctx, demoNowSetting, strconv.FormatInt(now.UnixMilli(), 10)); err != nil {
			return 0, 0, err
		}
		key, err := os.ReadFile(a.WriteKeyPath())
		if err != nil {
			return 0, 0, err
		}
		client := &http.Client{Timeout: time.Minute}
		t0 := time.Now()
		sum, err := demo.Generate(demo.Config{Seed: 1, Subjects: subjects, Now: now}, func(batch []byte) error {
			return demo.PostBatch(ctx, client, base+"/v1/batch", strings.TrimSpace(string(key)), batch)
		})
		if err != nil {
			return 0, 0, fmt.Errorf("bench dp: seed the demo: %w", err)
		}
		fmt.Fprintf(e.Stdout, "demo stored: %d messages through /v1/batch in %.1f s\n", sum.Messages, time.Since(t0).Seconds())
	} else {
		v, err := st.GetSetting(ctx, demoNowSetting)
		if err != nil {
			return 0, 0, fmt.Errorf("bench dp: %s holds no demo shop (no %s setting): %w", dataDir, demoNowSetting, err)
		}
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("bench dp: bad %s setting %q", demoNowSetting, v)
		}
		now = time.UnixMilli(ms).UTC()
	}
	stored, err := st.CountEvents(ctx)
	if err != nil {
		return 0, 0, err
	}
	live, err := st.CountSubjects(ctx)
	if err != nil {
		return 0, 0, err
	}
	// An admin of its own: the data directory's first admin token may predate the report
	// scopes.
	svc := auth.New(st, time.Now)
	op, err := svc.CreateOperator(ctx, fmt.Sprintf("bench-dp-%d", time.Now().UnixNano()), auth.RoleAdmin)
	if err != nil {
		return 0, 0, err
	}
	token, _, err := svc.IssueToken(ctx, op.ID, "bench dp", nil, time.Hour)
	if err != nil {
		return 0, 0, err
	}
	c := &apiClient{base: base, token: token, http: &http.Client{Timeout: 5 * time.Minute}}
	// The profile engine reads everyone at start and whoever the seeding changed since;
	// reports wait until it has caught up (a refresh answers when it has), so the two do
	// not share the cores while being measured.
	t0 := time.Now()
	for {
		status, body, err := c.do(ctx, "POST", "/api/v1/profiles/refresh", nil)
		if err != nil {
			return 0, 0, err
		}
		if status == http.StatusOK {
			break
		}
		if status != http.StatusServiceUnavailable {
			return 0, 0, fmt.Errorf("bench dp: profiles refresh: %d %s", status, body)
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	fmt.Fprintf(e.Stdout, "stored demo: %d events of %d people; profiles caught up in %.1f s\n", stored, live, time.Since(t0).Seconds())
	budget := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	if status, body, err := c.do(ctx, "POST", "/api/v1/privacy-budgets", map[string]any{"name": budget, "epsilon": 100, "delta": 1e-4, "period": "lifetime"}); err != nil || status != http.StatusCreated {
		return 0, 0, fmt.Errorf("bench dp: create budget: %d %s %v", status, body, err)
	}
	sc, err := c.schema(ctx, "analytics.reporting")
	if err != nil {
		return 0, 0, err
	}
	to := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.AddDate(0, -demo.DefaultMonths, 0).Add(-24 * time.Hour)
	days := int(to.Sub(from) / (24 * time.Hour))
	headline := func(eps float64) map[string]any {
		return map[string]any{"budget": budget, "purpose": "analytics.reporting", "measure": "count", "group_by": []string{"event", "day"},
			"from": from, "to": to, "public_keys": map[string][]string{"event": sc}, "epsilon": eps}
	}
	// cpu is the process's CPU time of the last report: the server runs in this process and
	// is otherwise idle, so this is what a report costs whatever else the machine is doing.
	var cpu float64
	report := func(spec map[string]any) (int, float64, error) {
		if _, ok := spec["budget"]; !ok {
			spec["budget"], spec["purpose"] = budget, "analytics.reporting"
		}
		c0 := processCPU()
		defer func() { cpu = ms(processCPU() - c0) }()
		t0 := time.Now()
		status, body, err := c.do(ctx, "POST", "/api/v1/reports", spec)
		// The first report of a purpose is answered 503 (nothing charged) while its data
		// is prepared in the background: ask again until it is ready.
		for err == nil && status == http.StatusServiceUnavailable {
			select {
			case <-ctx.Done():
				return 0, 0, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
			status, body, err = c.do(ctx, "POST", "/api/v1/reports", spec)
		}
		took := ms(time.Since(t0))
		if err != nil {
			return 0, 0, err
		}
		if status != http.StatusCreated {
			return 0, 0, fmt.Errorf("bench dp: report: %d %s", status, body)
		}
		var rel struct{ Cells []json.RawMessage }
		if err := json.Unmarshal(body, &rel); err != nil {
			return 0, 0, err
		}
		return len(rel.Cells), took, nil
	}
	// The first report reads everyone through the reader and seals the purpose's cache.
	cells, cold, err := report(headline(0.5))
	if err != nil {
		return 0, 0, err
	}
	if cells != len(sc)*days {
		return 0, 0, fmt.Errorf("bench dp: %d cells, want every event type on every day (%d × %d)", cells, len(sc), days)
	}
	fmt.Fprintf(e.Stdout, "first report (503 until its data was prepared: every person read through the reader, extracts sealed): count by event and day, %d cells in %.0f ms (CPU %.0f ms)\n", cells, cold, cpu)
	others := []struct {
		name string
		spec map[string]any
	}{
		{"people by city (selection)", map[string]any{"measure": "count_people", "group_by": []string{"trait:city"}, "epsilon": 1}},
		{"order totals by week", map[string]any{"measure": "sum", "event": "Order Completed", "property": "total", "bounds": []float64{0, 5000}, "group_by": []string{"week"}, "from": from, "to": to, "epsilon": 1}},
		{"mean viewed price by day", map[string]any{"measure": "mean", "event": "Product Viewed", "property": "price", "bounds": []float64{0, 2000}, "group_by": []string{"day"}, "from": from, "to": to, "epsilon": 1}},
		{"median, p90 viewed price", map[string]any{"measure": "quantile", "event": "Product Viewed", "property": "price", "bounds": []float64{0, 2000}, "epsilon": 1}},
		{"order totals histogram", map[string]any{"measure": "histogram", "event": "Order Completed", "property": "total", "bounds": []float64{0, 5000}, "bins": 20, "epsilon": 1}},
	}
	for _, o := range others {
		n, took, err := report(o.spec)
		if err != nil {
			return 0, 0, fmt.Errorf("bench dp: %s: %w", o.name, err)
		}
		fmt.Fprintf(e.Stdout, "report %-28s %4d cells in %6.1f ms (CPU %6.1f ms)\n", o.name+":", n, took, cpu)
	}
	var took, cpus []float64
	for r := range runs {
		// A slightly different ε each run: the same query would be answered from the store.
		n, d, err := report(headline(0.5 + float64(r+1)/1000))
		if err != nil {
			return 0, 0, err
		}
		took, cpus = append(took, d), append(cpus, cpu)
		fmt.Fprintf(e.Stdout, "report run %d: count by event and day over %d stored events: %d cells in %.1f ms (CPU %.1f ms)\n", r+1, stored, n, d, cpu)
	}
	fmt.Fprintf(e.Stdout, "report medians: %.1f ms, CPU %.1f ms\n", median(took), median(cpus))
	// New events for a few new shoppers: the next report re-reads only them.
	key, err := os.ReadFile(a.WriteKeyPath())
	if err != nil {
		return 0, 0, err
	}
	if err := demo.PostBatch(ctx, &http.Client{Timeout: time.Minute}, base+"/v1/batch", strings.TrimSpace(string(key)), newShoppers(now, 20)); err != nil {
		return 0, 0, err
	}
	_, after, err := report(headline(0.499))
	if err != nil {
		return 0, 0, err
	}
	fmt.Fprintf(e.Stdout, "report after 100 new events of 20 new shoppers (only they are read): %.1f ms (CPU %.1f ms)\n", after, cpu)
	return stored, median(took), nil
}

// newShoppers is a batch of five page views each for n new shoppers consenting to analytics.
func newShoppers(now time.Time, n int) []byte {
	var msgs []string
	for i := range n {
		for k := range 5 {
			msgs = append(msgs, fmt.Sprintf(`{"type":"page","name":"Home","anonymousId":"bench-new-%d","messageId":"bench-new-%d-%d-%d","timestamp":%q,"context":{"consent":{"categoryPreferences":{"Analytics":true}}},"properties":{"path":"/"}}`,
				i, now.UnixNano(), i, k, now.Add(-time.Duration(k)*time.Minute).Format(time.RFC3339)))
		}
	}
	return []byte(`{"batch":[` + strings.Join(msgs, ",") + `]}`)
}

// apiClient calls the operator API with a token.
type apiClient struct {
	base, token string
	http        *http.Client
}

func (c *apiClient) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// schema returns the event types a purpose may read (the report's public event keys).
func (c *apiClient) schema(ctx context.Context, purpose string) ([]string, error) {
	status, body, err := c.do(ctx, "GET", "/api/v1/reports/schema?purpose="+purpose, nil)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("bench dp: schema: %d %s %v", status, body, err)
	}
	var sc struct{ Events []struct{ Name string } }
	if err := json.Unmarshal(body, &sc); err != nil {
		return nil, err
	}
	var out []string
	for _, ev := range sc.Events {
		out = append(out, ev.Name)
	}
	return out, nil
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
