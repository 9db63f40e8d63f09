package cli

import (
	"context"
	"errors"
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
	// Rotation retires the old key once nothing is wrapped under it, which only holds if
	// no server can wrap new data keys under it meanwhile: it takes the store's exclusive
	// keyring lease, refused while any server serves from the store (issue 17 item 4).
	release, err := app.AcquireExclusiveKeyring(ctx, st, "steward keys rotate")
	if errors.Is(err, app.ErrKeyringBusy) {
		return fmt.Errorf("refused: a server is serving from this store, and rotating beside it could retire the key it still wraps new data under; stop every steward serve on this store first (%w)", err)
	}
	if err != nil {
		return err
	}
	defer release()
	ring, err := keyring.Open(app.KeysDir(cfg), false)
	if err != nil {
		return err
	}
	v, err := vault.New(vault.Config{Keyring: ring, Keys: st, Tombstones: ring, Checks: st})
	if err != nil {
		return err
	}
	// Never rotate with a wrong keyring: it would re-wrap nothing and retire nothing useful.
	if err := v.VerifyKeyring(ctx); err != nil {
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
	if res.Left > 0 {
		fmt.Fprintf(e.stdout, "keys: old key-encryption keys kept: still wrapping %d data keys; run steward keys rotate again to finish\n", res.Left)
	}
	return nil
}
