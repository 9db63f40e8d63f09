// Package app is Steward's composition root: it opens the store and the keyring, builds each
// domain service from its explicit dependencies, hands them to the HTTP server and runs the
// background loops. It holds no rules of its own — each lives with the concept that owns it —
// and nothing imports it but the command line. serve, demo and the end-to-end tests all start
// Steward through Open, so they exercise the same wiring.
package app

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/algorithm"
	"github.com/stewardhq/steward/internal/anonexport"
	"github.com/stewardhq/steward/internal/assessment"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/cleanroom/room"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/compliance"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/dp/stored"
	"github.com/stewardhq/steward/internal/equity"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/incident"
	"github.com/stewardhq/steward/internal/intake"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/pricing"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/recommend"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/retention"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/signin"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/sqlite"
	"github.com/stewardhq/steward/internal/transfer"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
	"github.com/stewardhq/steward/internal/web"
)

// App is an assembled Steward process: its store, keys and services.
type App struct {
	Config config.Config
	Store  store.Store
	Log    *slog.Logger
	// Bootstrapped is true when this start created the admin token and write key files.
	Bootstrapped bool

	Vault   *vault.Vault
	Keyring keyring.Keyring
	Index   *vault.BlindIndex

	Auth      *auth.Service
	Recorder  *audit.Recorder
	Audit     *audit.Log
	Regime    *regime.Service
	Ledger    *consent.Ledger
	Collector *collect.Collector
	Reader    *access.Reader
	Profiles  *profile.Engine
	Rights    *rights.Service
	Equity    *equity.Service
	Anonymise *anonexport.Service
	// Recommender, Pricing and Algorithms: recommendations, fair prices and the algorithm
	// register (issue 24).
	Recommender *recommend.Recommender
	Pricing     *pricing.Service
	Algorithms  *algorithm.Register
	Intake      *intake.Counter
	SignIn      *signin.Service
	Jobs        *jobs.Queue
	Campaigns   *campaign.Service
	DP          *dp.Ledger
	// Compliance (issue 26): retention, the transfer register, assessments, the breach
	// register and the evidence bundle (retention and re-checks run on Jobs).
	Retention   *retention.Service
	Transfers   *transfer.Service
	Assessments *assessment.Service
	Incidents   *incident.Service
	Bundles     *compliance.Builder
	// CleanRoom is the two-party clean room (issue 22): partners and jobs.
	CleanRoom *room.Service
	Server    *server.Server

	checkpoints *audit.Checkpointer
	lease       *keyringLease
	// leaseLost is set when the keyring lease was lost while serving; Serve returns it.
	leaseLost atomic.Pointer[error]
	changeLog store.ChangeLog
	check     *recommend.ConsentCheck
}

// Version is the build's version string, set by the CLI.
var Version = "dev"

// OpenStore opens and migrates the store the configuration selects.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	var st store.Store
	var err error
	if cfg.IsPostgres() {
		st, err = postgres.Open(ctx, cfg.DB)
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		st, err = sqlite.Open(ctx, cfg.SQLitePath())
	}
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	// The job queue's tables live beside the store's (campaign deliveries, journeys).
	if _, err := jobs.Migrate(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// Options tune an assembled Steward beyond its configuration (benchmarks and tests).
type Options struct {
	// IngestRate overrides the per-write-key rate limit (negative: none).
	IngestRate float64
	// OIDC lets operators sign in to the console through an OpenID Connect provider.
	OIDC *OIDC
	// CampaignClock is the campaign engine's clock (default time.Now) and CampaignTick how
	// often it starts due runs and moves journeys on (default a minute): tests.
	CampaignClock func() time.Time
	CampaignTick  time.Duration
	// Now is the compliance services' clock (retention, transfers, assessments, incidents,
	// bundles); nil means time.Now. Tests move it to see retention act.
	Now func() time.Time
}

// OIDC is the OpenID Connect provider operators sign in to the console with (steward serve
// --oidc-issuer …).
type OIDC struct {
	Issuer, ClientID, ClientSecret, RedirectURL, Name string
}

// Open assembles Steward. The caller must Close it.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	return OpenWith(ctx, cfg, log, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open: data directory: %w", err)
	}
	// The directory holds the database, keys and first-start secrets: owner-only, also
	// when it existed before with a wider mode.
	if fi, err := os.Stat(cfg.DataDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("open: data directory: %w", err)
		}
		log.Warn("data directory was readable by others; made it owner-only (0700)", "dir", cfg.DataDir)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: st, Log: log}
	if err := a.build(ctx, opt); err != nil {
		a.lease.release()
		st.Close()
		return nil, err
	}
	return a, nil
}

