package cli_test

import (
	"fmt"
	"strings"
	"testing"
)

// Issue 24: `steward bench recommend` ends with its contract line.
func TestBenchRecommendLastLine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small benchmark")
	}
	code, out, stderr := runSteward(t, "bench", "recommend", "--subjects", "300", "--requests", "2000", "--runs", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var fig, ratio float64
	if n, err := fmt.Sscanf(lines[len(lines)-1], "recommend: %f requests/s (%fx unchecked)", &fig, &ratio); n != 2 || err != nil || fig <= 0 || ratio <= 0 {
		t.Fatalf("last line %q (%v)", lines[len(lines)-1], err)
	}
}
