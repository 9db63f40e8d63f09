package manifest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

func TestDefaultManifestDeclaresCheckedTags(t *testing.T) {
	m := manifest.Default()
	var names []string
	for _, tag := range m.Tags {
		names = append(names, tag.Name+":"+tag.Kind)
	}
	if got := strings.Join(names, ","); got != "repeat_buyer:rule,high_spender:statistical,likely_to_buy:model,recent_buyer:rule" {
		t.Fatalf("default tags = %s", got)
	}
}

// A marketing or profiling tag built on a sensitive category is refused with a message that
// names the category (issue 8 item 2; PIPL Art. 28-29).
func TestCheckTagRefusesMarketingOnSensitiveCategories(t *testing.T) {
	m := manifest.Default()
	base := manifest.Tag{Kind: manifest.TagRule, TTL: "30d", Refresh: "1d", UserVisible: true, Deletable: true}
	pregnant := base
	pregnant.Name, pregnant.Purpose = "pregnant", "marketing.advertising.profiling"
	pregnant.Expression = `count("Order Completed", 90d) >= 1`
	pregnant.Categories = []string{"user.behavior.purchase_history.baby", "user.health_and_medical.pregnancy"}
	err := m.CheckTag(pregnant, nil)
	var te *manifest.TagError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "sensitive category user.health_and_medical.pregnancy") {
		t.Fatalf("pregnant tag: %v", err)
	}
	// The same definition for an essential purpose is not marketing: the sensitive-category
	// rule does not fire (other rules may).
	pregnant.Purpose = "essential.service"
	if err := m.CheckTag(pregnant, nil); err != nil && strings.Contains(err.Error(), "sensitive category") {
		t.Fatalf("essential purpose refused for sensitivity: %v", err)
	}

	// "Chronic illness" from pharmacy purchases, in a manifest that collects them for the
	// pharmacy service only.
	pharm, err := manifest.Parse("pharmacy.yaml", []byte(`version: 1
events:
  Pharmacy Purchase:
    properties.items: {category: user.health_and_medical, purposes: [essential.service]}
`))
	if err != nil {
		t.Fatal(err)
	}
	chronic := base
	chronic.Name, chronic.Purpose = "chronic_illness", "personalize.content"
	chronic.Expression = `count("Pharmacy Purchase", 365d) >= 6`
	chronic.Categories = []string{"user.behavior.purchase_history"}
	err = pharm.CheckTag(chronic, nil)
	if err == nil || !strings.Contains(err.Error(), "sensitive category user.health_and_medical") {
		t.Fatalf("chronic illness tag: %v", err)
	}
	if !strings.Contains(err.Error(), `event "Pharmacy Purchase" is not collected for personalize.content`) {
		t.Fatalf("chronic illness tag: purpose mismatch not reported: %v", err)
	}
}

func TestCheckTagProblems(t *testing.T) {
	m := manifest.Default()
	ok := manifest.Tag{Name: "viewer", Kind: manifest.TagRule, Expression: `count("Product Viewed", 7d) >= 1`,
		Categories: []string{"user.behavior"}, Purpose: "personalize.content", TTL: "7d", Refresh: "1h", UserVisible: true, Deletable: true}
	if err := m.CheckTag(ok, nil); err != nil {
		t.Fatalf("valid tag refused: %v", err)
	}
	cases := []struct {
		edit func(*manifest.Tag)
		want string
	}{
		{func(t *manifest.Tag) { t.UserVisible = false }, "must be visible to the people it is used on"},
		{func(t *manifest.Tag) { t.Name = "Bad Name" }, "name must be"},
		{func(t *manifest.Tag) { t.Kind = "magic" }, "kind must be"},
		{func(t *manifest.Tag) { t.Purpose = "nope" }, `unknown purpose "nope"`},
		{func(t *manifest.Tag) { t.TTL = "400d" }, "outlives the 180-day retention of personalize.content"},
		{func(t *manifest.Tag) { t.Refresh = "soon" }, "refresh:"},
		{func(t *manifest.Tag) { t.Categories = []string{"user.contact"} }, "reads user.behavior.browsing_history but does not declare it"},
		{func(t *manifest.Tag) { t.Expression = `count(Product Viewed, 7d)` }, "1:"},
		{func(t *manifest.Tag) { t.Expression = `trait("email") == "x"` }, `trait "email"`},
		{func(t *manifest.Tag) { t.Expression = `sum("Order Completed", "shipping", 30d) > 1` }, "may not serve personalize.content"},
		{func(t *manifest.Tag) { t.Expression = `tag("ghost")` }, `unknown tag "ghost"`},
		{func(t *manifest.Tag) { t.Expression = `tag("viewer")` }, "may not refer to itself"},
		{func(t *manifest.Tag) {
			t.Kind, t.Expression, t.Measure, t.Quantile = "statistical", "", `count("Product Viewed", 7d)`, 1.5
		}, "quantile"},
		{func(t *manifest.Tag) {
			t.Kind, t.Expression = "model", ""
			t.Model = &manifest.Model{Features: []manifest.Feature{{Term: `count("Product Viewed", 7d)`, Weight: 1}}, Threshold: 2}
		}, "threshold"},
	}
	for _, c := range cases {
		tag := ok
		c.edit(&tag)
		err := m.CheckTag(tag, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}

// Tags in the file are located like every other manifest mistake.
func TestManifestTagErrorsAreLocated(t *testing.T) {
	src := `version: 1
tags:
  pregnant:
    kind: rule
    expression: count("Order Completed", 90d) >= 1
    categories: [user.health_and_medical.pregnancy, user.behavior.purchase_history]
    purpose: marketing.advertising.profiling
    ttl: 30d
    refresh: 1d
`
	_, err := manifest.Parse("t.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:6:") || !strings.Contains(err.Error(), "sensitive category user.health_and_medical.pregnancy") {
		t.Fatalf("got %v", err)
	}
}