// build wires the services, each from the narrow dependencies it declares.
func (a *App) build(ctx context.Context, opt Options) error {
	cfg, st := a.Config, a.Store
	var err error
	a.Auth = auth.New(st, time.Now)
	if a.Bootstrapped, err = a.Auth.Bootstrap(ctx, cfg.DataDir); err != nil {
		return err
	}
	// A server holds a shared keyring lease while it may wrap data keys, so a key rotation
	// cannot retire a key under it (issue 17 item 4); a rotation running now keeps it out.
	if a.lease, err = acquireKeyringLease(ctx, st, false, "steward serving"); err != nil {
		if errors.Is(err, ErrKeyringBusy) {
			return fmt.Errorf("open: a key rotation holds the keyring of this store; start again when it has finished (%w)", err)
		}
		return fmt.Errorf("open: %w", err)
	}
	if a.Vault, a.Keyring, err = openVault(ctx, cfg, st); err != nil {
		a.lease.release()
		return err
	}
	a.Index = vault.NewBlindIndex(a.Keyring.IndexSecret(), "86")

	// The audit log: the pseudonym key derives from the index secret, so the same person
	// gets the same pseudonym across acts, and nobody without the keyring can link one to
	// a person.
	ast, ok := st.(audit.Store)
	if !ok {
		return errors.New("open audit: this store does not keep an audit log")
	}
	signer, verifier, err := audit.OpenKeys(ctx, cfg.DataDir, audit.DefaultOrigin, ast)
	if err != nil {
		return fmt.Errorf("open audit: %w", err)
	}
	mac := hmac.New(sha256.New, a.Keyring.IndexSecret())
	mac.Write([]byte("steward/audit-pseudonym"))
	pseud := audit.NewPseudonymizer(mac.Sum(nil))
	a.checkpoints = &audit.Checkpointer{St: ast, Origin: audit.DefaultOrigin, Signer: signer}
	a.Audit = audit.NewLog(ast, a.checkpoints, verifier, pseud)

	if a.Regime, err = regime.Open(ctx, regime.Config{Store: st}); err != nil {
		return err
	}
	cur := a.Regime.Current
	a.Recorder = audit.NewRecorder(audit.RecorderConfig{Appender: audit.NewAppender(ast), Pseudonymizer: pseud,
		Categories: func(purpose string) []string { return cur().CategoriesOf(purpose) }})
	a.Regime.SetRecorder(a.Recorder)
	a.Auth.SetRecorder(a.Recorder)

	a.Ledger = consent.New(consent.Config{Store: st, Regime: cur, Recorder: a.Recorder})
	// The recommender's request-time check drops a person's cached state whenever the
	// ledger records a change for them: through the ledger (below), with ingested events,
	// or on another node (Serve follows the store's consent-change feed). The TTL is then
	// only a backstop.
	if a.changeLog, ok = st.(store.ChangeLog); !ok {
		return errors.New("open: this store has no change log to follow other nodes by")
	}
	check := recommend.NewConsentCheck(recommend.CheckConfig{Ledger: a.Ledger, Regime: cur, TTL: time.Minute})
	a.check = check
	recorded := func(ctx context.Context, recs []store.ConsentRecord) error {
		for _, r := range recs {
			check.Invalidate(r.SubjectID)
		}
		return a.Ledger.Recorded(ctx, recs)
	}
	// Every export, audience sync and partner job to a recipient abroad passes this check.
	a.Transfers = transfer.New(transfer.Config{Store: st, Consents: a.Ledger, Regime: cur, Recorder: a.Recorder, Now: opt.Now,
		Location: equity.MonthZone(cur().Home())})
	reg := prometheus.NewRegistry()
	g := gate.Open(gate.Config{Regime: cur, Ledger: a.Ledger, Notices: a.Regime.KnownNotice})
	a.Collector, err = collect.New(collect.Config{Store: st, Index: a.Index, Seal: a.Vault, Registerer: reg, Recorder: a.Recorder,
		Gate: g, Recorded: recorded,
		Suppressed: st.SuppressedIdentities, Stored: func(ctx context.Context, evs []store.Event) {
			// Conversions, triggers and event entries: after the events committed.
			if err := a.Campaigns.ObserveStored(ctx, evs); err != nil {
				a.Log.Warn("campaigns: observing events failed", "err", err)
			}
		}})
	if err != nil {
		return err
	}
	a.Reader = access.New(access.Config{Store: st, Opener: a.Vault, Sealer: a.Vault, Keys: st, Rules: access.RegimeRules(cur),
		Decider: access.NewPolicyDecider(cur, a.Ledger), Recorder: a.Recorder, Basis: func(purpose string) string {
			p, _ := cur().Purpose(purpose)
			return string(p.Basis)
		}})
	if a.Profiles, err = profile.New(profile.Config{Store: st, Log: a.Log, Recorder: a.Recorder,
		Source:      &profile.ReaderSource{Subjects: st, Reader: a.Reader, Ledger: a.Ledger, Regime: cur},
		Manifest:    func() *manifest.Manifest { return cur().Manifest() },
		Advertising: func(purpose string) bool { return cur().Advertising(purpose) }, Transfers: a.Transfers}); err != nil {
		return err
	}
	// A published manifest's tags (added, changed, removed) take effect at once, and a
	// person's own change of mind reaches their tags and memberships now, not at the next poll.
	a.Regime.OnPublish(func(ctx context.Context, _ *regime.Regime) error {
		if !a.Profiles.Ready() {
			return nil
		}
		return a.Profiles.Reconfigure(ctx)
	})
	a.Ledger.OnChange(func(ctx context.Context, subjectID string) {
		// The gate caches a person's consents for a second; a change made here (the privacy
		// center, a tier, a subscription) applies to their very next event on this node.
		g.Forget([]string{subjectID})
		if !a.Profiles.Ready() {
			return
		}
		if err := a.Profiles.Touch(ctx, subjectID); err != nil {
			a.Log.Warn("profiles: recompute after a change failed", "err", err) // the next sync repairs it
		}
	})
	if a.Recommender, err = recommend.New(recommend.Config{Changes: st, Identities: st, Index: a.Index, Permission: check,
		Source: &recommend.ReaderSource{Subjects: st, Reader: a.Reader, Ledger: a.Ledger, Regime: cur}, Recorder: a.Recorder, Log: a.Log}); err != nil {
		return err
	}
	a.Ledger.OnChange(func(ctx context.Context, subjectID string) {
		check.Invalidate(subjectID)
		if a.Recommender.Ready() {
			if err := a.Recommender.Touch(ctx, subjectID); err != nil {
				a.Log.Warn("recommend: re-reading after a change failed", "err", err) // the next sync repairs it
			}
		}
	})
	ps, ok := st.(pricing.Store)
	als, ok2 := st.(store.Algorithms)
	if !ok || !ok2 {
		return errors.New("open: this store keeps no price quotes or algorithm register")
	}
	if a.Pricing, err = pricing.New(pricing.Config{Store: ps, Regime: cur, Recorder: a.Recorder,
		Customers: &pricing.ReaderCustomers{Index: a.Index, Identities: st, Reader: a.Reader}}); err != nil {
		return err
	}
	a.Algorithms = algorithm.New(algorithm.Config{Store: als, Recorder: a.Recorder, Log: a.Log})
	a.Algorithms.Add(recommend.Algorithm)
	a.Algorithms.Add(pricing.Algorithm)
	a.Algorithms.AddSet(func() []algorithm.Algorithm {
		var tags []manifest.Tag
		for _, v := range a.Profiles.Tags() {
			tags = append(tags, v.Tag)
		}
		return algorithm.ProfileTags(tags)
	})
	rc := rights.Config{Store: st, Ledger: a.Ledger, Reader: a.Reader, Shredder: a.Vault, Regime: cur,
		Recorder: a.Recorder, Profiles: a.Profiles, Forgetters: []rights.Forgetter{a.Recommender}, HoldKey: a.Keyring.IndexSecret(), Index: a.Index,
		Operators: st, SubjectOf: a.SubjectForUserID, Reports: a.Audit, Log: a.Log}
	if rc.Mail, rc.Webhook, err = notifiers(cfg); err != nil {
		return err
	}
	a.Rights = rights.New(rc)
	a.Equity = equity.New(equity.Config{Regime: cur, Ledger: a.Ledger, Store: st, Location: equity.MonthZone(cur().Home())})

	// Anonymised exports read what the profile engine holds, decided per person by the same
	// policy the reader asks, and record their releases themselves.
	if a.Anonymise, err = anonexport.New(anonexport.Config{Profiles: a.Profiles, Subjects: st, Decider: access.NewPolicyDecider(cur, a.Ledger),
		Manifest: func() *manifest.Manifest { return cur().Manifest() }, Recorder: a.Recorder, Transfers: a.Transfers}); err != nil {
		return err
	}
	if err := a.buildCompliance(ctx, opt); err != nil {
		return err
	}

	// The console's own data: ingestion per day, operators' sign-in through a provider.
	cs, _ := st.(store.Console)
	var oidc *server.OIDC
	if cs != nil {
		a.Intake = intake.New(intake.Config{Store: cs})
		a.SignIn = signin.New(signin.Config{Logins: cs, Tokens: a.Auth, Recorder: a.Recorder})
		if o := opt.OIDC; o != nil {
			oidc = &server.OIDC{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL, Name: o.Name}
		}
	}

	// Campaigns and journeys (issue 19) on the durable job queue; checked at the moment of
	// sending against the consent ledger, the policy and the profile engine.
	// One queue runs them and issue 26's jobs: retention once a day, assessment re-checks
	// (on the default queue, which this process must work too: before, nothing did).
	ws := jobs.NewWorkers()
	// Privacy subscriptions that ended give their holders' advertising consents back, once
	// a minute on the queue (once across nodes, not in every process).
	if err := errors.Join(a.Retention.Register(ws), a.Assessments.Register(ws), a.Equity.Register(ws)); err != nil {
		return err
	}
	tick := cmp.Or(opt.CampaignTick, cfg.Nodes.CampaignTick, time.Minute)
	periodic := append(campaign.Periodic(tick), retention.Periodic()...)
	periodic = append(periodic, assessment.Periodic()...)
	periodic = append(periodic, equity.Periodic(time.Minute)...)
	if a.Jobs, err = jobs.Open(ctx, jobs.Config{Store: st, Workers: ws, Queues: map[string]int{campaign.Queue: 4, room.Queue: 2, jobs.DefaultQueue: 2},
		Periodic: periodic, PollInterval: min(time.Second, tick),
		ID: cfg.Nodes.Node, JobTimeout: cfg.Nodes.JobTimeout, RescueAfter: cfg.Nodes.JobRescueAfter}); err != nil {
		return err
	}
	facts := &profile.CampaignFacts{Engine: a.Profiles, Subjects: st, Reader: a.Reader, Ledger: a.Ledger, Regime: cur}
	sender := cur().Manifest().Controller.Name
	channels, err := campaignChannels(cfg, a.Keyring, sender)
	if err != nil {
		return fmt.Errorf("open campaigns: %w", err)
	}
	if a.Campaigns, err = campaign.New(campaign.Config{Store: st, Queue: a.Jobs, Eligibility: facts, Segments: facts,
		Recorder: a.Recorder, Objector: a.Ledger, Channels: channels, Sender: sender, Secret: keyed(a.Keyring, "steward/campaign-secret"),
		WhyURL: publicBase(cfg) + "/privacy/", UnsubscribeURL: publicBase(cfg) + "/unsubscribe", Now: opt.CampaignClock,
		DP: campaignDP(st, a.Recorder), Transfers: a.Transfers}); err != nil {
		return err
	}
	a.Campaigns.SetLimits(campaignLimits(cur().Manifest()))
	a.Regime.OnPublish(func(_ context.Context, r *regime.Regime) error {
		a.Campaigns.SetLimits(campaignLimits(r.Manifest()))
		return nil
	})
	a.Profiles.OnSegmentEntry(func(ctx context.Context, segment string, ids []string) {
		if err := a.Campaigns.ObserveSegmentEntry(ctx, segment, ids); err != nil {
			a.Log.Warn("campaigns: segment entry failed", "err", err)
		}
	})
	if err := a.Campaigns.Register(ws); err != nil {
		return err
	}
	if err := a.buildCleanRoom(ws, facts); err != nil {
		return err
	}
	// Differentially private reports read the stored events through the reader, under
	// the report's purpose.
	src, err := stored.New(stored.Config{Store: st, Reader: a.Reader, Profiles: a.Profiles,
		Manifest: func() (*manifest.Manifest, int64) { r := cur(); return r.Manifest(), r.Seq() }})
	if err != nil {
		return err
	}
	if a.DP, err = dp.New(dp.Config{Store: st, Source: src, Recorder: a.Recorder}); err != nil {
		return err
	}

	ui, err := web.New(web.Config{Dir: cfg.WebDir, Logger: a.Log})
	if err != nil {
		return err
	}
	a.Server, err = server.New(server.Config{Store: st, Auth: a.Auth, Logger: a.Log, Version: Version, Web: ui, Registry: reg,
		Regime: a.Regime, Ledger: a.Ledger, Collect: a.Collector, Index: a.Index, Reader: a.Reader, Rights: a.Rights,
		Profiles: a.Profiles, Audit: a.Audit, Equity: a.Equity, Anonymised: a.Anonymise, IngestRate: opt.IngestRate, PublicURL: cfg.PublicURL,
		Recommend: a.Recommender, Pricing: a.Pricing, Algorithms: a.Algorithms,
		AlgorithmsPage: ui.Algorithms(func(ctx context.Context, lang string) (any, error) {
			return a.Algorithms.Public(ctx, lang, a.Regime.Current())
		}),
		Intake: a.Intake, Console: cs, SignIn: a.SignIn, OIDC: oidc, Campaigns: a.Campaigns, DP: a.DP, DPSource: src,
		Retention: a.Retention, Transfers: a.Transfers, Assessments: a.Assessments, Incidents: a.Incidents, Bundles: a.Bundles, CleanRoom: a.CleanRoom,
		Dictionaries: a.Vault})
	return err
}

