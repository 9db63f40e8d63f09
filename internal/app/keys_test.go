package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/store/sqlite"
	"github.com/stewardhq/steward/internal/vault"
)

var testBinding = vault.Binding{Table: "events", Field: "body"}

func randHex() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// issue 17 item 5: a wrong key-encryption key is refused at start, with a message that
// says so, instead of serving and writing new subjects under a key no correct keyring can
// read.
func TestWrongKeyringRefusedAtStart(t *testing.T) {
	ctx := context.Background()
	t.Run("same id, other bytes", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		a, err := app.Open(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Vault.Seal(ctx, nil, "sub_a", testBinding, []byte("x")); err != nil {
			t.Fatal(err)
		}
		cur, _ := a.Keyring.Current()
		a.Close()
		os.WriteFile(filepath.Join(cfg.DataDir, "keys", "kek-"+cur+".key"), []byte(randHex()+"\n"), 0o600)
		if b, err := app.Open(ctx, cfg, nil); err == nil {
			b.Close()
			t.Fatal("started with a wrong key-encryption key")
		} else if !strings.Contains(err.Error(), "key-encryption key") {
			t.Fatalf("err = %v; want it to name the key-encryption key", err)
		}
	})
	t.Run("before any subject", func(t *testing.T) {
		// A store that has sealed nothing yet still knows its keyring: a keyring swapped
		// for another one is refused, not adopted.
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		a, err := app.Open(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		cur, _ := a.Keyring.Current()
		a.Close()
		os.WriteFile(filepath.Join(cfg.DataDir, "keys", "kek-"+cur+".key"), []byte(randHex()+"\n"), 0o600)
		if b, err := app.Open(ctx, cfg, nil); err == nil {
			b.Close()
			t.Fatal("started with a wrong key-encryption key on a store with no subjects yet")
		}
	})
	t.Run("environment keyring", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		t.Setenv("STEWARD_KEKS", "k1:"+randHex())
		t.Setenv("STEWARD_KEK_CURRENT", "k1")
		t.Setenv("STEWARD_INDEX_SECRET", randHex())
		a, err := app.Open(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Vault.Seal(ctx, nil, "sub_a", testBinding, []byte("x")); err != nil {
			t.Fatal(err)
		}
		a.Close()
		t.Setenv("STEWARD_KEKS", "k1:"+randHex())
		if b, err := app.Open(ctx, cfg, nil); err == nil {
			b.Close()
			t.Fatal("started with a wrong STEWARD_KEKS")
		}
	})
}

// issue 17 item 8: with the environment keyring, an erasure is remembered outside the
// database too, so a database copy taken before it cannot read the erased person back.
func TestEnvKeyringRemembersErasures(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	t.Setenv("STEWARD_KEKS", "k1:"+randHex())
	t.Setenv("STEWARD_KEK_CURRENT", "k1")
	t.Setenv("STEWARD_INDEX_SECRET", randHex())
	a, err := app.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := a.Vault.Seal(ctx, nil, "sub_gone", testBinding, []byte("li.na@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	keep, _ := a.Vault.Seal(ctx, nil, "sub_kept", testBinding, []byte("ok"))
	backup := filepath.Join(t.TempDir(), "before-erasure.db")
	if err := a.Store.(*sqlite.Store).VacuumInto(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := a.Vault.Shred(ctx, "sub_gone"); err != nil {
		t.Fatal(err)
	}
	a.Close()
	// The operator restores the older copy in place.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(cfg.SQLitePath() + suffix)
	}
	b, _ := os.ReadFile(backup)
	if err := os.WriteFile(cfg.SQLitePath(), b, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err = app.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if pt, err := a.Vault.Open(ctx, "sub_gone", testBinding, ct); !errors.Is(err, vault.ErrShredded) {
		t.Fatalf("the restored copy reads the erased person back: %q, %v", pt, err)
	}
	if pt, err := a.Vault.Open(ctx, "sub_kept", testBinding, keep); err != nil || !bytes.Equal(pt, []byte("ok")) {
		t.Fatalf("another person's data lost: %v", err)
	}
}
