package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// steward compliance bundle makes a bundle of a data directory; steward compliance verify
// checks it offline: exit 0 and a last line starting "ok:", pinned to the directory's
// key; exit 1 naming what failed once one byte changes, or when another key is pinned
// (issue 26 item 5).
func TestComplianceBundleAndVerifyCLI(t *testing.T) {
	t.Setenv("STEWARD_CHROMIUM", "/nonexistent/chromium") // keep the test fast: no PDF
	ctx := context.Background()
	dir, _, _ := newAuditDir(t)
	out := filepath.Join(t.TempDir(), "bundle.tar")
	var stdout, stderr bytes.Buffer
	if code := Run(ctx, []string{"compliance", "bundle", "--data", dir, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("bundle: exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "files without report.pdf") || !strings.Contains(stdout.String(), "verify with: steward compliance verify") {
		t.Fatalf("bundle output: %s", stdout.String())
	}
	for _, args := range [][]string{{"compliance", "verify", out, "--data", dir}, {"compliance", "verify", "--key-file", filepath.Join(dir, "keys", "audit.pub"), out}} {
		stdout.Reset()
		if code := Run(ctx, args, &stdout, &stderr); code != 0 || !strings.HasPrefix(lastLine(stdout.String()), "ok: ") || !strings.Contains(stdout.String(), "(pinned)") {
			t.Fatalf("%v: exit %d: %s", args, code, stdout.String())
		}
	}
	stdout.Reset()
	if code := Run(ctx, []string{"compliance", "verify", out}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "NOT pinned") || !strings.HasPrefix(lastLine(stdout.String()), "ok: ") {
		t.Fatalf("unpinned: exit %d: %s", code, stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	b[700] ^= 1 // inside bundle.json
	bad := filepath.Join(t.TempDir(), "bad.tar")
	os.WriteFile(bad, b, 0o600)
	stdout.Reset()
	if code := Run(ctx, []string{"compliance", "verify", bad, "--data", dir}, &stdout, &stderr); code != 1 || !strings.HasPrefix(lastLine(stdout.String()), "FAIL: bundle.json: changed") {
		t.Fatalf("changed byte: exit %d: %s", code, stdout.String())
	}
	other, _, _ := newAuditDir(t)
	stdout.Reset()
	if code := Run(ctx, []string{"compliance", "verify", out, "--data", other}, &stdout, &stderr); code != 1 || !strings.Contains(lastLine(stdout.String()), "FAIL: verifier.key: the bundle is signed by") {
		t.Fatalf("another key pinned: exit %d: %s", code, stdout.String())
	}
	if code := Run(ctx, []string{"compliance", "bundle", "--data", dir}, &stdout, &stderr); code != 2 {
		t.Fatalf("bundle without --out: exit %d", code)
	}
}
