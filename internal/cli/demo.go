package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/demo"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/store"
)

// Settings that make demo seeding resumable: the instant the shop's window ends is fixed at
// the first start, so a restart after a crash regenerates byte-identical batches and the
// store's messageId uniqueness turns the replay into a no-op for what was already stored.
const (
	demoNowSetting    = "demo.now"
	demoSeededSetting = "demo.seeded"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	fs := newFlags(e, "demo", "demo [--addr host:port] [--data DIR] [--db URL] [--seed N] [--subjects N] [--months N]")
	addServeFlags(fs, &cfg)
	seed := fs.Uint64("seed", 1, "seed of the synthetic shop (same seed, same shop)")
	subjects := fs.Int("subjects", demo.DefaultSubjects, "number of shoppers")
	months := fs.Int("months", demo.DefaultMonths, "months of history")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// While the demo seeds, the access log leaves out its own ingestion requests (thousands
	// of batches): the progress lines say how far it is (issue 18 item 8).
	seeding := &atomic.Bool{}
	seeding.Store(true)
	log := slog.New(seedingQuiet{Handler: newLogger(e.stderr, cfg).Handler(), on: seeding})
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// The demo shop's own receiver of campaign messages, on loopback, unless a webhook URL
	// was given: the demo journey's messages arrive there and are printed.
	if cfg.WebhookURL == "" {
		sink, err := demo.StartSink("127.0.0.1:0", demoWebhookSecret(cfg.DataDir), e.stdout)
		if err != nil {
			return err
		}
		defer sink.Close()
		cfg.WebhookURL = sink.URL
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	ln, err := listen(cfg)
	if err != nil {
		a.Close()
		return err
	}
	announce(log, a, ln)
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.Serve(ctx, ln) }()

	base := "http://" + ln.Addr().String()
	seedErr := seedDemo(ctx, e, a, base, demo.Config{Seed: *seed, Subjects: *subjects, Months: *months})
	seeding.Store(false)
	if seedErr != nil && ctx.Err() == nil {
		log.Error("demo seeding failed", "err", seedErr)
	}
	if seedErr == nil {
		fmt.Fprintf(e.stdout, "\nSteward demo is ready.\n  console:        %s/console/  (sign in with the token in %s)\n  privacy center: %s/privacy/\n  write key:      %s\n  health:         %s/healthz\n  webhook:        %s (campaign messages, signed with %s)\nPress Ctrl-C to stop.\n",
			base, a.AdminTokenPath(), base, a.WriteKeyPath(), base, cfg.WebhookURL, filepath.Join(cfg.DataDir, app.WebhookSecretFile))
	}
	err = <-serveErr
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err == nil && seedErr != nil && ctx.Err() == nil {
		err = seedErr
	}
	return err
}

