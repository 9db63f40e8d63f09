package bench

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestBenchDPSmall runs the dp benchmark end to end on a small demo shop: every report
// must succeed (the command fails otherwise) and the last line must have the shape
// BENCHMARKS.md quotes.
func TestBenchDPSmall(t *testing.T) {
	var out, errb bytes.Buffer
	if err := Run(context.Background(), Env{Stdout: &out, Stderr: &errb}, []string{"dp", "--subjects", "150", "--copies", "1", "--runs", "1"}); err != nil {
		t.Fatalf("%v: %s\n%s", err, errb.String(), out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^dp: [0-9]+ contributions/s \([0-9]+\.[0-9]+x plain count\); report over [0-9]+ events in [0-9]+ ms$`).MatchString(last) {
		t.Fatalf("last line %q\n%s", last, out.String())
	}
	for _, want := range []string{"people by city", "order totals by week", "mean viewed price by day", "median, p90", "histogram"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %q report in:\n%s", want, out.String())
		}
	}
}
