package cli_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/datasets"
)

// steward bench fl and steward bench bids end with the lines issue 23 names.
func TestBenchFlAndBidsLastLines(t *testing.T) {
	if testing.Short() {
		t.Skip("runs HE benchmarks")
	}
	cases := []struct {
		args []string
		last *regexp.Regexp
	}{
		{[]string{"bench", "fl", "--epochs", "2"},
			regexp.MustCompile(`^fl: [0-9]+\.[0-9]+ s/epoch \([0-9]+\.[0-9]+x plaintext\) auc=[01]\.[0-9]+ guest_only_auc=[01]\.[0-9]+$`)},
		{[]string{"bench", "bids", "--people", "600", "--advertisers", "3", "--runs", "1"},
			regexp.MustCompile(`^bids: [0-9]+/s for 3 advertisers$`)},
	}
	if _, err := datasets.Path("breast_cancer.csv"); err != nil {
		t.Skipf("breast cancer data set not found, skipping: %v", err)
	}
	for _, c := range cases {
		code, out, stderr := runSteward(t, c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if last := lines[len(lines)-1]; !c.last.MatchString(last) {
			t.Fatalf("%v: last line %q\n%s", c.args, last, out)
		}
	}
	if code, _, _ := runSteward(t, "bench", "bids", "--people", "0"); code != 2 {
		t.Fatalf("bad flag: exit %d, want 2", code)
	}
}