// buildCompliance wires issue 26's services: retention (deleting what no purpose may keep,
// rebuilding profiles after), assessments (gating publishes), the breach register, the
// evidence bundle signed with the audit key, and the job queue that runs the first two.
func (a *App) buildCompliance(ctx context.Context, opt Options) error {
	st, cur := a.Store, a.Regime.Current
	manifestNow := func() *manifest.Manifest { return cur().Manifest() }
	a.Retention = retention.New(retention.Config{Store: st, Reader: a.Reader, Sealer: a.Vault, Manifest: manifestNow, Recorder: a.Recorder,
		Derived: a.Profiles, Now: opt.Now})
	a.Assessments = assessment.New(assessment.Config{Store: st, Manifest: manifestNow, Recorder: a.Recorder, Now: opt.Now,
		Measures: assessment.Registers{Transfers: a.Transfers, Retention: a.Retention}})
	a.Regime.AddGate(a.Assessments.Gate)
	ast := st.(audit.Store)
	log, ok := st.(incident.Log)
	if !ok {
		return errors.New("open: this store keeps no audit audiences")
	}
	a.Incidents = incident.New(incident.Config{Store: st, Log: log, Recorder: a.Recorder, Regime: cur, Now: opt.Now})
	signer, _, err := audit.OpenKeys(ctx, a.Config.DataDir, audit.DefaultOrigin, ast)
	if err != nil {
		return fmt.Errorf("open compliance: %w", err)
	}
	pub, err := os.ReadFile(filepath.Join(a.Config.DataDir, "keys", "audit.pub"))
	if err != nil {
		return fmt.Errorf("open compliance: %w", err)
	}
	bst, ok := st.(compliance.Store)
	if !ok {
		return errors.New("open compliance: this store cannot make a bundle")
	}
	if a.Bundles, err = compliance.New(compliance.Config{Store: bst, Retention: a.Retention, Transfers: a.Transfers, Assessments: a.Assessments,
		Incidents: a.Incidents, Checkpoint: a.checkpoints.Fresh, Signer: signer, VerifierKey: string(pub), Recorder: a.Recorder,
		Renderer: compliance.FindChromium(), Version: Version, Now: opt.Now}); err != nil {
		return err
	}
	return nil
}

