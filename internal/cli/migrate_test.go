package cli

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// steward migrate leaves a database a node can start on: Steward's schema and the job
// queue's tables both, and a second run applies nothing.
func TestMigrateAlsoMigratesTheJobQueue(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := Run(ctx, []string{"migrate", "--data", dir}, &out, &errb); code != 0 {
		t.Fatalf("migrate: exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "migrate: sqlite schema at version ") {
		t.Fatalf("output %q", out.String())
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'river_job'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("river_job after migrate: %d %v", n, err)
	}
	out.Reset()
	if code := Run(ctx, []string{"migrate", "--data", dir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "(0 migrations applied)") {
		t.Fatalf("second migrate: exit %d: %s", code, out.String())
	}
}