// seedDemo feeds the synthetic shop through the real ingestion endpoint, exactly as a
// Segment client would, so the consent gate, vault and audit treat it like real traffic.
func seedDemo(ctx context.Context, e *env, a *app.App, base string, dcfg demo.Config) error {
	st := a.Store
	if v, err := st.GetSetting(ctx, demoSeededSetting); err == nil {
		fmt.Fprintf(e.stdout, "demo: shop already seeded (%s); serving it\n", v)
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now, err := demoNow(ctx, st)
	if err != nil {
		return err
	}
	dcfg.Now = now
	keyBytes, err := os.ReadFile(a.WriteKeyPath())
	if err != nil {
		return fmt.Errorf("demo: read write key: %w", err)
	}
	key := strings.TrimSpace(string(keyBytes))
	client := &http.Client{Timeout: 60 * time.Second}
	start := time.Now()
	fmt.Fprintf(e.stdout, "demo: seeding %d shoppers with %d months of events (seed %d) through %s/v1/batch ...\n", dcfg.Subjects, max(dcfg.Months, 1), dcfg.Seed, base)
	total, err := demo.Count(dcfg) // the same shop: how many messages seeding will send
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	progress := demo.NewProgress(e.stdout, total.Messages)
	sum, err := demo.Generate(dcfg, func(batch []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := demo.PostBatch(ctx, client, base+"/v1/batch", key, batch); err != nil {
			return err
		}
		progress.Add(demo.BatchMessages(batch))
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	events, _ := st.CountEvents(ctx)
	people, _ := st.CountSubjects(ctx)
	fmt.Fprintf(e.stdout, "demo: sent %d messages in %d batches in %s; stored %d events for %d subjects (the consent gate keeps only what a purpose allows)\n",
		sum.Messages, sum.Batches, time.Since(start).Round(time.Millisecond), events, people)
	if err := defineDemoSegments(ctx, e, a); err != nil {
		return err
	}
	if err := defineDemoJourney(ctx, e, a, base, dcfg); err != nil {
		return err
	}
	return st.PutSetting(ctx, demoSeededSetting, time.Now().UTC().Format(time.RFC3339))
}

// defineDemoJourney defines and activates the demo shop's journey (demo.Journey) and says
// how to set it off: a cart addition by a shopper who allows the shop's own ads.
func defineDemoJourney(ctx context.Context, e *env, a *app.App, base string, dcfg demo.Config) error {
	if _, err := a.Campaigns.DefineJourney(ctx, demo.Journey(), "demo"); err != nil {
		return fmt.Errorf("demo: journey: %w", err)
	}
	if err := a.Campaigns.Activate(ctx, demo.JourneyID); err != nil {
		return fmt.Errorf("demo: journey: %w", err)
	}
	user := ""
	if subs, err := demo.Subjects(demo.Config{Seed: dcfg.Seed, Subjects: 1, Now: dcfg.Now}); err == nil && len(subs) > 0 {
		user = subs[0].UserID // the showcase's first shopper: an adult in China who accepted everything
	}
	fmt.Fprintf(e.stdout, "demo: journey %s is active: a cart addition (\"Product Added\") enters it; after %s it branches on %s and sends through the webhook\n",
		demo.JourneyID, demo.JourneyWait, demo.JourneyBranchSegment)
	fmt.Fprintf(e.stdout, "demo: try it:\n  curl -u \"$(cat %s):\" -H 'Content-Type: application/json' %s/v1/track \\\n    -d '{\"userId\":\"%s\",\"event\":\"Product Added\",\"properties\":{\"product_id\":\"p-42\",\"category\":\"toys\"}}'\n",
		a.WriteKeyPath(), base, user)
	return nil
}

// demoWebhookSecret reads the webhook secret Steward writes when it opens (the demo's
// receiver starts before, to give Steward its URL).
func demoWebhookSecret(dir string) func() []byte {
	var mu sync.Mutex
	var secret []byte
	return func() []byte {
		mu.Lock()
		defer mu.Unlock()
		if secret == nil {
			if b, err := os.ReadFile(filepath.Join(dir, app.WebhookSecretFile)); err == nil {
				if s := strings.TrimSpace(string(b)); s != "" {
					secret = []byte(s)
				}
			}
		}
		return secret
	}
}

// demoSegments are the demo shop's segments, one per purpose it activates.
var demoSegments = []profile.SegmentDef{
	{Name: "shanghai_big_spenders", Purpose: "personalize.content",
		Expression:  `tag("high_spender") and trait("city") == "上海" and count("Order Completed", 30d) >= 2`,
		Description: "Shanghai customers among the top spenders with two orders this month: premium picks on the home page"},
	{Name: "repeat_buyers", Purpose: "personalize.content", Expression: `tag("repeat_buyer")`,
		Description: "customers with two or more orders in 90 days: reorder suggestions"},
	{Name: "cart_abandoners_ads", Purpose: "marketing.advertising.profiling",
		Expression:  `count("Product Added", 30d) >= 1 and count("Order Completed", 30d) == 0`,
		Description: "added to cart this month but did not order: retargeting ads"},
	{Name: "likely_buyers_ads", Purpose: "marketing.advertising.profiling", Expression: `tag("likely_to_buy")`,
		Description: "people the purchase model scores high: ads for what they viewed"},
}

// defineDemoSegments waits for the profiles to catch up with the seeded events, then
// defines the demo's segments and prints their counts (never who).
func defineDemoSegments(ctx context.Context, e *env, a *app.App) error {
	for !a.Profiles.Ready() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, err := a.Profiles.Sync(ctx); err != nil {
		return fmt.Errorf("demo: profiles: %w", err)
	}
	if err := a.Profiles.Refresh(ctx); err != nil {
		return fmt.Errorf("demo: profiles: %w", err)
	}
	for _, def := range demoSegments {
		v, err := a.Profiles.DefineSegment(ctx, def, "demo")
		if err != nil {
			return fmt.Errorf("demo: segment %s: %w", def.Name, err)
		}
		fmt.Fprintf(e.stdout, "demo: segment %s (%s): %d match, %d reachable\n", v.Name, v.Purpose, v.Matches, v.Size)
	}
	return nil
}

// demoNow returns the end of the demo window, fixing it on first use.
func demoNow(ctx context.Context, st store.Store) (time.Time, error) {
	if v, err := st.GetSetting(ctx, demoNowSetting); err == nil {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("demo: bad %s setting: %w", demoNowSetting, err)
		}
		return time.UnixMilli(ms).UTC(), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return time.Time{}, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	if err := st.PutSetting(ctx, demoNowSetting, strconv.FormatInt(now.UnixMilli(), 10)); err != nil {
		return time.Time{}, err
	}
	return now, nil
}

// seedingQuiet drops the access-log lines of ingestion requests while on is set: the demo's
// own seeding batches. Everything else (warnings, errors, other routes) passes; loggers
// derived with With share the switch.
type seedingQuiet struct {
	slog.Handler
	on *atomic.Bool
}

func (q seedingQuiet) Handle(ctx context.Context, r slog.Record) error {
	if q.on.Load() && r.Message == "http" && r.Level < slog.LevelWarn {
		ingest := false
		r.Attrs(func(a slog.Attr) bool {
			ingest = a.Key == "route" && a.Value.String() == "/v1/{endpoint}"
			return !ingest
		})
		if ingest {
			return nil
		}
	}
	return q.Handler.Handle(ctx, r)
}

func (q seedingQuiet) WithAttrs(as []slog.Attr) slog.Handler {
	return seedingQuiet{Handler: q.Handler.WithAttrs(as), on: q.on}
}

func (q seedingQuiet) WithGroup(name string) slog.Handler {
	return seedingQuiet{Handler: q.Handler.WithGroup(name), on: q.on}
}
