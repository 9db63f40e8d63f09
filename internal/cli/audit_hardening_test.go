package cli_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/config"
)

// serveOnce starts Steward on dir, records one act (an operator sign-in) and shuts down.
func serveOnce(t *testing.T, dir string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = dir
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Auth.SignedIn(ctx, "op_admin"); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	a.Close()
}

// issue 17 (low): a server signs a checkpoint when it shuts down, so the acts of a short
// run are covered; steward audit verify fails when no checkpoint covers anything; a missing
// keys/audit.key is not silently replaced once checkpoints exist.
func TestAuditCheckpointsAndKeys(t *testing.T) {
	t.Run("checkpoint at shutdown", func(t *testing.T) {
		dir := t.TempDir()
		serveOnce(t, dir)
		code, out, stderr := runSteward(t, "audit", "verify", "--data", dir)
		if code != 0 || !strings.Contains(out, "1 checkpoints verified") {
			t.Fatalf("after a short run: exit %d %q %q; want the shutdown checkpoint verified", code, out, stderr)
		}
	})
	t.Run("no checkpoint is no verification", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		a, err := app.Open(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		a.Auth.SignedIn(context.Background(), "op_admin")
		a.Close()
		if code, out, _ := runSteward(t, "audit", "verify", "--data", cfg.DataDir); code == 0 {
			t.Fatalf("verify with no checkpoint exited 0: %q", out)
		}
	})
	t.Run("lost signing key", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		a, err := app.Open(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		a.Auth.SignedIn(context.Background(), "op_admin")
		if _, err := a.Audit.Sign(context.Background()); err != nil {
			t.Fatal(err)
		}
		a.Close()
		os.Remove(filepath.Join(cfg.DataDir, "keys", "audit.key"))
		if a, err := app.Open(context.Background(), cfg, nil); err == nil {
			a.Close()
			t.Fatal("started with keys/audit.key missing and checkpoints in the log")
		} else if !strings.Contains(err.Error(), "audit.key") {
			t.Fatalf("err = %v; want it to name keys/audit.key", err)
		}
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "keys", "audit.key")); !os.IsNotExist(err) {
			t.Fatal("a new audit.key was written")
		}
	})
}

// issue 17 (low): an existing data directory is made owner-only.
func TestDataDirIsOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	cfg := config.Default()
	cfg.DataDir = dir
	a, err := app.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("data directory mode %v, want 0700", fi.Mode().Perm())
	}
}
