package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/signal"
	"syscall"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/config"
)

func runServe(ctx context.Context, e *env, args []string) error {
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	fs := newFlags(e, "serve", "serve [--addr host:port] [--data DIR] [--db URL]")
	addServeFlags(fs, &cfg)
	of := addOIDCFlags(fs, e)
	if err := parse(fs, args); err != nil {
		return err
	}
	oidc, err := of.options(e)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := app.OpenWith(ctx, cfg, log, app.Options{OIDC: oidc})
	if err != nil {
		return err
	}
	ln, err := listen(cfg)
	if err != nil {
		a.Close()
		return err
	}
	announce(log, a, ln)
	return serveUntilDone(ctx, a, ln)
}

func listen(cfg config.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return ln, nil
}

// announce says where the server listens and where the first-start secrets are. It names
// the files, never their contents.
func announce(log *slog.Logger, a *app.App, ln net.Listener) {
	store := "sqlite:" + a.Config.SQLitePath()
	if a.Config.IsPostgres() {
		store = "postgres"
	}
	log.Info("steward listening", "addr", ln.Addr().String(), "store", store, "version", app.Version)
	log.Info("operator token (every scope) is in a file", "admin_token_file", a.AdminTokenPath(), "created_now", a.Bootstrapped)
	log.Info("default source write key is in a file", "write_key_file", a.WriteKeyPath())
}

// serveUntilDone serves until ctx ends, then closes the store after in-flight requests.
func serveUntilDone(ctx context.Context, a *app.App, ln net.Listener) error {
	err := a.Serve(ctx, ln)
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		a.Log.Info("stopped cleanly")
	}
	return err
}
