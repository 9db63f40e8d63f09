package manifest_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

func TestDefaultTiersFromMostToLeastSharing(t *testing.T) {
	m := manifest.Default()
	var names []string
	for _, tr := range m.Tiers {
		names = append(names, tr.Name)
	}
	if got := strings.Join(names, ","); got != "contributor,engaged,personalised,statistics_only,conservative" {
		t.Fatalf("tiers = %s", got)
	}
	if c, _ := m.Tier("contributor"); c.PointsPerMonth() != 100 || !c.Has(manifest.BenefitPriority) || c.Value == nil || c.Value.Method["zh-CN"] == "" {
		t.Fatalf("contributor = %+v", c)
	}
	if c, _ := m.Tier("conservative"); len(c.Purposes) != 0 || !c.Has(manifest.BenefitAdFree) {
		t.Fatalf("conservative = %+v", c)
	}
	if bad := m.CheckTiers(m.Tiers); len(bad) != 0 {
		t.Fatalf("the default tiers fail their own check: %v", bad)
	}
}

// The tier follows from the consents: the most sharing tier whose purposes are all
// granted; an ad-free tier never describes someone who granted advertising.
func TestTierDerivedFromConsent(t *testing.T) {
	m := manifest.Default()
	contributor, _ := m.Tier("contributor")
	cases := []struct {
		name    string
		granted []string
		want    string // "" = no tier fits
	}{
		{"nothing granted", nil, "conservative"},
		{"statistics", []string{"analytics.reporting"}, "statistics_only"},
		{"statistics and recommendations", []string{"analytics.reporting", "personalize.content"}, "personalised"},
		{"recommendations without statistics", []string{"personalize.content"}, "conservative"},
		{"engaged", []string{"analytics.reporting", "personalize.content", "marketing.communications", "marketing.communications.email"}, "engaged"},
		{"everything in the top tier", contributor.Purposes, "contributor"},
		{"top tier plus separate consents", append([]string{"third_party_sharing", "marketing.advertising.third_party.targeted"}, contributor.Purposes...), "contributor"},
		{"a separate consent to ads by others alone", []string{"marketing.advertising.third_party.targeted"}, ""},
		{"first-party ads and statistics", []string{"analytics.reporting", "marketing.advertising.first_party"}, "statistics_only"},
		{"separate sharing consent only", []string{"third_party_sharing"}, "conservative"},
	}
	for _, c := range cases {
		granted := map[string]bool{}
		for _, p := range c.granted {
			granted[p] = true
		}
		tr, ok := m.TierOf(func(p string) bool { return granted[p] })
		if !ok {
			tr.Name = ""
		}
		if tr.Name != c.want {
			t.Errorf("%s: tier %q, want %q", c.name, tr.Name, c.want)
		}
	}
}

// The non-discrimination guard: a tier may not remove a baseline service, change prices,
// bundle essential or separate-consent purposes, or pay points without saying what the data
// is worth (PIPL Art. 16, GB/T 35273 §5.3, CCPA §1798.125 and §7016, RR-06).
func TestTierCheckRefusesDiscrimination(t *testing.T) {
	head := "version: 1\ntiers:\n"
	value := "    value: {amount: 3, currency: CNY, per: month, method: {en: revenue per customer}}\n"
	cases := []struct{ name, tiers, want string }{
		{"removes a service", "  - name: low\n    purposes: []\n    benefits: []\n    removes: [express_delivery]\n", "removes \"express_delivery\": declining optional processing never costs a service"},
		{"a discount", "  - name: top\n    purposes: [analytics.reporting]\n    benefits: [{kind: discount}]\n", "changes prices"},
		{"a surcharge", "  - name: low\n    purposes: []\n    benefits: [{kind: surcharge}]\n", "changes prices"},
		{"an essential purpose", "  - name: top\n    purposes: [essential.service]\n    benefits: []\n", "not on consent: a tier grants only optional purposes"},
		{"a separate consent bundled", "  - name: top\n    purposes: [third_party_sharing]\n    benefits: []\n", "asked separately"},
		{"points without a value", "  - name: top\n    purposes: [analytics.reporting]\n    benefits: [{kind: points, per_month: 10}]\n", "good-faith value"},
		{"points of nothing", "  - name: top\n    purposes: [analytics.reporting]\n    benefits: [{kind: points, per_month: 0}]\n" + value, "positive number per_month"},
		{"out of order", "  - name: low\n    purposes: [analytics.reporting]\n    benefits: []\n  - name: top\n    purposes: [analytics.reporting, personalize.content]\n    benefits: []\n", "tier top: shares personalize.content, which tier low above it does not"},
		{"ad-free with ads", "  - name: top\n    purposes: [marketing.advertising.first_party]\n    benefits: [{kind: ad_free}]\n", "ad-free yet grants advertising"},
		{"unknown purpose", "  - name: top\n    purposes: [mining.bitcoin]\n    benefits: []\n", "unknown purpose"},
		{"unknown benefit", "  - name: top\n    purposes: []\n    benefits: [{kind: free_lunch}]\n", "unknown benefit"},
		{"bad name", "  - name: Top Tier\n    purposes: []\n    benefits: []\n", "name must be lower-case"},
		{"unknown key", "  - name: top\n    purposes: []\n    benefits: []\n    price: 10\n", "price"},
		{"two tiers sharing alike", "  - name: top\n    purposes: [analytics.reporting]\n    benefits: []\n  - name: low\n    purposes: [analytics.reporting]\n    benefits: []\n", "no consent state could put anyone in it"},
	}
	for _, c := range cases {
		_, err := manifest.Parse("tiers.yaml", []byte(head+c.tiers))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	ok := head + "  - name: top\n    purposes: [analytics.reporting]\n    benefits: [{kind: points, per_month: 10}, {kind: perk, label: {en: a yearly report}}]\n" + value +
		"  - name: low\n    purposes: []\n    benefits: [{kind: ad_free}]\n"
	if m, err := manifest.Parse("tiers.yaml", []byte(ok)); err != nil || len(m.Tiers) != 2 {
		t.Fatalf("a fair pair of tiers: %v", err)
	}
}

func TestSubscriptionOffer(t *testing.T) {
	m := manifest.Default()
	if s := m.Subscription; s == nil || s.PointsPerMonth != 120 || s.Price == nil || s.Price.Currency != "CNY" || s.MaxMonths != 12 {
		t.Fatalf("default subscription = %+v", m.Subscription)
	}
	for _, c := range []struct{ doc, want string }{
		{"subscription: {max_months: 3}", "offer it for points_per_month, a price, or both"},
		{"subscription: {points_per_month: 10, max_months: 99}", "max_months is between 1 and 36"},
		{"subscription: {price: {amount: 0, currency: CNY, per: month}}", "a price has a positive amount"},
		{"subscription: {points_per_month: 10, refund: always}", "refund"},
	} {
		if _, err := manifest.Parse("s.yaml", []byte("version: 1\n"+c.doc+"\n")); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.doc, err, c.want)
		}
	}
}