// notifiers builds the mailer of visitors' codes and the shop's rights webhook from the
// configuration (either may be off).
func notifiers(cfg config.Config) (rights.Mailer, rights.Webhook, error) {
	n := cfg.Notify
	var mail rights.Mailer
	if n.SMTPAddr != "" {
		m, err := rights.NewSMTP(rights.SMTPConfig{Addr: n.SMTPAddr, From: n.SMTPFrom, Username: n.SMTPUsername, Password: n.SMTPPassword, TLS: n.SMTPTLS})
		if err != nil {
			return nil, rights.Webhook{}, err
		}
		mail = m
	}
	var wh rights.Webhook
	if n.RightsWebhookURL != "" {
		wh = rights.Webhook{URL: n.RightsWebhookURL, Secret: []byte(n.RightsWebhookSecret), Poster: server.NewWebhookPoster()}
	}
	return mail, wh, nil
}

// AdminTokenPath and WriteKeyPath locate the first-start secrets.
func (a *App) AdminTokenPath() string { return filepath.Join(a.Config.DataDir, auth.AdminTokenFile) }

// WriteKeyPath is the default source's write key file.
func (a *App) WriteKeyPath() string { return filepath.Join(a.Config.DataDir, auth.WriteKeyFile) }

// SubjectForUserID finds the subject of the shop's userId (tests and the demo).
func (a *App) SubjectForUserID(ctx context.Context, userID string) (string, error) {
	return collect.SubjectForUserID(ctx, a.Store, a.Index, userID)
}

