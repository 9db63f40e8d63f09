package manifest_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

// on_expiry (issue 26 item 1): per category, the nearest setting wins; identifiers can
// only be deleted; unknown categories and actions are located errors.
func TestOnExpiry(t *testing.T) {
	m := manifest.Default()
	for cat, want := range map[string]string{
		"user.behavior.purchase_history":      manifest.ExpiryAnonymise,
		"user.behavior.purchase_history.baby": manifest.ExpiryAnonymise, // beneath a setting
		"user.behavior.browsing_history":      manifest.ExpiryDelete,
		"user.contact.email":                  manifest.ExpiryDelete,
	} {
		if got := m.ExpiryOf(cat); got != want {
			t.Errorf("ExpiryOf(%s) = %s, want %s", cat, got, want)
		}
	}
	if d := m.CategoryDays("user.behavior.browsing_history"); d != 180 {
		t.Errorf("CategoryDays(browsing) = %d, want 180", d)
	}
	if d := m.CategoryDays("user.contact.email"); d != 0 {
		t.Errorf("CategoryDays(email) = %d, want 0 (no setting)", d)
	}
	base := string(manifest.DefaultYAML())
	for _, c := range []struct{ yaml, want string }{
		{"on_expiry:\n  shop.nothing: delete\n", `unknown category "shop.nothing"`},
		{"on_expiry:\n  user.device: shred\n", `"shred" is neither delete nor anonymise`},
		{"on_expiry:\n  user.contact.email: anonymise\n", "an identifier cannot be anonymised"},
	} {
		doc := strings.Replace(base, "on_expiry:\n  user.behavior.purchase_history: anonymise\n", c.yaml, 1)
		_, err := manifest.Parse("m.yaml", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "m.yaml:") {
			t.Errorf("%q: err = %v, want a located %q", c.yaml, err, c.want)
		}
	}
}

// A transfer mechanism's evidence (issue 26 item 2) is read, checked as dates, and says
// whether the mechanism is in force on a day.
func TestTransferEvidence(t *testing.T) {
	m := manifest.Default()
	tr := m.Transfers["cn-standard-contract-2025-01"]
	if tr.Reference == "" || tr.Filed != "2025-01-15" || tr.ValidUntil != "2030-12-31" || !tr.Covers("de") || tr.Covers("US") {
		t.Fatalf("transfer = %+v", tr)
	}
	for day, want := range map[string]bool{"2025-01-14": false, "2025-01-15": true, "2030-12-31": true, "2031-01-01": false} {
		if ok, why := tr.InForce(day); ok != want {
			t.Errorf("InForce(%s) = %v (%s), want %v", day, ok, why, want)
		}
	}
	unfiled := tr
	unfiled.Reference = ""
	if ok, why := unfiled.InForce("2026-01-01"); ok || !strings.Contains(why, "reference") {
		t.Errorf("a standard contract without a filing reference is in force: %v %s", ok, why)
	}
	sa := manifest.Transfer{Kind: "security_assessment", Reference: "CAC-SA-1"}
	if ok, why := sa.InForce("2026-01-01"); ok || !strings.Contains(why, "validity") {
		t.Errorf("a security assessment without validity is in force: %v %s", ok, why)
	}
	base := string(manifest.DefaultYAML())
	for _, c := range []struct{ from, to, want string }{
		{"filed: 2025-01-15", "filed: 15.1.2025", "filed must be a date"},
		{"valid_until: 2030-12-31", "valid_until: 2024-12-31", "valid_until 2024-12-31 is before filed 2025-01-15"},
		{"reference: SH-CAC-SCC-2025-0001", "reference: SH-CAC-SCC-2025-0001\n    expires: soon", `unknown key "expires"`},
	} {
		_, err := manifest.Parse("m.yaml", []byte(strings.Replace(base, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.to, err, c.want)
		}
	}
	// The evidence is part of the version's identity.
	changed, err := manifest.Parse("m.yaml", []byte(strings.Replace(base, "valid_until: 2030-12-31", "valid_until: 2029-12-31", 1)))
	if err != nil || changed.Hash() == m.Hash() {
		t.Fatalf("a changed validity keeps the hash: %v", err)
	}
}
