package assessment_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/assessment"
	"github.com/stewardhq/steward/internal/manifest"
)

// The demo shop's purposes that need an impact assessment (PIPL Art. 55), and what their
// fingerprint covers: the risk-relevant facts, not every detail of the manifest.
func TestNeedsAndFingerprints(t *testing.T) {
	m := manifest.Default()
	got := map[string]string{}
	for _, n := range assessment.Needs(m) {
		got[n.Purpose] = strings.Join(n.Triggers, ",")
	}
	want := map[string]string{"analytics.reporting": "transfer_abroad", "cross_border_transfer": "transfer_abroad",
		"essential.fraud_detection": "automated_decision", "marketing.advertising.profiling": "automated_decision", "third_party_sharing": "transfer_abroad"}
	if len(got) != len(want) {
		t.Fatalf("needs = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	fp := func(doc string) string {
		t.Helper()
		m, err := manifest.Parse("m.yaml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return assessment.FactsOf(m, "analytics.reporting").Fingerprint()
	}
	base := string(manifest.DefaultYAML())
	same := fp(base)
	for _, c := range []struct {
		from, to string
		changes  bool
	}{
		{"valid_until: 2030-12-31", "valid_until: 2031-12-31", false},                               // evidence, not facts
		{"    retention_days: 365\n  personalize", "    retention_days: 200\n  personalize", false}, // retention
		{"kind: standard_contract", "kind: certification", true},                                    // the mechanism
		{"    countries: [DE]\n    transfer", "    countries: [DE, US]\n    transfer", true},        // where it goes
	} {
		doc := strings.Replace(base, c.from, c.to, 1)
		if doc == base {
			t.Fatalf("edit %q did not apply", c.from)
		}
		if doc := strings.Replace(doc, "    countries: [DE]\n    reference", "    countries: [DE, US]\n    reference", 1); (fp(doc) != same) != c.changes {
			t.Errorf("%s → %s: fingerprint changed = %v, want %v", c.from, c.to, fp(doc) != same, c.changes)
		}
	}
}
