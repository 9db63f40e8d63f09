package manifest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

// PM-01, NC-02: the embedded manifest is consistent and covers the demo's events.
func TestDefault(t *testing.T) {
	m, err := manifest.Parse("default.yaml", manifest.DefaultYAML())
	if err != nil {
		t.Fatal(err)
	}
	if m.Version() != 1 || len(m.Hash()) != 64 {
		t.Fatalf("version %d hash %q", m.Version(), m.Hash())
	}
	for _, ev := range []string{"page", "identify", "Product Viewed", "Product Added", "Order Completed", "Products Searched"} {
		if _, ok := m.Events[ev]; !ok {
			t.Errorf("default lacks event %q", ev)
		}
	}
	f, ok := m.FieldFor(manifest.EventType("track", "Order Completed"), "properties.revenue")
	if !ok || f.Category != "user.behavior.purchase_history" || !slices.Contains(f.Purposes, "analytics.reporting") {
		t.Fatalf("revenue: %+v %v", f, ok)
	}
	if f, ok := m.FieldFor("identify", "traits.email"); !ok || f.Category != "user.contact.email" {
		t.Fatalf("email: %+v", f)
	}
	if f, ok := m.FieldFor("Product Added", "context.ip"); !ok || f.Category != "user.device.ip_address" {
		t.Fatalf("common field: %+v %v", f, ok)
	}
	if _, ok := m.FieldFor("Product Viewed", "properties.secret"); ok {
		t.Fatal("unlisted field allowed")
	}
	if _, ok := m.FieldFor("Unknown Event", "context.ip"); ok {
		t.Fatal("undeclared event type allowed")
	}
	for _, c := range []string{"Analytics", "Personalization", "Advertising", "ThirdPartySharing", "CrossBorder"} {
		if len(m.ConsentPurposes(c)) == 0 {
			t.Errorf("no purposes for %s", c)
		}
	}
	if manifest.EventType("page", "") != "page" || manifest.EventType("identify", "x") != "identify" {
		t.Fatal("EventType")
	}
	if manifest.Default().Hash() != m.Hash() {
		t.Fatal("hash not deterministic")
	}
}

