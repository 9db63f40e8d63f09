package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/cli"
)

func runSteward(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// Issue 3 acceptance: five planted mistakes give five located errors and exit 1.
func TestManifestCheckPlanted(t *testing.T) {
	file := filepath.Join("..", "manifest", "testdata", "planted.yaml")
	code, out, stderr := runSteward(t, "manifest", "check", file)
	if code != 1 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for _, want := range []string{":11:3: purpose loyalty.points has no legal basis", ":15:21: ", ":21:5: ", ":24:76: ", ":30:17: "} {
		found := false
		for _, l := range lines {
			found = found || (strings.HasPrefix(l, file+":") && strings.Contains(l, want))
		}
		if !found {
			t.Errorf("no line with %q in\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "5 errors") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestManifestCheckDefault(t *testing.T) {
	code, def, _ := runSteward(t, "manifest", "default")
	if code != 0 || !strings.Contains(def, "version: 1") {
		t.Fatalf("default: %d", code)
	}
	file := filepath.Join(t.TempDir(), "steward.yaml")
	if err := os.WriteFile(file, []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runSteward(t, "manifest", "check", file)
	if code != 0 || !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, "event types, version 1 hash ") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if code, _, _ := runSteward(t, "manifest", "check", filepath.Join(t.TempDir(), "missing.yaml")); code != 1 {
		t.Fatalf("missing file exit %d", code)
	}
	if code, _, _ := runSteward(t, "manifest"); code != 2 {
		t.Fatalf("no subcommand exit %d", code)
	}
}

func TestBenchPolicyLastLine(t *testing.T) {
	code, out, stderr := runSteward(t, "bench", "policy", "-n", "20000", "-runs", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	var rate, ratio float64
	if n, err := fmtSscanf(last, &rate, &ratio); n != 2 || err != nil || rate <= 0 || ratio <= 0 {
		t.Fatalf("last line %q", last)
	}
}

func fmtSscanf(s string, rate, ratio *float64) (int, error) {
	return fmt.Sscanf(s, "policy: %f decisions/s (%fx map lookup)", rate, ratio)
}
