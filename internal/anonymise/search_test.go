package anonymise_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stewardhq/steward/internal/anonymise"
)

// randomHierarchy builds a random tree over m leaves named prefix0..: each level groups
// the labels of the level below into fewer labels; the top is "*" or, sometimes, two
// labels (ARX allows a top level with several values).
func randomHierarchy(rng *rand.Rand, prefix string, m, height int) *anonymise.Hierarchy {
	labels := make([]string, m) // label per leaf at the current level
	for i := range labels {
		labels[i] = prefix + strconv.Itoa(i)
	}
	rows := make([][]string, m)
	for i := range rows {
		rows[i] = []string{labels[i]}
	}
	cur := labels
	for l := 1; l <= height; l++ {
		distinct := map[string]bool{}
		for _, v := range cur {
			distinct[v] = true
		}
		parents := max(1, len(distinct)-1-rng.IntN(2))
		if l == height {
			parents = 1
			if rng.IntN(4) == 0 && len(distinct) > 1 {
				parents = 2
			}
		}
		parentOf := map[string]string{}
		next := make([]string, m)
		for i, v := range cur {
			p, ok := parentOf[v]
			if !ok {
				p = fmt.Sprintf("%s-L%d-%d", prefix, l, rng.IntN(parents))
				if l == height && parents == 1 {
					p = "*"
				}
				parentOf[v] = p
			}
			next[i] = p
			rows[i] = append(rows[i], p)
		}
		cur = next
	}
	h, err := anonymise.NewHierarchy(rows)
	if err != nil {
		panic(err)
	}
	return h
}

type randomTask struct {
	header []string
	rows   [][]string
	table  *anonymise.Table
	hs     map[string]*anonymise.Hierarchy
	qis    []string
}

// randomTable makes a table of d quasi-identifiers with skewed value frequencies and a
// sensitive column, numeric or categorical.
func randomTable(rng *rand.Rand, d, n int, numeric bool) randomTask {
	rt := randomTask{hs: map[string]*anonymise.Hierarchy{}}
	ms := make([]int, d)
	for c := range d {
		name := fmt.Sprintf("q%d", c)
		rt.qis = append(rt.qis, name)
		ms[c] = 2 + rng.IntN(5)
		rt.hs[name] = randomHierarchy(rng, name+"v", ms[c], 1+rng.IntN(3))
	}
	rt.header = append(append([]string(nil), rt.qis...), "s", "other")
	ns := 2 + rng.IntN(4)
	for range n {
		row := make([]string, 0, d+2)
		for c := range d {
			v := min(rng.IntN(ms[c]), rng.IntN(ms[c])) // skewed: small ids are common
			row = append(row, fmt.Sprintf("q%dv%d", c, v))
		}
		s := rng.IntN(ns)
		if numeric {
			row = append(row, strconv.Itoa(10*s-5))
		} else {
			row = append(row, "s"+strconv.Itoa(s))
		}
		row = append(row, strconv.Itoa(rng.IntN(100)))
		rt.rows = append(rt.rows, row)
	}
	t, err := anonymise.NewTable(rt.header)
	if err != nil {
		panic(err)
	}
	for _, r := range rt.rows {
		if err := t.Append(r); err != nil {
			panic(err)
		}
	}
	rt.table = t
	return rt
}

