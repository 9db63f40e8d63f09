package cli_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/vault"
)

// steward keys rotate re-wraps every data key under a new key-encryption key, retires the
// old one, and the data still opens; a second rotation starts from the new key.
func TestKeysRotate(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	b := vault.Binding{Table: "events", Field: "body"}
	var cts [][]byte
	for _, s := range []string{"s1", "s2", "s3"} {
		ct, err := a.Vault.Seal(ctx, nil, s, b, []byte("secret of "+s))
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	a.Close()
	keks := func() []string {
		m, _ := filepath.Glob(filepath.Join(cfg.DataDir, "keys", "kek-*.key"))
		return m
	}
	before := keks()
	code, out, stderr := runSteward(t, "keys", "rotate", "--data", cfg.DataDir)
	if code != 0 || !strings.Contains(out, "3 data keys re-wrapped") {
		t.Fatalf("rotate: %d %s %s", code, out, stderr)
	}
	after := keks()
	if len(before) != 1 || len(after) != 1 || before[0] == after[0] {
		t.Fatalf("key files before %v after %v", before, after)
	}
	a, err = app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for i, s := range []string{"s1", "s2", "s3"} {
		if pt, err := a.Vault.Open(ctx, s, b, cts[i]); err != nil || string(pt) != "secret of "+s {
			t.Fatalf("%s after rotation: %q %v", s, pt, err)
		}
	}
	if _, err := os.Stat(before[0]); !os.IsNotExist(err) {
		t.Fatal("the old key-encryption key was not retired")
	}
}