func TestHashAndDiff(t *testing.T) {
	a := manifest.Default()
	// Same meaning, different layout: same hash.
	re := strings.Replace(string(manifest.DefaultYAML()), "home: CN", "home: cn   # lower case", 1)
	b, err := manifest.Parse("b.yaml", []byte(re))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() || len(manifest.Diff(a, b)) != 0 {
		t.Fatalf("layout changed the hash: %v", manifest.Diff(a, b))
	}
	changed := strings.Replace(string(manifest.DefaultYAML()), "version: 1", "version: 2", 1)
	changed = strings.Replace(changed, "  personalize.content:\n    retention_days: 180", "  personalize.content:\n    retention_days: 30", 1)
	c, err := manifest.Parse("c.yaml", []byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash() == a.Hash() {
		t.Fatal("hash unchanged")
	}
	d := manifest.Diff(a, c)
	var paths []string
	for _, ch := range d {
		paths = append(paths, ch.String())
	}
	if len(d) != 2 || d[0].Path != "purposes.personalize.content.RetentionDays" || d[0].From != "180" || d[0].To != "30" || d[1].Path != "version" {
		t.Fatalf("diff: %v", paths)
	}
}

func errorsOf(t *testing.T, src string) []manifest.Error {
	t.Helper()
	_, err := manifest.Parse("t.yaml", []byte(src))
	var el *manifest.ErrorList
	if !errors.As(err, &el) {
		t.Fatalf("want *ErrorList, got %v", err)
	}
	return el.Errors
}

// Each rule of issue 3 item 2 yields a located error.
func TestErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"marketing reads sensitive", "version: 1\nevents:\n  x:\n    properties.p: {category: user.health_and_medical, purposes: [marketing.advertising.profiling]}\n", "3:... marketing purpose"},
		{"no basis", "version: 1\npurposes:\n  my.purpose:\n    retention_days: 10\n    statement: {zh: 甲, en: a}\n", "3:3: purpose my.purpose has no legal basis"},
		{"no statement", "version: 1\npurposes:\n  my.purpose:\n    basis: consent\n    retention_days: 10\n", "3:3: purpose my.purpose needs a plain statement"},
		{"retention too long", "version: 1\npurposes:\n  analytics.reporting:\n    retention_days: 4000\n", "4:21: purpose analytics.reporting: retention 4000 days is longer"},
		{"abroad without mechanism", "version: 1\nrecipients:\n  - name: X\n    purposes: [analytics.reporting]\n    countries: [US]\n", "5:17: recipient X is abroad (US)"},
		{"field without category", "version: 1\nevents:\n  x:\n    properties.p: {purposes: [analytics.reporting]}\n", "4:5: event \"x\" field properties.p has no category"},
		{"unknown key", "version: 1\nevnets: {}\n", "2:1: manifest: unknown key \"evnets\""},
		{"bad yaml", "version: 1\nevents: [\n", "invalid YAML"},
		{"unknown purpose", "version: 1\nconsent:\n  Analytics: [nosuch]\n", "3:15: unknown purpose \"nosuch\""},
		{"unknown category", "version: 1\nevents:\n  x:\n    p: {category: nosuch.key, purposes: [analytics.reporting]}\n", "unknown category"},
		{"retention beyond purposes", "version: 1\nevents:\n  x:\n    p: {category: user.behavior.search_history, purposes: [personalize.content]}\nretention:\n  user.behavior.search_history: 999\n", "6:33: retention of user.behavior.search_history (999 days) is longer"},
		{"published flag cleared", "version: 1\npurposes:\n  marketing.advertising.profiling:\n    marketing: false\n", "4:16: purpose marketing.advertising.profiling: marketing of a published purpose cannot be switched off"},
		{"missing version", "home: CN\n", "1:1: missing version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := errorsOf(t, tc.src)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
				if e.Line < 1 || e.Col < 1 {
					t.Errorf("unlocated: %v", e)
				}
			}
			want := tc.want
			if i := strings.Index(want, "..."); i >= 0 {
				want = want[i+4:]
			}
			joined := strings.Join(got, "\n")
			if !strings.Contains(joined, want) {
				t.Fatalf("want %q in\n%s", tc.want, joined)
			}
		})
	}
}

// The planted manifest has exactly five mistakes, each reported at its own place.
func TestPlanted(t *testing.T) {
	err := manifest.CheckFile("testdata/planted.yaml")
	var el *manifest.ErrorList
	if !errors.As(err, &el) {
		t.Fatalf("want errors, got %v", err)
	}
	want := []string{
		"testdata/planted.yaml:11:3: purpose loyalty.points has no legal basis",
		"testdata/planted.yaml:15:21: purpose personalize.content: retention 900 days is longer than the purpose allows (180 days)",
		"testdata/planted.yaml:21:5: event \"Product Viewed\" field properties.discount has no category",
		"testdata/planted.yaml:24:76: event \"Order Completed\" field properties.health_note: marketing purpose marketing.advertising.profiling reads sensitive category user.health_and_medical",
		"testdata/planted.yaml:30:17: recipient Overseas Ads Inc is abroad (US) but names no transfer mechanism",
	}
	var got []string
	for _, e := range el.Errors {
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestConsentsAndEventType(t *testing.T) {
	m := manifest.Default()
	got := m.Consents(map[string]bool{"Analytics": true, "Advertising": false, "Bogus": true})
	if !got["analytics.reporting"] || got["marketing.advertising.profiling"] || len(got) != 4 {
		t.Fatalf("consents %v", got)
	}
	for _, tc := range [][3]string{{"track", "Order Completed", "Order Completed"}, {"page", "", "page"}, {"screen", "Home", "screen"},
		{"identify", "", "identify"}, {"group", "", "group"}, {"alias", "", "alias"}} {
		if got := manifest.EventType(tc[0], tc[1]); got != tc[2] {
			t.Errorf("EventType(%q, %q) = %q", tc[0], tc[1], got)
		}
	}
}
