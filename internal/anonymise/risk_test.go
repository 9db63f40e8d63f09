package anonymise_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/anonymise"
)

// directRisk computes the risk figures from their definitions over a checked release:
// classes are the released quasi-identifier tuples, f their sizes; F their sizes in the
// population (pop, keyed the same way; nil means the release is the population).
func directRisk(rel release, pop map[string]int) anonymise.Risk {
	var r anonymise.Risk
	minF, minP := math.Inf(1), math.Inf(1)
	var sumF, sumRatio float64
	uniques := 0
	for k, rows := range rel.kept {
		f := float64(len(rows))
		F := f
		if pop != nil {
			F = float64(pop[k])
		}
		r.Records += len(rows)
		r.Classes++
		if len(rows) == 1 {
			uniques++
		}
		minF, minP = math.Min(minF, f), math.Min(minP, F)
		sumF += F
		sumRatio += f / F
	}
	n := float64(r.Records)
	r.ProsecutorHighest = 1 / minF
	r.ProsecutorAverage = float64(r.Classes) / n
	r.JournalistHighest = 1 / minP
	r.JournalistAverage = math.Max(float64(r.Classes)/sumF, sumRatio/n)
	r.MarketerAverage = sumRatio / n
	r.SampleUniques = float64(uniques) / n
	return r
}

// populationKeys counts population rows per quasi-identifier tuple generalised at levels,
// keyed like release.kept.
func populationKeys(nv *naive, pop [][]string, levels []int) map[string]int {
	out := map[string]int{}
	for _, row := range pop {
		out[nv.key(row, levels)]++
	}
	return out
}

func sameRisk(a, b anonymise.Risk) bool {
	return a.Records == b.Records && a.Classes == b.Classes &&
		close(a.ProsecutorHighest, b.ProsecutorHighest) && close(a.ProsecutorAverage, b.ProsecutorAverage) &&
		close(a.JournalistHighest, b.JournalistHighest) && close(a.JournalistAverage, b.JournalistAverage) &&
		close(a.MarketerAverage, b.MarketerAverage) && close(a.SampleUniques, b.SampleUniques)
}

// checkRisk compares the report's risk after anonymisation with the direct computation
// over the checked release, and the risk before with the original rows grouped as they are.
func checkRisk(t *testing.T, name string, nv *naive, res *anonymise.Result, rel release, pop [][]string) {
	t.Helper()
	rep, err := res.Risk()
	if err != nil {
		t.Fatalf("%s: risk: %v", name, err)
	}
	var popAfter, popBefore map[string]int
	zero := make([]int, len(nv.qis))
	if pop != nil {
		popAfter, popBefore = populationKeys(nv, pop, res.Levels), populationKeys(nv, pop, zero)
	}
	if want := directRisk(rel, popAfter); !sameRisk(rep.After.Risk, want) || rep.After.Suppressed != rel.supp {
		t.Fatalf("%s: risk after %+v, direct %+v", name, rep.After, want)
	}
	before := release{kept: map[string][]int{}}
	for i, row := range nv.rows {
		k := nv.key(row, zero)
		before.kept[k] = append(before.kept[k], i)
	}
	if want := directRisk(before, popBefore); !sameRisk(rep.Before.Risk, want) {
		t.Fatalf("%s: risk before %+v, direct %+v", name, rep.Before, want)
	}
	if rep.PopulationGiven != (pop != nil) || !strings.Contains(rep.Summary["en"], "records") || !strings.Contains(rep.Summary["zh-CN"], "记录") {
		t.Fatalf("%s: report %+v", name, rep)
	}
}

