package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// KeysDir is where the file keyring lives inside the data directory.
func KeysDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, "keys") }

// openVault opens the keyring (environment first, then DIR/keys/) and the vault over it.
// A keyring is created only for a store that has never sealed anything; a store holding
// data keys with no keyring to unwrap them refuses to start — nothing is ever written in
// plaintext as a fallback (issue 6 item 6).
func openVault(ctx context.Context, cfg config.Config, st store.Store) (*vault.Vault, keyring.Keyring, error) {
	var ring keyring.Keyring
	var tomb keyring.Tombstones
	env, ok, err := keyring.FromEnv(os.Getenv)
	switch {
	case err != nil:
		return nil, nil, err
	case ok:
		// The environment keyring keeps its tombstones in DIR/keys/shredded like the file
		// keyring does: an erasure is remembered outside the database whichever provider
		// holds the keys (issue 17 item 8).
		t, err := keyring.OpenTombstones(KeysDir(cfg))
		if err != nil {
			return nil, nil, fmt.Errorf("open vault: %w", err)
		}
		ring, tomb = env, t
	default:
		existing, err := st.ListSubjectKeys(ctx, "", "", 1)
		if err != nil {
			return nil, nil, fmt.Errorf("open vault: %w", err)
		}
		f, err := keyring.Open(KeysDir(cfg), len(existing) == 0)
		if err != nil {
			return nil, nil, fmt.Errorf("open vault: %w (the store holds encrypted data; restore DIR/keys/ or set STEWARD_KEKS)", err)
		}
		ring, tomb = f, f
	}
	// Event bodies are compressed before sealing, with dictionaries trained on the shop's
	// own events and kept in the store (issue 27 item 1).
	v, err := vault.New(vault.Config{Keyring: ring, Keys: st, Tombstones: tomb, Checks: st,
		Compress: []vault.Binding{{Table: "events", Field: "body"}}, Dictionaries: st})
	if err != nil {
		return nil, nil, err
	}
	// A wrong keyring is refused now, not discovered when nothing reads (issue 17 item 5).
	if err := v.VerifyKeyring(ctx); err != nil {
		return nil, nil, fmt.Errorf("open vault: %w", err)
	}
	return v, ring, nil
}