// consentWatchTick is how often a node looks for consent changes and manifest versions
// recorded through other nodes.
const consentWatchTick = 250 * time.Millisecond

// profileTick is how often new events reach profiles, tags and segments (issue 8 item 5
// asks for at most 5 s).
const profileTick = 500 * time.Millisecond

// recommendTick is how often new events reach the recommender's model. Slower than
// profiles (which segments and tags must follow within a second): each round reads every
// person with new events again, so a longer round reads a busy visitor once for several
// events (issue 27 item 3); a consent change still reaches it at once (Touch).
const recommendTick = 2 * time.Second

// Serve serves on ln until ctx ends, then shuts down gracefully: a signed checkpoint every
// minute, profiles loaded and kept current, and the HTTP server.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go a.lease.keep(ctx, func(err error) {
		// Another process took the keyring while this one could not renew: stop serving
		// rather than wrap data keys under a key that may be retired.
		a.Log.Error("keyring lease lost; stopping", "err", err)
		a.leaseLost.Store(&err)
		stop()
	})
	go a.checkpoints.Run(ctx, time.Minute)
	// The recommender and the profile engine record what they used and profiled when they
	// stop: Serve waits for them, so that lands before the store closes.
	var flushers sync.WaitGroup
	flushers.Go(func() { a.Recommender.Run(ctx, recommendTick) })
	// Consent changes recorded through any node reach this node's caches, tags and
	// segments within a tick; erasures, a published manifest and tag or segment
	// definitions too.
	go a.Ledger.Follow(ctx, a.changeLog, consentWatchTick, func(err error) {
		a.Log.Warn("consent: following changes of other nodes failed; tried again", "err", err)
	})
	go a.Rights.FollowErasures(ctx, a.changeLog, consentWatchTick, func(err error) {
		a.Log.Warn("rights: following erasures made on other nodes failed; tried again", "err", err)
	})
	go a.Regime.Follow(ctx, consentWatchTick, func(err error) {
		a.Log.Warn("manifest: following versions published on other nodes failed; tried again", "err", err)
	})
	go a.Algorithms.RunReminders(ctx, 24*time.Hour)
	intakeDone := make(chan struct{})
	go func() {
		defer close(intakeDone)
		if a.Intake != nil {
			a.Intake.Run(ctx, 5*time.Second) // flushes once more when ctx ends
		}
	}()
	jobsStarted := true
	if err := a.Jobs.Start(ctx); err != nil {
		if ctx.Err() == nil {
			return err
		}
		jobsStarted = false // told to stop before starting: shut down as usual, below
	}
	defer func() {
		if !jobsStarted {
			return
		}
		// Running deliveries get a moment to finish; an interrupted one is sent again
		// with the same idempotency key after the next start.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Jobs.Stop(sctx); err != nil {
			a.Log.Error("jobs: stop failed", "err", err)
		}
	}()
	go a.Rights.RunNotices(ctx, 5*time.Second)
	go a.runCleanRoom(ctx)
	flushers.Go(func() {
		start := time.Now()
		if err := a.Profiles.Load(ctx); err != nil {
			if ctx.Err() == nil {
				a.Log.Error("profiles: load failed; tags and segments stay empty", "err", err)
			}
			return
		}
		a.Log.Info("profiles loaded", "took", time.Since(start).Round(time.Millisecond).String())
		a.Profiles.Run(ctx, profileTick)
	})
	err := a.Server.Serve(ctx, ln)
	stop()
	<-intakeDone // the day's counts are in the store before it closes
	flushers.Wait()
	// The acts of the last minute are covered by a signed checkpoint before the process
	// goes (issue 17): a short run, or the tail of a long one, is never left unsigned.
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, cerr := a.checkpoints.Fresh(cctx); cerr != nil {
		a.Log.Error("audit: checkpoint at shutdown failed", "err", cerr)
	}
	if lost := a.leaseLost.Load(); lost != nil && err == nil {
		err = *lost
	}
	return err
}

// Close closes the store. Call it after Serve has returned.
func (a *App) Close() error {
	if a.Store == nil {
		return errors.New("close: not open")
	}
	a.lease.release()
	if a.Vault != nil {
		a.Vault.Wait() // a dictionary being trained is stored before the store closes
	}
	return a.Store.Close()
}
