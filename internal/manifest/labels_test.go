package manifest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

// Issue 18 item 5: every event type and field of the default manifest has a label in both
// languages, so a Chinese privacy center never shows an English event name.
func TestDefaultLabelsEverything(t *testing.T) {
	m := manifest.Default()
	for et, e := range m.Events {
		for _, lang := range []string{"en", "zh-CN"} {
			if !m.HasEventLabel(et, lang) {
				t.Errorf("event %q has no %s label", et, lang)
			}
		}
		for path := range e.Fields {
			if _, ok := m.FieldLabel(path, "zh-CN"); !ok {
				t.Errorf("field %q of %q has no label", path, et)
			}
		}
	}
	if got := m.EventLabel("Order Completed", "zh-CN"); got != "下单" {
		t.Fatalf("zh-CN label %q", got)
	}
	if got := m.EventLabel("Order Completed", "en"); got != "Orders placed" {
		t.Fatalf("en label %q", got)
	}
	// Labels are display text: relabelling does not change the manifest's hash.
	other, err := manifest.Parse("x.yaml", []byte(strings.Replace(string(manifest.DefaultYAML()), "Orders placed", "Orders", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if other.Hash() != m.Hash() || other.EventLabel("Order Completed", "en") != "Orders" {
		t.Fatal("a label change changed the hash, or was not read")
	}
}

func TestLabelsRefusals(t *testing.T) {
	base := "version: 1\nevents:\n  Order Completed:\n    properties.total: {category: user.behavior.purchase_history, purposes: [essential.service]}\n"
	for _, c := range []struct{ labels, want string }{
		{"labels:\n  events:\n    Order Shipped: {en: Shipped}\n", `event "Order Shipped" is not declared`},
		{"labels:\n  fields:\n    properties.secret: {en: Secret}\n", `no event carries a field "properties.secret"`},
		{"labels:\n  events:\n    Order Completed: {fr: Commandes}\n", `unknown key "fr"`},
		{"labels:\n  events:\n    Order Completed: {en: \"\"}\n", "must be a non-empty string"},
		{"labels:\n  colours: {}\n", `unknown key "colours"`},
	} {
		_, err := manifest.Parse("m.yaml", []byte(base+c.labels))
		var el *manifest.ErrorList
		if !errors.As(err, &el) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.labels, err, c.want)
		}
	}
	m, err := manifest.Parse("m.yaml", []byte(base+"labels:\n  events:\n    Order Completed: {en: Orders}\n  fields:\n    properties.total: {zh-CN: 总额}\n"))
	if err != nil {
		t.Fatal(err)
	}
	// A label in one language stands in for the other; an unlabelled type names itself.
	if m.EventLabel("Order Completed", "zh-CN") != "Orders" || m.EventLabel("page", "en") != "page" {
		t.Fatal("fallbacks")
	}
	if l, ok := m.FieldLabel("properties.total", "en"); !ok || l != "总额" {
		t.Fatalf("field fallback %q %v", l, ok)
	}
}
