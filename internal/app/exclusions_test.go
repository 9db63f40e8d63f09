package app_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/demo"
)

// Audience exclusions per reason on demo data (issue 8 acceptance): the demo shop's
// shoppers go through the real ingestion endpoint; a segment matching every shopper is
// evaluated for an advertising purpose, and each exclusion count must equal what the
// generator's ground truth says about those people — personalisation switched off, an
// objection to direct marketing, a minor's age, no advertising consent.
func TestAudienceExclusionsOnDemoData(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	cfg := demo.Config{Seed: 7, Subjects: 300, Months: 1, Now: time.Now().UTC().Add(-time.Minute)}
	if _, err := demo.Generate(cfg, func(batch []byte) error { r.track(t, string(batch)); return nil }); err != nil {
		t.Fatal(err)
	}
	subjects, err := demo.Subjects(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := r.call(t, "POST", "/api/v1/profiles/refresh", r.admin, ""); status != 200 {
		t.Fatalf("refresh: %d %s", status, body)
	}
	status, body := r.call(t, "POST", "/api/v1/segments", r.admin,
		`{"name":"all_shoppers","expression":"count(\"Product Viewed\", 3650d) >= 0","purpose":"marketing.advertising.profiling"}`)
	if status != 201 {
		t.Fatalf("define: %d %s", status, body)
	}
	var v segView
	json.Unmarshal(body, &v)

	want := map[string]int{}
	audience := 0
	for _, s := range subjects {
		c := s.Consent
		switch {
		case c.PersonalisationOff:
			want["personalisation_off"]++
		case c.ObjectDirectMarketing:
			want["objection"]++
		case s.Band == demo.BandUnder14 || s.Band == demo.Band14to17:
			want["minor"]++
		// GPC binds as an opt-out of sale/sharing where the law says so (California,
		// CCPA regs §7025); elsewhere the person's explicit choice stands.
		case !c.Given || !c.Final.Advertising || c.GPC && s.Region == demo.RegionUSCA:
			want["no_legal_basis"]++
		default:
			audience++
		}
	}
	got := map[string]int{}
	for _, x := range v.Excluded {
		got[x.Reason] = x.Count
	}
	t.Logf("demo shop: %d shoppers, matches %d, audience %d, excluded %v (expected %v, audience %d)", len(subjects), v.Matches, v.Size, got, want, audience)
	if v.Matches != len(subjects) {
		t.Fatalf("segment matched %d of %d shoppers", v.Matches, len(subjects))
	}
	for _, reason := range []string{"personalisation_off", "objection", "minor", "no_legal_basis"} {
		if got[reason] != want[reason] || want[reason] == 0 {
			t.Errorf("%s: %d excluded, ground truth %d", reason, got[reason], want[reason])
		}
	}
	if v.Size != audience {
		t.Errorf("audience %d, ground truth %d", v.Size, audience)
	}
}
