package retention_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/retention"
	"github.com/stewardhq/steward/internal/store"
)

// The plan of the demo shop's manifest: each kind lives as long as its longest-lived own
// field; fields that expire earlier are pruned at their age; purchase history is
// anonymised; kinds the manifest does not declare live as long as the common fields.
func TestPlanOfTheDefaultManifest(t *testing.T) {
	p := retention.PlanFor(manifest.Default())
	kinds := map[string]retention.KindRule{}
	for _, k := range p.Kinds {
		kinds[k.EventType] = k
	}
	for _, c := range []struct {
		kind      string
		days      int
		prune     []int
		anonymise bool
	}{
		{"page", 180, []int{90}, false},                      // browsing history; the IP (90 days) before
		{"Products Searched", 90, nil, false},                // search history: 90 days
		{"Product Viewed", 365, []int{180, 90}, false},       // the SKU for analytics; product and IP earlier
		{"identify", 1095, []int{365, 180, 90}, false},       // the name for the contract; gender at 365
		{"Order Completed", 1095, []int{365, 180, 90}, true}, // the order for the contract, anonymised then
		{"Segment Consent Preference Updated", 1095, []int{365, 180, 90}, false},
	} {
		k := kinds[c.kind]
		if k.Days != c.days || !slices.Equal(k.Prune, c.prune) || k.Anonymise != c.anonymise {
			t.Errorf("%s: days %d prune %v anonymise %v; want %d %v %v", c.kind, k.Days, k.Prune, k.Anonymise, c.days, c.prune, c.anonymise)
		}
	}
	if kinds["page"].Kind != (store.EventKind{Type: "page"}) || kinds["Order Completed"].Kind != (store.EventKind{Type: "track", Name: "Order Completed"}) {
		t.Error("kinds of stored events")
	}
	if p.Other.Days != 1095 || p.Other.EventType != "" {
		t.Errorf("undeclared kinds: %+v", p.Other)
	}
	// A field is kept for every purpose that could read it, capped by its category.
	for _, f := range kinds["Product Viewed"].Fields {
		switch f.Path {
		case "properties.product_id":
			if f.Days != 180 || !slices.Contains(f.Purposes, "marketing.advertising.profiling") {
				t.Errorf("product_id: %+v", f)
			}
		case "context.ip":
			if f.Days != 90 || !f.Common {
				t.Errorf("context.ip: %+v", f)
			}
		}
	}
	for cat, want := range map[string]int{"user.behavior.search_history": 90, "user.behavior.browsing_history": 180, "user.device.ip_address": 90, "user.name": 1095} {
		if d, _, ok := p.CategoryDays(cat); !ok || d != want {
			t.Errorf("category %s kept %d days, want %d", cat, d, want)
		}
	}
	if _, e, _ := p.CategoryDays("user.behavior.purchase_history.baby"); e != manifest.ExpiryAnonymise {
		t.Errorf("baby purchases then %q", e)
	}
	// A purpose reading beneath a listed one: a field listed for marketing.communications
	// is kept for its e-mail purpose too.
	doc := strings.Replace(string(manifest.DefaultYAML()), "properties.query: {category: user.behavior.search_history, purposes: [analytics.reporting, personalize.content]}",
		"properties.query: {category: user.behavior.search_history, purposes: [marketing.communications]}", 1)
	m, err := manifest.Parse("m.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range retention.PlanFor(m).Kinds {
		if k.EventType == "Products Searched" && (!slices.Contains(k.Fields[0].Purposes, "marketing.communications.email") || k.Fields[0].Days != 90) {
			t.Errorf("beneath: %+v", k.Fields[0])
		}
	}
}
