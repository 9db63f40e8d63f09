package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/datasets"
)

var adultQIs = []string{"age", "education", "marital-status", "native-country", "race", "salary-class", "sex", "workclass"}

// adultArgs returns the arguments common to the Adult runs, skipping when the data set is
// not on this machine.
func adultArgs(t *testing.T) []string {
	t.Helper()
	data, err := datasets.Path("adult/adult.csv")
	if err != nil {
		t.Skipf("Adult data set not found, skipping: %v", err)
	}
	args := []string{"anonymise", "--in", data, "--sep", ";", "--qi", strings.Join(adultQIs, ",")}
	for _, q := range adultQIs {
		args = append(args, "--hierarchy", q+"="+filepath.Join(filepath.Dir(data), "adult_hierarchy_"+q+".csv"))
	}
	return args
}

// Issue 21 acceptance: the CLI on Adult with k=5, and with k=50 and distinct 7-diversity
// of occupation, ending with the contract's last line.
func TestAnonymiseAdult(t *testing.T) {
	base := adultArgs(t)
	for _, c := range []struct {
		name  string
		extra []string
		last  string
	}{
		{"k5", []string{"--k", "5", "--metric", "loss"}, `^anonymise: k=5 levels=4,3,2,2,1,0,0,0 loss=0\.6250 suppressed=0 in \d+ ms$`},
		{"k50l7", []string{"--k", "50", "--sensitive", "occupation", "--l", "7", "--l-variant", "distinct", "--metric", "loss"},
			`^anonymise: k=50 levels=4,3,1,2,1,0,0,2 loss=0\.6791 suppressed=0 in \d+ ms$`},
		{"k5 entropy 2%", []string{"--k", "5", "--suppression", "2%", "--metric", "entropy"},
			`^anonymise: k=5 levels=(\d,){7}\d entropy=\d+\.\d{3} suppressed=\d+ in \d+ ms$`},
	} {
		dir := t.TempDir()
		out, report := filepath.Join(dir, "out.csv"), filepath.Join(dir, "report.json")
		args := append(append(append([]string(nil), base...), c.extra...), "--out", out, "--report", report)
		code, stdout, stderr := runSteward(t, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		t.Logf("%s: %s", c.name, lines[len(lines)-1])
		if !regexp.MustCompile(c.last).MatchString(lines[len(lines)-1]) {
			t.Errorf("%s: last line %q", c.name, lines[len(lines)-1])
		}
		if !strings.Contains(stdout, "copied unchanged (neither quasi-identifier nor generalised): occupation\n") {
			t.Errorf("%s: no notice of the columns copied as they are:\n%s", c.name, stdout)
		}
		if !strings.Contains(stdout, "summary: ") || !strings.Contains(stdout, "摘要：") {
			t.Errorf("%s: no plain-language summary:\n%s", c.name, stdout)
		}
		released, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(released), "\n"); n != 30163 {
			t.Errorf("%s: %d lines written", c.name, n)
		}
		if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: output mode %v", c.name, fi.Mode())
		}
		var rep struct {
			Levels []int `json:"levels"`
			Risk   struct {
				After struct {
					ProsecutorHighest float64 `json:"prosecutor_highest"`
				} `json:"after"`
				Summary map[string]string `json:"summary"`
			} `json:"risk"`
			Utility map[string]float64 `json:"utility"`
		}
		raw, err := os.ReadFile(report)
		if err != nil || json.Unmarshal(raw, &rep) != nil {
			t.Fatalf("%s: report %v: %s", c.name, err, raw)
		}
		if len(rep.Levels) != 8 || rep.Risk.After.ProsecutorHighest <= 0 || rep.Risk.After.ProsecutorHighest > 0.2 ||
			rep.Risk.Summary["zh-CN"] == "" || len(rep.Utility) != 4 {
			t.Errorf("%s: report %s", c.name, raw)
		}
	}
}

// A model that cannot be met exits 1 naming it, and writes nothing.
func TestAnonymiseUnsatisfiable(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.csv")
	args := append(adultArgs(t), "--k", "5", "--sensitive", "occupation", "--l", "15", "--out", out)
	code, _, stderr := runSteward(t, args...)
	if code != 1 || !strings.Contains(stderr, "steward anonymise: search: distinct 15-diversity of occupation cannot be met within the suppression limit of 0%") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("output written: %v", err)
	}
}

func TestAnonymiseUsage(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	os.WriteFile(data, []byte("age,zip\n34,100\n35,100\n"), 0o600)
	badHier := filepath.Join(dir, "h.csv")
	os.WriteFile(badHier, []byte("34;30-39;*\n35;*\n"), 0o600)
	out := filepath.Join(dir, "o.csv")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--k", "2", "--qi", "age", "--out", out}, 2, "--in is required"},
		{[]string{"--in", data, "--k", "2", "--qi", "age"}, 2, "--out is required"},
		{[]string{"--in", data, "--qi", "age", "--out", out}, 2, "--k is required"},
		{[]string{"--in", data, "--k", "2", "--qi", "age", "--out", out, "--metric", "utility"}, 2, `--metric "utility"`},
		{[]string{"--in", data, "--k", "2", "--qi", "age", "--out", out, "--suppression", "150%"}, 2, "--suppression: must be at least 0"},
		{[]string{"--in", data, "--k", "2", "--qi", "age", "--out", out, "--hierarchy", "age"}, 2, "want COL=FILE"},
		{[]string{"--in", data, "--k", "2", "--qi", "age", "--out", out, "--hierarchy", "age=" + badHier}, 1, "h.csv: read hierarchy: line 2: 2 levels where the first row has 3"},
		{[]string{"--in", data, "--k", "2", "--qi", "height", "--out", out}, 1, `quasi-identifier "height" is not a column`},
		{[]string{"--in", data, "--k", "2", "--qi", "age", "--out", out, "--sep", ";;"}, 2, "--sep must be one character"},
	} {
		code, _, stderr := runSteward(t, append([]string{"anonymise"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	// Without a hierarchy a quasi-identifier is kept or suppressed whole.
	code, stdout, stderr := runSteward(t, "anonymise", "--in", data, "--k", "2", "--qi", "age,zip", "--out", out)
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(stdout), "") || !strings.Contains(stdout, "levels=1,0 loss=0.5000 suppressed=0") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "age,zip\n*,100\n*,100\n" {
		t.Fatalf("release %q", b)
	}
}

// Issue 21 item 5: `steward bench anonymise` ends with its contract line.
func TestBenchAnonymiseLastLine(t *testing.T) {
	adultArgs(t) // skips without the data set
	if testing.Short() {
		t.Skip("checks all 4,320 nodes once for its baseline")
	}
	code, out, stderr := runSteward(t, "bench", "anonymise", "-runs", "1", "-all-runs", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^anonymise: adult k=5 in \d+\.\d\d ms \(\d+ of 4320 nodes checked\)$`).MatchString(last) {
		t.Fatalf("last line %q", last)
	}
	if !strings.HasPrefix(out, "machine: ") {
		t.Fatalf("no machine line:\n%s", out)
	}
}