// The metrics and risk on a table small enough to compute by hand (worked in the
// comments): ages 20 25 20 30 35 35 with sexes M M F F F M, age generalised to decades.
func TestMetricsByHand(t *testing.T) {
	age, _ := anonymise.NewHierarchy([][]string{{"20", "20-29", "*"}, {"25", "20-29", "*"}, {"30", "30-39", "*"}, {"35", "30-39", "*"}})
	sex, _ := anonymise.NewHierarchy([][]string{{"M", "*"}, {"F", "*"}})
	tab, _ := anonymise.NewTable([]string{"age", "sex"})
	for _, r := range [][]string{{"20", "M"}, {"25", "M"}, {"20", "F"}, {"30", "F"}, {"35", "F"}, {"35", "M"}} {
		tab.Append(r)
	}
	hs := map[string]*anonymise.Hierarchy{"age": age, "sex": sex}
	log3, log15 := math.Log2(3), math.Log2(1.5)
	cases := []struct {
		name         string
		k            int
		supp         float64
		feasible     bool
		suppressed   int
		want         anonymise.Utility
		highest, avg float64
	}{
		// Classes (20-29,M)=2 (20-29,F)=1 (30-39,F)=2 (30-39,M)=1, nothing suppressed.
		// Precision: 6 age cells at 1/2, 6 sex cells at 0: 3/12.
		// DM: 4+1+4+1. Entropy: rows with 20 and 35 (two each) cost log2(3/2), 25 and 30
		// cost log2(3): 4·log2(1.5)+2·log2(3). Loss: a decade covers 2 of 4 leaves, (2-1)/(4-1)
		// per age cell: 6/3 over 12 cells.
		{"k1", 1, 0, true, 0, anonymise.Utility{Precision: 0.25, Discernibility: 10, NonUniformEntropy: 4*log15 + 2*log3, Loss: 2.0 / 12}, 1, 4.0 / 6},
		// k=2 without suppression fails: two classes of one.
		{"k2 strict", 2, 0, false, 2, anonymise.Utility{Precision: 0.5, Discernibility: 20, NonUniformEntropy: 2*log15 + 4*log3 + 2, Loss: 4.0 / 9}, 0.5, 0.5},
		// k=2 with half the records suppressible: rows 3 (20,F) and 6 (35,M) go.
		// Precision: 4 kept age cells at 1/2 plus 4 suppressed cells at 1: 6/12.
		// DM: 4+4 + 2 records × 6. Entropy: kept 2·log2(1.5)+2·log2(3); suppressed age 20
		// and 35 cost log2(6/2) each, sex F and M log2(6/3) each. Loss: (4/3 + 4)/12.
		{"k2 suppressed", 2, 0.5, true, 2, anonymise.Utility{Precision: 0.5, Discernibility: 20, NonUniformEntropy: 2*log15 + 4*log3 + 2, Loss: 4.0 / 9}, 0.5, 0.5},
	}
	for _, c := range cases {
		e, err := anonymise.New(tab, anonymise.Config{QuasiIdentifiers: []string{"age", "sex"}, Hierarchies: hs, K: c.k, Suppression: c.supp})
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Evaluate([]int{1, 0})
		if err != nil {
			t.Fatal(err)
		}
		u := r.Utility()
		if r.Feasible != c.feasible || r.Suppressed != c.suppressed || !close(u.Precision, c.want.Precision) || !close(u.Discernibility, c.want.Discernibility) ||
			!close(u.NonUniformEntropy, c.want.NonUniformEntropy) || !close(u.Loss, c.want.Loss) {
			t.Errorf("%s: feasible=%v suppressed=%d %+v; want %v %d %+v", c.name, r.Feasible, r.Suppressed, u, c.feasible, c.suppressed, c.want)
		}
		if r.Loss != u.Loss { // the default metric
			t.Errorf("%s: loss %g, utility %g", c.name, r.Loss, u.Loss)
		}
		rep, err := r.Risk()
		if err != nil {
			t.Fatal(err)
		}
		if !close(rep.After.ProsecutorHighest, c.highest) || !close(rep.After.ProsecutorAverage, c.avg) ||
			rep.Before.ProsecutorHighest != 1 || rep.Before.SampleUniques != 1 {
			t.Errorf("%s: risk %+v", c.name, rep)
		}
	}
}

// Journalist and marketer risk against a population table: the sample plus as many other
// records again, drawn from the same domains.
func TestRiskWithPopulation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 6 {
		rt := randomTable(rng, 2+i%3, 20+rng.IntN(40), false)
		pop := append([][]string(nil), rt.rows...)
		for range len(rt.rows) + rng.IntN(30) {
			pop = append(pop, rt.rows[rng.IntN(len(rt.rows))])
		}
		popTable, _ := anonymise.NewTable(rt.header)
		for _, r := range pop {
			popTable.Append(r)
		}
		cfg := anonymise.Config{QuasiIdentifiers: rt.qis, Hierarchies: rt.hs, K: 2, Suppression: 0.1, Population: popTable}
		e, err := anonymise.New(rt.table, cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Search(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		nv := newNaive(rt.header, rt.rows, cfg)
		var buf bytes.Buffer
		res.WriteCSV(&buf, ',')
		rel := checkRelease(t, nv, buf.Bytes(), ',', res.Levels, res.Suppressed)
		checkRisk(t, fmt.Sprint("population ", i), nv, res, rel, pop)
		rep, _ := res.Risk()
		if rep.After.JournalistHighest > rep.After.ProsecutorHighest || rep.After.MarketerAverage > rep.After.ProsecutorAverage {
			t.Errorf("population risk above sample risk: %+v", rep.After)
		}
	}
	// A "population" smaller than the sample is refused.
	rt := randomTable(rng, 2, 30, false)
	small, _ := anonymise.NewTable(rt.header)
	small.Append(rt.rows[0])
	e, _ := anonymise.New(rt.table, anonymise.Config{QuasiIdentifiers: rt.qis, Hierarchies: rt.hs, K: 1, Population: small})
	res, _ := e.Search(context.Background())
	if _, err := res.Risk(); !errors.Is(err, anonymise.ErrConfig) {
		t.Fatalf("population smaller than the sample: %v", err)
	}
}
