//go:build linux

package anonymise

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stewardhq/steward/internal/datasets"
	"golang.org/x/sys/unix"
)

// BenchmarkTuning times the Adult k=5 search (8 quasi-identifiers, no suppression) with
// each speed-up switched off in turn, in one run, so before/after figures share the
// machine and its load. cpu-ns/op is the search thread's CPU time, which the other jobs
// on a shared machine cannot inflate by taking the cores away.
//
//	go test ./internal/anonymise -run X -bench Tuning -count 5
func BenchmarkTuning(b *testing.B) {
	path, err := datasets.Path("adult/adult.csv")
	if err != nil {
		b.Skipf("Adult data set not found, skipping: %v", err)
	}
	f, _ := os.Open(path)
	tab, err := ReadCSV(f, ';')
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	qis := []string{"age", "education", "marital-status", "native-country", "race", "salary-class", "sex", "workclass"}
	hs := map[string]*Hierarchy{}
	for _, q := range qis {
		hf, _ := os.Open(filepath.Join(filepath.Dir(path), "adult_hierarchy_"+q+".csv"))
		hs[q], _ = ParseHierarchy(hf, ';')
		hf.Close()
	}
	e, err := New(tab, Config{QuasiIdentifiers: qis, Hierarchies: hs, K: 5, Metric: NonUniformEntropy})
	if err != nil {
		b.Fatal(err)
	}
	type tuning struct{ noRollup, noDense bool }
	for _, v := range []struct {
		name string
		t    tuning
	}{{"all", tuning{}}, {"no-dense", tuning{noDense: true}}, {"no-rollup", tuning{noRollup: true}}, {"neither", tuning{noRollup: true, noDense: true}}} {
		b.Run(v.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var t0, t1 unix.Timespec
			unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &t0)
			checked := 0
			for b.Loop() {
				s := e.newSearcher(context.Background())
				s.useSnp = !v.t.noRollup
				s.g.noDense = v.t.noDense
				if err := s.flash(); err != nil {
					b.Fatal(err)
				}
				checked = s.checked
			}
			unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &t1)
			b.ReportMetric(float64(t1.Nano()-t0.Nano())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(checked), "checks")
		})
	}
}
