package policy

import "testing"

func BenchmarkDecide(b *testing.B) {
	d, reqs := benchWorkload()
	mask := len(reqs) - 1
	b.ReportAllocs()
	s := 0
	for i := 0; b.Loop(); i++ {
		s += int(d.Decide(reqs[i&mask]).Effect)
	}
	benchSink = s
}

func BenchmarkMapLookupFloor(b *testing.B) {
	d, reqs := benchWorkload()
	floor := map[string]int32{}
	for i, p := range d.purposes {
		floor[p.key] = int32(i)
	}
	mask := len(reqs) - 1
	s := 0
	for i := 0; b.Loop(); i++ {
		s += int(floor[reqs[i&mask].Purpose])
	}
	benchSink = s
}

// The workload mixes allowed and denied decisions, so the benchmark measures every path.
func TestBenchWorkloadMix(t *testing.T) {
	d, reqs := benchWorkload()
	effects := map[Effect]int{}
	for _, r := range reqs {
		effects[d.Decide(r).Effect]++
	}
	if effects[Allow] == 0 || effects[Deny] == 0 {
		t.Fatalf("mix %v", effects)
	}
	res := Benchmark(10000)
	if res.DecisionsPerSec <= 0 || res.Ratio <= 0 || res.Decisions != 10000 {
		t.Fatalf("%+v", res)
	}
}
