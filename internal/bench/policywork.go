package bench

import (
	"runtime"
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
)

// policyResult is one run of [policyWork].
type policyResult struct {
	Decisions        int
	DecisionsPerSec  float64       // on one core (GOMAXPROCS 1)
	MapLookupsPerSec float64       // the floor: one map lookup per decision, same loop
	Ratio            float64       // decision cost in map lookups (MapLookupsPerSec / DecisionsPerSec)
	P99              time.Duration // 99th percentile of single decisions, timer overhead removed
}

// benchWorkload is a fixed mix of precomputed subjects and requests over the default
// manifest: adults, minors, objectors, GPC, restricted; reads, shares, transfers; allowed
// and denied; with and without sensitive categories.
func policyWorkload() (*policy.Decider, []policy.Request) {
	d := policy.Compile(manifest.Default(), policy.DefaultConfig())
	all := map[string]bool{}
	for _, p := range d.Manifest().PurposeKeys() {
		all[p] = true
	}
	all[policy.RecipientConsent("Alimama Ads")] = true
	all[policy.SensitiveConsent("personalize.content", "user.health_and_medical")] = true
	facts := []policy.Facts{
		{Country: "CN", Consents: all},
		{Country: "CN", Consents: map[string]bool{"analytics.reporting": true}},
		{Country: "CN"},
		{Country: "CN", Consents: all, AgeKnown: true, Age: 12, GuardianConsent: true},
		{Country: "DE", Consents: all, ObjectedDirectMarketing: true},
		{Country: "US", Region: "CA", Consents: all, GPC: true},
		{Country: "CN", Consents: all, PersonalisationOff: true},
		{Country: "CN", Consents: all, Restricted: true},
	}
	shapes := []policy.Request{
		{Purpose: "analytics.reporting", Categories: []string{"user.behavior.browsing_history"}, Action: policy.Read},
		{Purpose: "personalize.content", Categories: []string{"user.behavior.purchase_history", "user.health_and_medical"}, Action: policy.Read},
		{Purpose: "marketing.advertising.profiling", Categories: []string{"user.behavior.browsing_history", "user.behavior.purchase_history.baby"}, Action: policy.Profile},
		{Purpose: "marketing.advertising.first_party", Categories: []string{"user.behavior.browsing_history"}, Action: policy.Activate},
		{Purpose: "essential.service", Categories: []string{"user.contact.email", "user.contact.address", "user.payment"}, Action: policy.Read},
		{Purpose: "third_party_sharing", Categories: []string{"user.behavior.browsing_history"}, Action: policy.Share, Recipient: "Alimama Ads"},
		{Purpose: "analytics.reporting", Categories: []string{"user.device.ip_address"}, Action: policy.Transfer, Recipient: "Acme Analytics GmbH", MechanismRecorded: true},
		{Purpose: "essential.fraud_detection", Categories: []string{"user.device.ip_address", "user.device"}, Action: policy.Collect},
	}
	var reqs []policy.Request
	for i := 0; i < 4096; i++ {
		r := shapes[(i*5+i/8)%len(shapes)]
		r.Subject = d.Subject(facts[i%len(facts)])
		reqs = append(reqs, r)
	}
	return d, reqs
}

var policySink int

// Benchmark runs n decisions on one core against the same loop doing one map lookup per
// decision, and samples single-decision latency. Subject states are precomputed, as in
// production where they are rebuilt only when a subject's facts change.
func policyWork(n int) policyResult {
	if n < 4096 {
		n = 4096
	}
	d, reqs := policyWorkload()
	floor := map[string]int32{}
	for i, p := range d.Manifest().PurposeKeys() {
		floor[p] = int32(i)
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	runtime.GC()

	mask := len(reqs) - 1
	sink := 0
	start := time.Now()
	for i := 0; i < n; i++ {
		sink += int(d.Decide(reqs[i&mask]).Effect)
	}
	decide := time.Since(start)

	start = time.Now()
	for i := 0; i < n; i++ {
		sink += int(floor[reqs[i&mask].Purpose])
	}
	lookup := time.Since(start)

	samples := min(n, 200000)
	lat := make([]time.Duration, samples)
	empty := make([]time.Duration, samples)
	for i := range samples {
		t0 := time.Now()
		empty[i] = time.Since(t0)
		t0 = time.Now()
		sink += int(d.Decide(reqs[i&mask]).Effect)
		lat[i] = time.Since(t0)
	}
	policySink = sink
	slices.Sort(lat)
	slices.Sort(empty)
	p99 := max(lat[samples*99/100]-empty[samples/2], 0)

	r := policyResult{Decisions: n, DecisionsPerSec: float64(n) / decide.Seconds(),
		MapLookupsPerSec: float64(n) / lookup.Seconds(), P99: p99}
	r.Ratio = r.MapLookupsPerSec / r.DecisionsPerSec
	return r
}
