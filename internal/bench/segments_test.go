package bench

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestBenchSegmentsSmall runs the segments benchmark end to end on a small population: the
// bitmap and SQL answers must agree (the command fails otherwise) and the last line must
// have the documented shape.
func TestBenchSegmentsSmall(t *testing.T) {
	var out, errb bytes.Buffer
	if err := Run(context.Background(), Env{Stdout: &out, Stderr: &errb}, []string{"segments", "-n", "20000", "-runs", "1"}); err != nil {
		t.Fatalf("%v: %s\n%s", err, errb.String(), out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^segments: [0-9]+\.[0-9] ms \([0-9]+x sql\)$`).MatchString(last) {
		t.Fatalf("last line %q", last)
	}
	if !strings.Contains(out.String(), "(102 members)") {
		t.Fatalf("unexpected member count:\n%s", out.String())
	}
}
