package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// runKeys is "steward keys rotate": a new key-encryption key, every data key re-wrapped
// under it (data is not re-encrypted). If an earlier rotation was interrupted, it first
// finishes that one instead of making yet another key.
func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("%w: steward keys rotate [--data DIR] [--db URL]", errUsage)
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	fs := newFlags(e, "keys rotate", "keys rotate [--data DIR] [--db URL]")
	addStoreFlags(fs, &cfg)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ring, err := keyring.Open(app.KeysDir(cfg), false)
	if err != nil {
		return err
	}
	v, err := vault.New(vault.Config{Keyring: ring, Keys: st, Tombstones: ring})
	if err != nil {
		return err
	}
	cur, _ := ring.Current()
	pending, err := st.ListSubjectKeys(ctx, cur, "", 1)
	if err != nil {
		return err
	}
	var res vault.RewrapResult
	if len(pending) > 0 {
		fmt.Fprintf(e.stdout, "keys: finishing an interrupted rotation to %s\n", cur)
		res, err = v.Rewrap(ctx, ring)
	} else {
		res, err = v.Rotate(ctx, ring)
	}
	if err != nil {
		return err
	}
	if ast, ok := st.(audit.Store); ok {
		l := audit.Leaf{Time: time.Now().UTC(), Act: audit.ActKeyRotation, Actor: "cli",
			Detail: map[string]string{"kek": res.KEK, "rewrapped": fmt.Sprint(res.Rewrapped)}}
		if _, err := audit.NewAppender(ast).Append(ctx, l); err != nil {
			return fmt.Errorf("keys: rotated, but the audit entry failed: %w", err)
		}
	}
	fmt.Fprintf(e.stdout, "keys: current key-encryption key %s; %d data keys re-wrapped; retired %v\n", res.KEK, res.Rewrapped, res.Retired)
	return nil
}
