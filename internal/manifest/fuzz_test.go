package manifest_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

// FuzzParse: any input gives a manifest or located errors, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(manifest.DefaultYAML())
	if b, err := os.ReadFile("testdata/planted.yaml"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{"", "version: 1", "version: [", "a: &x [*x]", "version: 1\nevents:\n  x: {p: {category: user, purposes: [nope]}}",
		"version: 1\nrecipients: [{name: a, countries: [US], transfer: t}]\ntransfers: {t: {kind: sccs}}", "- - - -", "version: 1\nevents:\n  a: &f {x: &v {category: system.operations, purposes: &p [&s essential.service, *s]}, y: *v}\n  b: *f\n", "version: 1\ncategories: {user.x: {grade: weird}}",
		// hierarchies: a tree, a label under two parents, a wrong label count, a star, an unknown trait
		"version: 1\nevents:\n  identify:\n    traits.city: {category: user, purposes: [analytics.reporting]}\nhierarchies:\n  city:\n    levels: [p, c]\n    values: {a: [x, C], b: [x, C]}\n",
		"version: 1\nevents:\n  identify:\n    traits.city: {category: user, purposes: [analytics.reporting]}\nhierarchies:\n  city:\n    levels: [p, c]\n    values: {a: [x, C], b: [x, D], c: [y], '*': ['*', z]}\n",
		"version: 1\nhierarchies:\n  nosuch: {levels: [a], values: {x: [y]}}\n  ~: [1]\n",
		"version: 1\nevents:\n  a: {x: {category: system.operations, purposes: [essential.service]}}\nlabels:\n  events: {a: {en: A, zh-CN: 甲}}\n  fields: {x: {en: X}}\n",
		// on_expiry and transfer evidence (issue 26)
		"version: 1\non_expiry: {user.behavior: anonymise, user.contact.email: anonymise, user.x: delete, user.device: [1]}\n",
		"version: 1\ntransfers: {t: {kind: standard_contract, countries: [DE], reference: r, filed: 2025-02-30, valid_until: 2024-01-01}}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := manifest.Parse("f.yaml", data)
		if err == nil {
			if m == nil || len(m.Hash()) != 64 {
				t.Fatal("nil manifest without error")
			}
			return
		}
		var el *manifest.ErrorList
		if !errors.As(err, &el) || len(el.Errors) == 0 {
			t.Fatalf("error without locations: %v", err)
		}
		for _, e := range el.Errors {
			if e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Fatalf("unlocated error %+v", e)
			}
		}
	})
}

// FuzzCheckTag: any tag definition arriving as JSON through the API is accepted or refused
// with reasons, never a panic; an accepted one compiles its terms.
func FuzzCheckTag(f *testing.F) {
	m := manifest.Default()
	f.Add(`{"name":"viewer","kind":"rule","expression":"count(\"Product Viewed\", 7d) >= 1","categories":["user.behavior"],"purpose":"personalize.content","ttl":"7d","refresh":"1h"}`)
	f.Add(`{"name":"top","kind":"statistical","measure":"sum(\"Order Completed\", \"revenue\", 90d)","quantile":0.9,"categories":["user.behavior"],"purpose":"personalize.content","ttl":"7d","refresh":"1h"}`)
	f.Add(`{"name":"m","kind":"model","model":{"features":[{"term":"count(\"Product Added\", 30d)","weight":1e308}],"intercept":-1,"threshold":0.5},"categories":["user.behavior"],"purpose":"marketing.advertising.profiling","ttl":"7d","refresh":"1h"}`)
	f.Add(`{"name":"p","kind":"rule","expression":"tag(\"p\") or not (","categories":["user.health_and_medical"],"purpose":"marketing.advertising.profiling","ttl":"0d","refresh":"-1h"}`)
	f.Add(`{"kind":"statistical","measure":"trait(\"city\")","quantile":1}`)
	f.Fuzz(func(t *testing.T, data string) {
		var tag manifest.Tag
		if json.Unmarshal([]byte(data), &tag) != nil {
			return
		}
		err := m.CheckTag(tag, []string{"repeat_buyer"})
		if err != nil {
			var te *manifest.TagError
			if !errors.As(err, &te) || len(te.Problems) == 0 || err.Error() == "" {
				t.Fatalf("refusal without reasons: %v", err)
			}
			return
		}
		if _, _, err := tag.Terms(); err != nil {
			t.Fatalf("accepted tag whose terms do not parse: %v", err)
		}
		if _, err := manifest.ParsePeriod(tag.TTL); err != nil {
			t.Fatalf("accepted tag with bad ttl: %v", err)
		}
	})
}
