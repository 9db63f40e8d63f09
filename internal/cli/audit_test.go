package cli

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/audit/audittest"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// newAuditDir makes a data directory whose SQLite log holds 12 leaves
// checkpointed with the directory's own key.
func newAuditDir(t *testing.T) (string, *sqlite.Store, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s, _, err := audit.LoadOrGenerateKeys(dir, audit.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	audittest.FillSigned(t, st, 12, audit.DefaultOrigin, s)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "steward.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return dir, st, raw
}

func TestAuditVerifyCLI(t *testing.T) {
	ctx := context.Background()
	dir, _, _ := newAuditDir(t)
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"audit", "verify", "--data", dir}, &out, &errb); code != 0 {
		t.Fatalf("untouched log: exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.HasPrefix(out.String(), "ok: 12 leaves, 3 checkpoints verified, root ") {
		t.Fatalf("output %q", out.String())
	}
	for name := range audittest.Tampers {
		t.Run(name, func(t *testing.T) {
			dir, st, raw := newAuditDir(t)
			b := audittest.Backend{Store: st, Exec: func(ctx context.Context, q string, args ...any) error {
				_, err := raw.ExecContext(ctx, q, args...)
				return err
			}}
			if err := audittest.Tamper(ctx, b, name); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := Run(ctx, []string{"audit", "verify", "--data", dir}, &out, &errb)
			if code != 1 || !strings.Contains(out.String(), "first bad leaf index 5") {
				t.Fatalf("exit %d, output %q %q", code, out.String(), errb.String())
			}
		})
	}
}
