package taxonomy_test

import (
	"testing"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// SG-01: PIPL Art. 28 kinds are sensitive by default.
func TestArt28Sensitive(t *testing.T) {
	tx := taxonomy.Default()
	for _, k := range []string{"user.biometric", "user.religious_belief", "user.government_id", "user.health_and_medical",
		"user.financial", "user.financial.bank_account", "user.payment", "user.location.precise", "user.childrens"} {
		c, ok := tx.Category(k)
		if !ok || c.Grade != taxonomy.Sensitive || c.Art28 == "" {
			t.Errorf("%s: %+v, %v; want sensitive with an Art. 28 kind", k, c, ok)
		}
	}
	for _, k := range []string{"user.contact.email", "user.behavior.browsing_history", "user.location.imprecise", "user.demographic.age_range"} {
		if c, _ := tx.Category(k); c.Grade != taxonomy.Private {
			t.Errorf("%s: grade %s, want private", k, c.Grade)
		}
	}
}

func TestInheritance(t *testing.T) {
	tx := taxonomy.Default()
	c, ok := tx.Category("user.health_and_medical.pregnancy")
	if !ok || c.Grade != taxonomy.Sensitive || c.Key != "user.health_and_medical.pregnancy" {
		t.Fatalf("inherited: %+v %v", c, ok)
	}
	if _, ok := tx.Category("nosuch.thing"); ok {
		t.Fatal("unknown root resolved")
	}
	if err := tx.AddCategory(taxonomy.Category{Key: "user.health_and_medical.pregnancy", Grade: taxonomy.Private}); err == nil {
		t.Fatal("lowered a sensitive grade")
	}
	if err := tx.AddCategory(taxonomy.Category{Key: "shop.loyalty"}); err == nil {
		t.Fatal("accepted a category outside the published roots")
	}
	if err := tx.AddCategory(taxonomy.Category{Key: "user.behavior.purchase_history.baby"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := tx.Category("user.behavior.purchase_history.baby"); c.Grade != taxonomy.Private || !tx.Declared(c.Key) {
		t.Fatalf("extension: %+v", c)
	}
	if taxonomy.Default().Declared("user.behavior.purchase_history.baby") {
		t.Fatal("Default shares state between calls")
	}
}

// NC-02: every published purpose has a basis, both statements and a retention limit.
func TestPurposesComplete(t *testing.T) {
	ps := taxonomy.Default().Purposes()
	if len(ps) < 10 {
		t.Fatalf("%d purposes", len(ps))
	}
	for _, p := range ps {
		if !p.Basis.Valid() || p.StatementZH == "" || p.StatementEN == "" || p.MaxRetentionDays <= 0 {
			t.Errorf("%s incomplete: %+v", p.Key, p)
		}
		if p.Basis == taxonomy.LegitimateInterest && len(p.LIJurisdictions) == 0 {
			t.Errorf("%s: legitimate interest without jurisdictions", p.Key)
		}
	}
	tx := taxonomy.Default()
	for _, k := range []string{taxonomy.PurposeThirdPartySharing, taxonomy.PurposeCrossBorderTransfer} {
		if p, _ := tx.Purpose(k); !p.SeparateConsent {
			t.Errorf("%s without separate consent", k)
		}
	}
	if p, _ := tx.Purpose("marketing.advertising.first_party"); !p.Advertising() || !p.Marketing {
		t.Error("first-party ads not advertising")
	}
	if p, _ := tx.Purpose("personalize.content"); p.Advertising() || !p.Targeting {
		t.Error("personalize.content flags")
	}
}
