package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/audit"
)

// errVerifyFailed makes `steward audit verify` exit 1 after it has printed why.
var errVerifyFailed = errors.New("audit log failed verification")

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("%w: steward audit verify [--data DIR] [--db URL] [--checkpoint FILE]", errUsage)
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	fs := newFlags(e, "audit verify", "audit verify [--data DIR] [--db URL] [--checkpoint FILE]")
	addStoreFlags(fs, &cfg)
	cpFile := fs.String("checkpoint", "", "an external signed checkpoint the log must be consistent with")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	var extra []byte
	if *cpFile != "" {
		if extra, err = os.ReadFile(*cpFile); err != nil {
			return err
		}
	}
	// Verification never makes a key: a missing key is a failure, not a fresh start.
	_, v, err := audit.LoadKeys(cfg.DataDir)
	if err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ast, ok := st.(audit.Store)
	if !ok {
		return fmt.Errorf("%s store has no audit log", st.Dialect())
	}
	r, err := audit.Verify(ctx, ast, v, extra)
	var le *audit.LeafError
	if errors.As(err, &le) {
		fmt.Fprintf(e.stdout, "FAIL: first bad leaf index %d: %s\n", le.Index, le.Reason)
		return errVerifyFailed
	}
	if err != nil {
		fmt.Fprintf(e.stdout, "FAIL: %v\n", err)
		return errVerifyFailed
	}
	if r.Checkpoints == 0 {
		// Without a signed checkpoint nothing ties the log to the key: it could have been
		// rewritten whole. That is not "ok".
		fmt.Fprintf(e.stdout, "FAIL: %d leaves but no signed checkpoint to verify them against (a server signs one every minute and at shutdown; POST /api/v1/audit/checkpoint signs one now)\n", r.Leaves)
		return errVerifyFailed
	}
	fmt.Fprintf(e.stdout, "ok: %d leaves, %d checkpoints verified, root %s\n", r.Leaves, r.Checkpoints, base64.StdEncoding.EncodeToString(r.Root))
	return nil
}
