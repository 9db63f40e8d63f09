package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/demo"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/recommend"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// benchRecommend measures recommendations per second with the request-time consent check
// (issue 24) against the same lookup without it, in the same run: the demo shop's shoppers
// as the recommender holds them (their views, cart additions and orders, personal history
// only for those whose consent includes Personalization), their identities and consent
// ledger on SQLite, requests by anonymousId from several goroutines. The checked path is
// the product's (ConsentCheck: a cached compiled state dropped by the ledger's OnChange and
// by the consent-change feed it follows, the policy asked on every call); the baseline
// answers the same requests with a check that always says yes. A third figure reads the
// ledger on every call, for comparison.
func benchRecommend(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench recommend", "bench recommend [--subjects N] [--requests N] [--runs N] [--workers N]")
	subjects := fs.Int("subjects", demo.DefaultSubjects, "demo shoppers")
	requests := fs.Int("requests", 100_000, "requests per measurement")
	runs := fs.Int("runs", 5, "runs; the median is reported")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "goroutines asking at once")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the measured runs to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *subjects <= 0 || *requests <= 0 || *runs <= 0 || *workers <= 0 {
		return fmt.Errorf("%w: subjects, requests, runs and workers must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	t0 := time.Now()
	shop, err := demoShop(demo.Config{Seed: 1, Subjects: *subjects, Now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	tgt, err := openBenchSQLite(ctx)
	if err != nil {
		return err
	}
	defer tgt.cleanup()
	st := tgt.st
	r := regime.New(manifest.Default(), 1, nil)
	cur := func() *regime.Regime { return r }
	ledger := consent.New(consent.Config{Store: st, Regime: cur})
	index := vault.NewBlindIndex([]byte("bench-recommend-index-secret-32b"), "86")
	if err := shop.store(ctx, st, ledger, index); err != nil {
		return err
	}
	personal := 0
	for _, p := range shop.people {
		if p.personalise {
			personal++
		}
	}
	fmt.Fprintf(e.Stdout, "demo: %d shoppers (%d consenting to personalisation), %d interactions, stored in %.1f s\n",
		len(shop.people), personal, shop.interactions, time.Since(t0).Seconds())

	build := func(p recommend.Permission) (*recommend.Recommender, error) {
		rec, err := recommend.New(recommend.Config{Changes: shop, Source: shop, Identities: st, Index: index, Permission: p})
		if err != nil {
			return nil, err
		}
		return rec, rec.Load(ctx)
	}
	// As the app wires it: a cached state lives until the ledger or the change feed says
	// otherwise (a minute at most), the feed followed every 250 ms.
	checkedCheck := recommend.NewConsentCheck(recommend.CheckConfig{Ledger: ledger, Regime: cur, TTL: time.Minute})
	feed, ok := st.(store.ConsentChanges)
	if !ok {
		return fmt.Errorf("bench recommend: the SQLite store has no consent-change feed")
	}
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go checkedCheck.Watch(wctx, feed, 250*time.Millisecond)
	checked, err := build(checkedCheck)
	if err != nil {
		return err
	}
	unchecked, err := build(allowAll{})
	if err != nil {
		return err
	}
	everyCall, err := build(recommend.NewConsentCheck(recommend.CheckConfig{Ledger: ledger, Regime: cur, TTL: -1}))
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(7, 11))
	order := make([]string, *requests)
	for i := range order {
		order[i] = shop.people[rng.IntN(len(shop.people))].anon
	}
	var personalised atomic.Int64
	// measure answers order[from:to] with rec from several goroutines and returns the time.
	measure := func(rec *recommend.Recommender, from, to int) (time.Duration, error) {
		var next atomic.Int64
		next.Store(int64(from))
		var firstErr error
		var once sync.Once
		var wg sync.WaitGroup
		start := time.Now()
		for range *workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= to {
						return
					}
					res, err := rec.Recommend(ctx, recommend.Request{AnonymousID: order[i], Slot: "home", N: 10, Lang: "zh-CN"})
					if err != nil {
						once.Do(func() { firstErr = err })
						return
					}
					if res.Personalised {
						personalised.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start), firstErr
	}
	rate := func(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }
	// Warm both (connections, caches, the scratch pool) before measuring.
	for _, rec := range []*recommend.Recommender{checked, unchecked} {
		if _, err := measure(rec, 0, min(*requests, 5000)); err != nil {
			return err
		}
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// The same requests go through both, in alternating chunks of chunk requests (which
	// goes first alternating too), so the other jobs on a shared machine load both alike.
	const chunk = 500
	var cs, us, ratios []float64
	for run := range *runs {
		personalised.Store(0)
		var tc, tu time.Duration
		for from, k := 0, 0; from < *requests; from, k = from+chunk, k+1 {
			to := min(from+chunk, *requests)
			pair := []*recommend.Recommender{checked, unchecked}
			if (k+run)%2 == 1 {
				pair[0], pair[1] = pair[1], pair[0]
			}
			for _, rec := range pair {
				d, err := measure(rec, from, to)
				if err != nil {
					return err
				}
				if rec == checked {
					tc += d
				} else {
					tu += d
				}
			}
		}
		c, u := rate(*requests, tc), rate(*requests, tu)
		cs, us, ratios = append(cs, c), append(us, u), append(ratios, c/u)
		fmt.Fprintf(e.Stdout, "run %d: with the consent check %.0f requests/s, without %.0f requests/s (%.2fx); %.0f%% of answers personalised\n",
			run+1, c, u, c/u, 100*float64(personalised.Load())/float64(2**requests))
	}
	n := min(*requests, 20000)
	var te, tu time.Duration
	for from := 0; from < n; from += chunk {
		d, err := measure(everyCall, from, min(from+chunk, n))
		if err != nil {
			return err
		}
		du, err := measure(unchecked, from, min(from+chunk, n))
		if err != nil {
			return err
		}
		te, tu = te+d, tu+du
	}
	c, u := median(cs), median(us)
	fmt.Fprintf(e.Stdout, "reading the ledger on every call instead: %.0f requests/s (%.2fx unchecked, same interleaving)\n", rate(n, te), float64(tu)/float64(te))
	fmt.Fprintf(e.Stdout, "medians of %d runs: %.0f vs %.0f requests/s; median of the per-run ratios %.2fx\n", *runs, c, u, median(ratios))
	fmt.Fprintf(e.Stdout, "recommend: %.0f requests/s (%.2fx unchecked)\n", c, c/u)
	return nil
}

type allowAll struct{}

func (allowAll) Permits(context.Context, string) (bool, error) { return true, nil }

// benchShopper is one demo shopper as the recommender sees them.
type benchShopper struct {
	anon, subject string
	personalise   bool // consented to Personalization
	analytics     bool // consented to Analytics
	history       []recommend.Interaction
}

// benchShop is the demo shop in memory: the recommender's Source and Changes.
type benchShop struct {
	people       []*benchShopper
	bySubject    map[string]*benchShopper
	items        map[string]recommend.ItemInfo
	interactions int
}

var _ recommend.Source = (*benchShop)(nil)

func (s *benchShop) Read(_ context.Context, subjectID string, _ int64) (recommend.Read, bool, error) {
	p, ok := s.bySubject[subjectID]
	if !ok {
		return recommend.Read{}, false, nil
	}
	r := recommend.Read{Family: []string{subjectID}, LastSeq: 1, Permitted: p.personalise, Items: s.items}
	if p.personalise {
		r.Personal = p.history
	}
	if p.analytics {
		r.Aggregate = p.history
	}
	return r, true, nil
}

func (s *benchShop) LiveSubjects(_ context.Context, after string, limit int) ([]string, error) {
	var ids []string
	for id := range s.bySubject {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids[:min(limit, len(ids))], nil
}

func (s *benchShop) ChangedSubjects(context.Context, int64, int) ([]string, int64, error) {
	return nil, 0, nil
}

// store creates each shopper's subject and anonymousId link, and their consent records.
func (s *benchShop) store(ctx context.Context, st store.Store, ledger *consent.Ledger, index *vault.BlindIndex) error {
	now := time.Now().UTC()
	for from := 0; from < len(s.people); from += 500 {
		batch := s.people[from:min(from+500, len(s.people))]
		var subs []store.Subject
		var links []store.IdentityLink
		var recs []store.ConsentRecord
		for _, p := range batch {
			subs = append(subs, store.Subject{ID: p.subject, SourceID: "src_bench", CreatedAt: now})
			h, err := index.Index(store.IdentityAnonymousID, p.anon)
			if err != nil {
				return err
			}
			links = append(links, store.IdentityLink{Key: store.IdentityKey{Kind: store.IdentityAnonymousID, Hash: string(h)}, SubjectID: p.subject, CreatedAt: now})
			rs, err := ledger.Records(p.subject, []consent.Choice{{Key: "personalize.content", Granted: p.personalise},
				{Key: "analytics.reporting", Granted: p.analytics}}, consent.Meta{Method: store.MethodBanner})
			if err != nil {
				return err
			}
			recs = append(recs, rs...)
		}
		err := st.InTx(ctx, func(tx store.Tx) error {
			if err := tx.CreateSubjects(ctx, subs); err != nil {
				return err
			}
			if err := tx.LinkIdentities(ctx, links); err != nil {
				return err
			}
			return tx.AppendConsent(ctx, recs)
		})
		if err != nil {
			return fmt.Errorf("bench recommend: store shoppers: %w", err)
		}
	}
	return nil
}

// demoShop reads the demo shop's shoppers: what they viewed, carted and bought, and their
// latest consent.
func demoShop(cfg demo.Config) (*benchShop, error) {
	s := &benchShop{bySubject: map[string]*benchShopper{}, items: map[string]recommend.ItemInfo{}}
	byAnon := map[string]*benchShopper{}
	type product struct {
		ProductID string `json:"product_id"`
		Name      string `json:"name"`
		Category  string `json:"category"`
	}
	_, err := demo.Generate(cfg, func(body []byte) error {
		var b struct {
			Batch []struct {
				Type        string    `json:"type"`
				AnonymousID string    `json:"anonymousId"`
				Timestamp   time.Time `json:"timestamp"`
				Event       string    `json:"event"`
				Properties  struct {
					product
					Products []product `json:"products"`
				} `json:"properties"`
				Context struct {
					Consent *struct {
						CategoryPreferences map[string]bool `json:"categoryPreferences"`
					} `json:"consent"`
				} `json:"context"`
			}
		}
		if err := json.Unmarshal(body, &b); err != nil {
			return err
		}
		for _, m := range b.Batch {
			p := byAnon[m.AnonymousID]
			if p == nil {
				p = &benchShopper{anon: m.AnonymousID, subject: fmt.Sprintf("sub_%06d", len(s.people))}
				byAnon[m.AnonymousID] = p
				s.people = append(s.people, p)
				s.bySubject[p.subject] = p
			}
			if c := m.Context.Consent; c != nil {
				p.personalise, p.analytics = c.CategoryPreferences["Personalization"], c.CategoryPreferences["Analytics"]
			}
			if m.Type != "track" {
				continue
			}
			add := func(pr product, k recommend.Kind) {
				if pr.ProductID == "" {
					return
				}
				p.history = append(p.history, recommend.Interaction{Item: pr.ProductID, Kind: k, At: m.Timestamp})
				s.items[pr.ProductID] = recommend.ItemInfo{Name: pr.Name, Category: pr.Category}
				s.interactions++
			}
			switch m.Event {
			case "Product Viewed":
				add(m.Properties.product, recommend.Viewed)
			case "Product Added":
				add(m.Properties.product, recommend.Carted)
			case "Order Completed":
				for _, pr := range m.Properties.Products {
					add(pr, recommend.Bought)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench recommend: demo: %w", err)
	}
	return s, nil
}
