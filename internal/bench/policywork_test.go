package bench

import (
	"testing"

	"github.com/stewardhq/steward/internal/policy"
)

func BenchmarkDecide(b *testing.B) {
	d, reqs := policyWorkload()
	mask := len(reqs) - 1
	b.ReportAllocs()
	s := 0
	for i := 0; b.Loop(); i++ {
		s += int(d.Decide(reqs[i&mask]).Effect)
	}
	policySink = s
}

func BenchmarkMapLookupFloor(b *testing.B) {
	d, reqs := policyWorkload()
	floor := map[string]int32{}
	for i, p := range d.Manifest().PurposeKeys() {
		floor[p] = int32(i)
	}
	mask := len(reqs) - 1
	s := 0
	for i := 0; b.Loop(); i++ {
		s += int(floor[reqs[i&mask].Purpose])
	}
	policySink = s
}

// The workload mixes allowed and denied decisions, so the benchmark measures every path.
func TestBenchWorkloadMix(t *testing.T) {
	d, reqs := policyWorkload()
	effects := map[policy.Effect]int{}
	for _, r := range reqs {
		effects[d.Decide(r).Effect]++
	}
	if effects[policy.Allow] == 0 || effects[policy.Deny] == 0 {
		t.Fatalf("mix %v", effects)
	}
	res := policyWork(10000)
	if res.DecisionsPerSec <= 0 || res.Ratio <= 0 || res.Decisions != 10000 {
		t.Fatalf("%+v", res)
	}
}