// modelCombos lists every combination of the models the tests cross with metrics and
// suppression limits.
func modelCombos(numeric bool) []anonymise.Config {
	var out []anonymise.Config
	ls := []*anonymise.LDiversity{nil,
		{L: 2, Variant: anonymise.DistinctL}, {L: 3, Variant: anonymise.DistinctL},
		{L: 2, Variant: anonymise.EntropyL},
		{L: 2, Variant: anonymise.RecursiveL, C: 2}, {L: 3, Variant: anonymise.RecursiveL, C: 1.5},
	}
	ts := []*anonymise.TCloseness{nil, {T: 0.2}, {T: 0.1, Ordered: numeric}}
	for _, k := range []int{1, 2, 4} {
		for _, l := range ls {
			for _, tc := range ts {
				c := anonymise.Config{K: k, LDiversity: l, TCloseness: tc}
				if l != nil || tc != nil {
					c.Sensitive = "s"
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// Issue 21 item 4: the search finds the optimum that brute force over every node finds,
// for random small tables and every combination of models, metrics and suppression limits.
func TestSearchMatchesBruteForce(t *testing.T) {
	tables := 6
	if testing.Short() {
		tables = 2
	}
	rng := rand.New(rand.NewPCG(21, 4))
	runs, feasible := 0, 0
	for ti := range tables {
		rt := randomTable(rng, 2+ti%3, 12+rng.IntN(60), ti%2 == 1)
		for _, combo := range modelCombos(ti%2 == 1) {
			for _, supp := range []float64{0, 0.1, 0.25} {
				for _, metric := range []anonymise.Metric{anonymise.Precision, anonymise.Discernibility, anonymise.NonUniformEntropy, anonymise.Loss} {
					cfg := combo
					cfg.QuasiIdentifiers, cfg.Hierarchies = rt.qis, rt.hs
					cfg.Suppression, cfg.Metric = supp, metric
					name := fmt.Sprintf("table%d/k%d/%v/%v/supp%g/%s", ti, cfg.K, cfg.LDiversity, cfg.TCloseness, supp, metric)
					runs++
					if checkAgainstBruteForce(t, name, rt, cfg) {
						feasible++
					}
				}
			}
		}
	}
	t.Logf("%d searches, %d with a solution", runs, feasible)
	if feasible < runs/4 || feasible == runs {
		t.Fatalf("the random cases do not exercise both outcomes: %d of %d feasible", feasible, runs)
	}
}

func checkAgainstBruteForce(t *testing.T, name string, rt randomTask, cfg anonymise.Config) bool {
	t.Helper()
	e, err := anonymise.New(rt.table, cfg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	nv := newNaive(rt.header, rt.rows, cfg)
	best, all := nv.bruteForce()
	got, err := e.Search(context.Background())
	if math.IsNaN(best) {
		if !errors.Is(err, anonymise.ErrUnsatisfiable) {
			t.Fatalf("%s: brute force finds no solution, search returned %v, %v", name, got, err)
		}
		return false
	}
	if err != nil {
		t.Fatalf("%s: brute force finds %g, search failed: %v", name, best, err)
	}
	ev := all[levelKey(got.Levels)]
	switch {
	case !ev.feasible:
		t.Fatalf("%s: search chose %v, which brute force finds infeasible", name, got.Levels)
	case !close(ev.loss.Of(cfg.Metric), best):
		t.Fatalf("%s: search chose %v with loss %g (naive %g); brute force optimum %g", name, got.Levels, got.Loss, ev.loss.Of(cfg.Metric), best)
	case !close(got.Loss, best):
		t.Fatalf("%s: search reports loss %g, brute force %g", name, got.Loss, best)
	case got.Suppressed != ev.suppressed:
		t.Fatalf("%s: search suppressed %d, brute force %d", name, got.Suppressed, ev.suppressed)
	}
	// The release passes the independent checker, and its risk is what a direct
	// computation over it gives.
	var buf bytes.Buffer
	if err := got.WriteCSV(&buf, ','); err != nil {
		t.Fatal(err)
	}
	rel := checkRelease(t, nv, buf.Bytes(), ',', got.Levels, got.Suppressed)
	checkRisk(t, name, nv, got, rel, nil)
	// The auditor's Verify, from the file alone, accepts it and finds the suppressed
	// records starred (unless every quasi-identifier is at its top, where all are "*").
	verifyRelease(t, name, buf.Bytes(), cfg, got)
	// The engine's own exhaustive mode agrees exactly, tie-break included.
	all2, err := e.SearchAll(context.Background())
	if err != nil || fmt.Sprint(all2.Levels) != fmt.Sprint(got.Levels) || all2.Loss != got.Loss {
		t.Fatalf("%s: SearchAll %v %v, Search %v %v", name, all2.Levels, err, got.Levels, got.Loss)
	}
	if got.NodesChecked > got.Nodes {
		t.Fatalf("%s: %d of %d nodes checked", name, got.NodesChecked, got.Nodes)
	}
	// Every node's evaluation agrees with the naive one.
	for _, lv := range allLevels(e.Heights()) {
		r, err := e.Evaluate(lv)
		if err != nil {
			t.Fatal(err)
		}
		want := all[levelKey(lv)]
		if r.Feasible != want.feasible || r.Suppressed != want.suppressed || !close(r.Loss, want.loss.Of(cfg.Metric)) {
			t.Fatalf("%s: node %v: engine feasible=%v suppressed=%d loss=%g, naive %v %d %g",
				name, lv, r.Feasible, r.Suppressed, r.Loss, want.feasible, want.suppressed, want.loss.Of(cfg.Metric))
		}
		if u := r.Utility(); !close(u.Precision, want.loss.Precision) || !close(u.Discernibility, want.loss.Discernibility) ||
			!close(u.NonUniformEntropy, want.loss.NonUniformEntropy) || !close(u.Loss, want.loss.Loss) {
			t.Fatalf("%s: node %v: utility %+v, naive %+v", name, lv, u, want.loss)
		}
	}
	return true
}

// Eight quasi-identifiers of about 150 values and two of 3 need 68 bits, more than an
// exact 64-bit key holds:
// the engine hashes the keys and compares tuples on every hit. It must still agree with
// brute force.
func TestHashedKeysMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(80, 80))
	rt := randomTask{hs: map[string]*anonymise.Hierarchy{}}
	for c := range 10 {
		q := fmt.Sprintf("q%d", c)
		rt.qis = append(rt.qis, q)
		var values []string
		for v := range 200 {
			values = append(values, fmt.Sprintf("%s-%d", q, v))
		}
		rt.hs[q] = anonymise.FlatHierarchy(values)
	}
	rt.header = append(append([]string(nil), rt.qis...), "s")
	tab, _ := anonymise.NewTable(rt.header)
	for range 300 {
		row := make([]string, 0, 11)
		for c := range 10 {
			v := rng.IntN(200)
			if c >= 8 {
				v = rng.IntN(3) // two columns with few values, so classes form
			}
			row = append(row, fmt.Sprintf("q%d-%d", c, v))
		}
		row = append(row, strconv.Itoa(rng.IntN(3)))
		rt.rows = append(rt.rows, row)
		tab.Append(row)
	}
	rt.table = tab
	for _, cfg := range []anonymise.Config{
		{K: 2, Metric: anonymise.Loss},
		{K: 3, Suppression: 0.1, Metric: anonymise.Discernibility},
		{K: 2, Sensitive: "s", LDiversity: &anonymise.LDiversity{L: 2, Variant: anonymise.EntropyL}, Suppression: 0.3, Metric: anonymise.NonUniformEntropy},
	} {
		cfg.QuasiIdentifiers, cfg.Hierarchies = rt.qis, rt.hs
		if !checkAgainstBruteForce(t, fmt.Sprintf("hashed k=%d", cfg.K), rt, cfg) {
			t.Fatalf("k=%d: no solution; the case should have one", cfg.K)
		}
	}
}

// An Engine serves concurrent searches (pooled buffers, nothing shared that changes).
func TestConcurrentSearches(t *testing.T) {
	rt := randomTable(rand.New(rand.NewPCG(5, 5)), 4, 200, false)
	e, err := anonymise.New(rt.table, anonymise.Config{QuasiIdentifiers: rt.qis, Hierarchies: rt.hs, K: 3, Suppression: 0.05,
		Sensitive: "s", LDiversity: &anonymise.LDiversity{L: 2}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Search(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				got, err := e.Search(context.Background())
				if err == nil && (fmt.Sprint(got.Levels) != fmt.Sprint(want.Levels) || got.Loss != want.Loss) {
					err = fmt.Errorf("concurrent search found %v %g, alone %v %g", got.Levels, got.Loss, want.Levels, want.Loss)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
