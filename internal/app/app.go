// Package app is Steward's composition root: it opens the store and the keyring, builds each
// domain service from its explicit dependencies, hands them to the HTTP server and runs the
// background loops. It holds no rules of its own — each lives with the concept that owns it —
// and nothing imports it but the command line. serve, demo and the end-to-end tests all start
// Steward through Open, so they exercise the same wiring.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/dp/stored"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/sqlite"
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
	DP        *dp.Ledger
	Server    *server.Server

	checkpoints *audit.Checkpointer
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
	return st, nil
}

// Options tune an assembled Steward beyond its configuration (benchmarks and tests).
type Options struct {
	// IngestRate overrides the per-write-key rate limit (negative: none).
	IngestRate float64
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
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: st, Log: log}
	if err := a.build(ctx, opt); err != nil {
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
	if a.Vault, a.Keyring, err = openVault(ctx, cfg, st); err != nil {
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
	signer, verifier, err := audit.LoadOrGenerateKeys(cfg.DataDir, audit.DefaultOrigin)
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
	reg := prometheus.NewRegistry()
	a.Collector, err = collect.New(collect.Config{Store: st, Index: a.Index, Seal: a.Vault, Registerer: reg,
		Gate: gate.Open(gate.Config{Regime: cur, Ledger: a.Ledger, Notices: a.Regime.KnownNotice}), Recorded: a.Ledger.Recorded,
		Suppressed: st.SuppressedIdentities})
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
		Advertising: func(purpose string) bool { return cur().Advertising(purpose) }}); err != nil {
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
		if !a.Profiles.Ready() {
			return
		}
		if err := a.Profiles.Touch(ctx, subjectID); err != nil {
			a.Log.Warn("profiles: recompute after a change failed", "err", err) // the next sync repairs it
		}
	})
	a.Rights = rights.New(rights.Config{Store: st, Ledger: a.Ledger, Reader: a.Reader, Shredder: a.Vault, Regime: cur,
		Recorder: a.Recorder, Profiles: a.Profiles, HoldKey: a.Keyring.IndexSecret(), Index: a.Index})

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
		Profiles: a.Profiles, Audit: a.Audit, DP: a.DP, DPSource: src, IngestRate: opt.IngestRate})
	return err
}

// AdminTokenPath and WriteKeyPath locate the first-start secrets.
func (a *App) AdminTokenPath() string { return filepath.Join(a.Config.DataDir, auth.AdminTokenFile) }

// WriteKeyPath is the default source's write key file.
func (a *App) WriteKeyPath() string { return filepath.Join(a.Config.DataDir, auth.WriteKeyFile) }

// SubjectForUserID finds the subject of the shop's userId (tests and the demo).
func (a *App) SubjectForUserID(ctx context.Context, userID string) (string, error) {
	return collect.SubjectForUserID(ctx, a.Store, a.Index, userID)
}

// profileTick is how often new events reach profiles, tags and segments (issue 8 item 5
// asks for at most 5 s).
const profileTick = 500 * time.Millisecond

// Serve serves on ln until ctx ends, then shuts down gracefully: a signed checkpoint every
// minute, profiles loaded and kept current, and the HTTP server.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	go a.checkpoints.Run(ctx, time.Minute)
	go func() {
		start := time.Now()
		if err := a.Profiles.Load(ctx); err != nil {
			if ctx.Err() == nil {
				a.Log.Error("profiles: load failed; tags and segments stay empty", "err", err)
			}
			return
		}
		a.Log.Info("profiles loaded", "took", time.Since(start).Round(time.Millisecond).String())
		a.Profiles.Run(ctx, profileTick)
	}()
	return a.Server.Serve(ctx, ln)
}

// Close closes the store. Call it after Serve has returned.
func (a *App) Close() error {
	if a.Store == nil {
		return errors.New("close: not open")
	}
	return a.Store.Close()
}
