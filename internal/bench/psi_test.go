package bench

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// TestBenchPsiSmall runs the clean-room benchmark end to end on small sets: both protocols
// must produce the plaintext answer (the command fails otherwise) and the last two lines
// must have the shape issue 22 names.
func TestBenchPsiSmall(t *testing.T) {
	var out, errb bytes.Buffer
	if err := Run(context.Background(), Env{Stdout: &out, Stderr: &errb}, []string{"psi", "--n", "600", "--overlap", "0.3"}); err != nil {
		t.Fatalf("%v: %s\n%s", err, errb.String(), out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("output:\n%s", out.String())
	}
	if !regexp.MustCompile(`^psi: 600 x 600 in [0-9]+\.[0-9]+ s \([0-9]+\.[0-9]+x floor\)$`).MatchString(lines[len(lines)-2]) {
		t.Fatalf("psi line %q", lines[len(lines)-2])
	}
	if !regexp.MustCompile(`^psi-sum: 600 values in [0-9]+\.[0-9]+ s$`).MatchString(lines[len(lines)-1]) {
		t.Fatalf("psi-sum line %q", lines[len(lines)-1])
	}
	if !strings.Contains(out.String(), "intersection 180,") && !strings.Contains(out.String(), "intersection 180 ") {
		t.Fatalf("unexpected intersection:\n%s", out.String())
	}
	for _, bad := range [][]string{{"psi", "--n", "0"}, {"psi", "--overlap", "2"}, {"psi", "extra"}} {
		if err := Run(context.Background(), Env{Stdout: &out, Stderr: &errb}, bad); !errors.Is(err, ErrUsage) {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
}
