package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/anonymise"
)

const anonymiseSynopsis = "anonymise --in FILE [--sep ';'] --hierarchy COL=FILE ... --qi a,b,c [--sensitive COL] --k 5 " +
	"[--l 3 --l-variant distinct|entropy|recursive --c 2] [--t 0.2] [--suppression 0.02] " +
	"--metric precision|discernibility|entropy|loss --out FILE [--report FILE.json]"

// hierarchyFlags collects repeated --hierarchy COL=FILE flags.
type hierarchyFlags map[string]string

func (h hierarchyFlags) String() string { return "" }

func (h hierarchyFlags) Set(v string) error {
	col, file, ok := strings.Cut(v, "=")
	if !ok || col == "" || file == "" {
		return fmt.Errorf("want COL=FILE, got %q", v)
	}
	if _, dup := h[col]; dup {
		return fmt.Errorf("two hierarchies for %q", col)
	}
	h[col] = file
	return nil
}

// runAnonymise is `steward anonymise`: full-domain generalisation of a CSV file to the
// globally optimal transformation that meets the models (issue 21 item 2). It exits 1
// naming the model that cannot be met.
func runAnonymise(ctx context.Context, e *env, args []string) error {
	start := time.Now()
	fs := newFlags(e, "anonymise", anonymiseSynopsis)
	in := fs.String("in", "", "the CSV file to anonymise (first line: column names)")
	sep := fs.String("sep", "", "field separator of --in and --out (default: guessed from the header line)")
	hier := hierarchyFlags{}
	fs.Var(hier, "hierarchy", "COL=FILE: a generalisation hierarchy in ARX's format (';'-separated, most specific first); repeat per column; a quasi-identifier without one is kept or suppressed whole")
	qi := fs.String("qi", "", "comma-separated quasi-identifiers")
	sensitive := fs.String("sensitive", "", "the sensitive attribute l-diversity and t-closeness protect")
	k := fs.Int("k", 0, "k-anonymity: every class has at least k records")
	l := fs.Int("l", 0, "l-diversity: at least l well-represented sensitive values per class (0: off)")
	variant := fs.String("l-variant", "distinct", "distinct, entropy or recursive")
	c := fs.Float64("c", 0, "c of recursive (c,l)-diversity")
	t := fs.String("t", "", "t-closeness threshold in [0,1] (ordered distance for numeric sensitive values, equal distance otherwise)")
	supp := fs.String("suppression", "0", "largest share of records that may be suppressed, e.g. 0.02 or 2%")
	metric := fs.String("metric", "loss", "utility metric to optimise: precision, discernibility, entropy or loss")
	out := fs.String("out", "", "where to write the anonymised CSV")
	report := fs.String("report", "", "where to write the risk and utility report (JSON)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *in == "":
		return fmt.Errorf("%w: --in is required", errUsage)
	case *out == "":
		return fmt.Errorf("%w: --out is required", errUsage)
	case *qi == "":
		return fmt.Errorf("%w: --qi is required", errUsage)
	case *k < 1:
		return fmt.Errorf("%w: --k is required and at least 1", errUsage)
	}
	sepRune, err := parseSep(*sep)
	if err != nil {
		return err
	}
	cfg := anonymise.Config{K: *k, Sensitive: *sensitive, Hierarchies: map[string]*anonymise.Hierarchy{}}
	for _, q := range strings.Split(*qi, ",") {
		if q = strings.TrimSpace(q); q != "" {
			cfg.QuasiIdentifiers = append(cfg.QuasiIdentifiers, q)
		}
	}
	if cfg.Metric, err = anonymise.ParseMetric(*metric); err != nil {
		return fmt.Errorf("%w: --metric %q: want precision, discernibility, entropy or loss", errUsage, *metric)
	}
	if cfg.Suppression, err = parseShare(*supp); err != nil {
		return fmt.Errorf("%w: --suppression: %v", errUsage, err)
	}
	if *l > 0 {
		cfg.LDiversity = &anonymise.LDiversity{L: *l, Variant: anonymise.LVariant(*variant), C: *c}
	}
	table, err := readTable(*in, sepRune)
	if err != nil {
		return err
	}
	if *t != "" {
		tv, err := strconv.ParseFloat(*t, 64)
		if err != nil {
			return fmt.Errorf("%w: --t %q is not a number", errUsage, *t)
		}
		cfg.TCloseness = &anonymise.TCloseness{T: tv}
		if col := table.Column(*sensitive); col >= 0 {
			cfg.TCloseness.Ordered = table.Numeric(col)
		}
	}
	for col, file := range hier {
		h, err := readHierarchy(file)
		if err != nil {
			return fmt.Errorf("hierarchy of %s: %w", col, err)
		}
		cfg.Hierarchies[col] = h
	}
	eng, err := anonymise.New(table, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "read %s: %d records, %d distinct quasi-identifier tuples, %d transformations\n",
		filepath.Base(*in), table.Rows(), eng.Tuples(), eng.Nodes())
	fmt.Fprintf(e.stdout, "models: %s; suppression limit %g%%; metric %s\n", strings.Join(eng.Models(), ", "), cfg.Suppression*100, cfg.Metric)
	if kept := copiedColumns(table.Header(), cfg); len(kept) > 0 {
		// Said out loud because a direct identifier left in the file would pass through.
		fmt.Fprintf(e.stdout, "copied unchanged (neither quasi-identifier nor generalised): %s\n", strings.Join(kept, ", "))
	}
	res, err := eng.Search(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "search: %d of %d transformations checked in %.1f ms\n", res.NodesChecked, res.Nodes, float64(res.Elapsed.Microseconds())/1000)
	rep, err := res.Report()
	if err != nil {
		return err
	}
	u := rep.Utility
	fmt.Fprintf(e.stdout, "utility: precision=%s discernibility=%s entropy=%s loss=%s\n",
		anonymise.FormatLoss(anonymise.Precision, u.Precision), anonymise.FormatLoss(anonymise.Discernibility, u.Discernibility),
		anonymise.FormatLoss(anonymise.NonUniformEntropy, u.NonUniformEntropy), anonymise.FormatLoss(anonymise.Loss, u.Loss))
	a, b := rep.Risk.After, rep.Risk.Before
	fmt.Fprintf(e.stdout, "risk: prosecutor highest %.4f average %.4f; journalist highest %.4f average %.4f; marketer %.4f; sample uniques %.4f (before: highest %.4f, uniques %.4f)\n",
		a.ProsecutorHighest, a.ProsecutorAverage, a.JournalistHighest, a.JournalistAverage, a.MarketerAverage, a.SampleUniques, b.ProsecutorHighest, b.SampleUniques)
	fmt.Fprintf(e.stdout, "summary: %s\n", rep.Risk.Summary["en"])
	fmt.Fprintf(e.stdout, "摘要：%s\n", rep.Risk.Summary["zh-CN"])
	if err := writeOutput(*out, func(f *os.File) error { return res.WriteCSV(f, sepRune) }); err != nil {
		return err
	}
	if *report != "" {
		if err := writeOutput(*report, func(f *os.File) error {
			enc := json.NewEncoder(f)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}); err != nil {
			return err
		}
	}
	levels := make([]string, len(res.Levels))
	for i, v := range res.Levels {
		levels[i] = strconv.Itoa(v)
	}
	fmt.Fprintf(e.stdout, "anonymise: k=%d levels=%s %s=%s suppressed=%d in %d ms\n",
		cfg.K, strings.Join(levels, ","), cfg.Metric, anonymise.FormatLoss(cfg.Metric, res.Loss), res.Suppressed, time.Since(start).Milliseconds())
	return nil
}

// copiedColumns lists the columns the release copies as they are.
func copiedColumns(header []string, cfg anonymise.Config) []string {
	var out []string
	for _, h := range header {
		if !slices.Contains(cfg.QuasiIdentifiers, h) {
			out = append(out, h)
		}
	}
	return out
}

// parseSep accepts one character, "tab" or "\t"; empty means guess.
func parseSep(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", `\t`:
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
		return 0, fmt.Errorf("%w: --sep must be one character other than a quote or newline, got %q", errUsage, s)
	}
	return r, nil
}

// parseShare accepts "0.02" or "2%".
func parseShare(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if pct {
		v /= 100
	}
	if v < 0 || v >= 1 {
		return 0, errors.New("must be at least 0 and below 100%")
	}
	return v, nil
}

func readTable(path string, sep rune) (*anonymise.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := anonymise.ReadCSV(f, sep)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func readHierarchy(path string) (*anonymise.Hierarchy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := anonymise.ParseHierarchy(f, ';')
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// writeOutput writes through a temporary file renamed into place, so a failed run never
// leaves half a file (mode 0600: the output is still personal data until proven otherwise).
func writeOutput(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
