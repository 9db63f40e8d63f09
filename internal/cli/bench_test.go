package cli_test

import (
	"fmt"
	"regexp"
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
		{[]string{"bench", "storage", "--subjects", "60", "--pg", "none"}, "storage: %f bytes/event (%fx zstd plaintext)"},
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
		// bench ingest's second figure (issue 27 item 3): CPU per event outside the store.
		if c.args[1] == "ingest" && !regexp.MustCompile(`\); [0-9]+\.[0-9] µs CPU/event outside the store$`).MatchString(lines[len(lines)-1]) {
			t.Fatalf("ingest: no CPU figure on the last line %q", lines[len(lines)-1])
		}
	}
}

// steward bench dp on a small demo shop seeded through the real ingestion: every report
// succeeds and the last line has the shape BENCHMARKS.md quotes.
func TestBenchDP(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo shop")
	}
	code, out, stderr := runSteward(t, "bench", "dp", "--subjects", "150", "--copies", "1", "--runs", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^dp: [0-9]+ contributions/s \([0-9]+\.[0-9]+x plain count\); report over [0-9]+ events in [0-9]+ ms$`).MatchString(last) {
		t.Fatalf("last line %q\n%s", last, out)
	}
	for _, want := range []string{"first report", "people by city", "order totals by week", "mean viewed price by day", "median, p90", "histogram", "20 new shoppers"} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in:\n%s", want, out)
		}
	}
	t.Log(out)
}
