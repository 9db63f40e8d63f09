// Package app assembles a running Steward from a Config: it opens and migrates the store,
// runs the first-start bootstrap, and builds the HTTP server with every capability mounted.
// serve, demo and the end-to-end tests all start Steward through Open, so they exercise
// the same wiring.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/sqlite"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// App is an assembled Steward process.
type App struct {
	Config config.Config
	Store  store.Store
	Auth   *auth.Service
	Server *server.Server
	Log    *slog.Logger
	// Vault seals personal data; Keyring holds its keys; Index computes blind indexes.
	Vault   *vault.Vault
	Keyring keyring.Keyring
	Index   *vault.BlindIndex
	// regime is the manifest in force and the policy compiled from it, swapped
	// atomically when an operator publishes a new manifest version.
	regime atomic.Pointer[regime]
	// Consent is the consent ledger.
	Consent *consent.Ledger
	// audit is the processing-act ledger.
	audit *auditor
	// Collector is the ingestion pipeline behind /v1.
	Collector *collect.Collector
	// Profiles keeps profiles, tags and segment memberships current (issue 8).
	Profiles *profile.Engine
	// Bootstrapped is true when this start created the admin token and write key files.
	Bootstrapped bool
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
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open: data directory: %w", err)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: st, Log: log, Auth: auth.New(st, time.Now)}
	if a.Bootstrapped, err = a.Auth.Bootstrap(ctx, cfg.DataDir); err != nil {
		st.Close()
		return nil, err
	}
	if a.Vault, a.Keyring, err = openVault(ctx, cfg, st); err != nil {
		st.Close()
		return nil, err
	}
	a.Index = vault.NewBlindIndex(a.Keyring.IndexSecret(), "86")
	if err := a.openAudit(); err != nil {
		st.Close()
		return nil, err
	}
	if err := a.loadManifest(ctx); err != nil {
		st.Close()
		return nil, err
	}
	a.Consent = a.newLedger()
	reg := prometheus.NewRegistry()
	if a.Collector, err = a.newCollector(reg); err != nil {
		st.Close()
		return nil, err
	}
	if a.Profiles, err = a.newProfiles(); err != nil {
		st.Close()
		return nil, err
	}
	ui, err := newWebUI(cfg, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Server, err = server.New(server.Config{Store: st, Auth: a.Auth, Logger: log, Version: Version, Web: ui,
		Registry: reg, Collect: a.Collector, IngestRate: opt.IngestRate, Subjects: subjects{a}, Manifests: manifests{a}, Audit: auditAPI{a},
		Profiles: profilesAPI{a}})
	if err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// AdminTokenPath and WriteKeyPath locate the first-start secrets.
func (a *App) AdminTokenPath() string { return filepath.Join(a.Config.DataDir, auth.AdminTokenFile) }

// WriteKeyPath is the default source's write key file.
func (a *App) WriteKeyPath() string { return filepath.Join(a.Config.DataDir, auth.WriteKeyFile) }

// Serve serves on ln until ctx ends, then shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	go a.audit.cp.Run(ctx, time.Minute) // a signed checkpoint every minute, and on demand
	go a.runProfiles(ctx)
	return a.Server.Serve(ctx, ln)
}

// Close closes the store. Call it after Serve has returned.
func (a *App) Close() error {
	if a.Store == nil {
		return errors.New("close: not open")
	}
	return a.Store.Close()
}
