package cli_test

import (
	"fmt"
	"strings"
	"testing"
)

// Every bench ends with "NAME: <figure> <unit> (<ratio>x <baseline>)" (issue 2 contract).
func TestBenchLastLines(t *testing.T) {
	if testing.Short() {
		t.Skip("runs small benchmarks")
	}
	cases := []struct {
		args   []string
		format string
	}{
		{[]string{"bench", "vault", "--profiles", "500", "--runs", "1"}, "vault: %f profiles/s (%fx json)"},
		{[]string{"bench", "consent", "--records", "500", "--reads", "50", "--runs", "1", "--pg", "none"}, "consent: %f writes/s (%fx raw inserts)"},
		{[]string{"bench", "ingest", "--events", "600", "--runs", "1", "--clients", "2"}, "ingest: %f events/s (%fx raw inserts)"},
	}
	for _, c := range cases {
		code, out, stderr := runSteward(t, c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var fig, ratio float64
		if n, err := fmt.Sscanf(lines[len(lines)-1], c.format, &fig, &ratio); n != 2 || err != nil || fig <= 0 || ratio <= 0 {
			t.Fatalf("%v: last line %q (%v)", c.args, lines[len(lines)-1], err)
		}
	}
}
