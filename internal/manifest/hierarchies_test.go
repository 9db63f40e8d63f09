package manifest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
)

// The default manifest declares the city hierarchy over every city the demo shop sends, and
// dates are a field type (issue 21 item 3).
func TestDefaultManifestDeclaresCityHierarchy(t *testing.T) {
	m := manifest.Default()
	h, ok := m.HierarchyFor("traits.address.city")
	if !ok || h.Trait != "address.city" || strings.Join(h.Levels, ",") != "province,region,country,continent" {
		t.Fatalf("city hierarchy: %+v %v", h, ok)
	}
	rows := h.Rows()
	if len(rows) != 66 || strings.Join(rows[0], ",") != "上海,上海市,华东,CN,Asia" {
		t.Fatalf("%d rows, first %v", len(rows), rows[0])
	}
	if got := strings.Join(h.Values["San Jose"], ","); got != "CA,US,US,North America" {
		t.Fatalf("San Jose: %s", got)
	}
	if f, ok := m.TraitField("createdAt"); !ok || f.Type != "date" || f.Category != "user.account" {
		t.Fatalf("createdAt: %+v %v", f, ok)
	}
	if _, ok := m.HierarchyFor("traits.gender"); ok {
		t.Fatal("gender has no declared hierarchy")
	}
}

// A manifest written before the hierarchies section existed keeps its hash: the section is
// left out of the canonical form when empty. The pinned hash is the one main computed for
// this file before the section was added.
func TestHierarchiesKeepOldHashes(t *testing.T) {
	b, err := os.ReadFile("testdata/before-hierarchies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	old, err := manifest.Parse("old.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	if got := old.Hash(); got != "729b4d6d3c5079f267f812b1731bebd9b6813144d6b0169a58ed926e9e04475a" {
		t.Fatalf("hash of a manifest without hierarchies changed: %s", got)
	}
	if strings.Contains(string(old.Canonical()), "hierarchies") {
		t.Fatal("empty hierarchies in the canonical form")
	}
	// Adding a hierarchy changes the hash, and the diff names it.
	with, err := manifest.Parse("new.yaml", append(b, []byte("hierarchies:\n  gender:\n    levels: [any]\n    values: {female: [person], male: [person]}\n")...))
	if err != nil {
		t.Fatal(err)
	}
	if with.Hash() == old.Hash() {
		t.Fatal("a hierarchy did not change the hash")
	}
	var paths []string
	for _, c := range manifest.Diff(old, with) {
		paths = append(paths, c.Path)
	}
	if strings.Join(paths, " ") != "hierarchies.traits.gender.levels hierarchies.traits.gender.values.female hierarchies.traits.gender.values.male" {
		t.Fatalf("diff: %v", paths)
	}
	// Layout and order do not matter.
	reordered, err := manifest.Parse("r.yaml", append(b, []byte("hierarchies:\n  gender:\n    values:\n      male: [person]\n      female: [person]\n    levels: [any]\n")...))
	if err != nil {
		t.Fatal(err)
	}
	if reordered.Hash() != with.Hash() {
		t.Fatal("value order changed the hash")
	}
}

// Every rule of the hierarchies section is a located error.
func TestHierarchyErrors(t *testing.T) {
	const head = "version: 1\nevents:\n  identify:\n    traits.address.city: {category: user.contact.address.city, purposes: [analytics.reporting]}\n" +
		"    traits.age: {category: user.demographic.age_range, type: number, purposes: [analytics.reporting]}\n"
	for _, tc := range []struct{ name, src, want string }{
		{"unknown trait", "hierarchies:\n  planet:\n    levels: [a]\n    values: {x: [y]}\n", "7:3: hierarchy planet: \"planet\" is not a trait of the identify event"},
		{"number", "hierarchies:\n  age:\n    levels: [a]\n    values: {x: [y]}\n", "7:3: hierarchy age: traits.age is a number; its hierarchy is built from the data"},
		{"no levels", "hierarchies:\n  city:\n    values: {x: [y]}\n", "7:3: hierarchy city has no levels"},
		{"no values", "hierarchies:\n  city:\n    levels: [a]\n", "7:3: hierarchy city has no values"},
		{"empty values", "hierarchies:\n  city:\n    levels: [a]\n    values: {}\n", "9:13: hierarchy city lists no values"},
		{"level twice", "hierarchies:\n  city:\n    levels: [a, a]\n    values: {x: [y, z]}\n", "8:17: hierarchy city: level \"a\" named twice"},
		{"wrong count", "hierarchies:\n  city:\n    levels: [province, country]\n    values:\n      上海: [上海市]\n", "10:11: hierarchy city: value \"上海\" has 1 labels for 2 levels (province, country)"},
		{"star label", "hierarchies:\n  city:\n    levels: [a]\n    values: {x: ['*']}\n", "9:18: hierarchy city: value \"x\": \"*\" is reserved"},
		{"star value", "hierarchies:\n  city:\n    levels: [a]\n    values: {'*': [y]}\n", "9:14: hierarchy city: \"*\" is reserved and cannot be a value"},
		{"empty label", "hierarchies:\n  city:\n    levels: [a]\n    values: {x: ['']}\n", "9:18: hierarchy city value x entry must be a non-empty string"},
		{"not a tree", "hierarchies:\n  city:\n    levels: [province, country]\n    values:\n      深圳: [广东省, CN]\n      广州: [广东省, HK]\n", "11:17: hierarchy city: province \"广东省\" lies under country \"HK\" here but under \"CN\" for value \"深圳\""},
		{"twice", "hierarchies:\n  city:\n    levels: [a]\n    values: {x: [y]}\n  address.city:\n    levels: [a]\n    values: {x: [y]}\n", "10:3: hierarchy address.city: traits.address.city already has a hierarchy (city)"},
		{"bad type", "hierarchies:\n  city:\n    levels: [a]\n    values: {x: [y]}\n    depth: 3\n", "10:5: hierarchy city: unknown key \"depth\""},
		{"duplicate value", "hierarchies:\n  city:\n    levels: [a]\n    values:\n      x: [y]\n      x: [z]\n", "11:7: hierarchy city values: duplicate key \"x\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range errorsOf(t, head+tc.src) {
				got = append(got, e.Error())
			}
			joined := strings.Join(got, "\n")
			if !strings.Contains(joined, "t.yaml:"+tc.want) {
				t.Fatalf("want %q in\n%s", tc.want, joined)
			}
		})
	}
	// The date type is accepted, other types are not.
	if _, err := manifest.Parse("d.yaml", []byte("version: 1\nevents:\n  identify:\n    traits.createdAt: {category: user.account, type: date, purposes: [analytics.reporting]}\n")); err != nil {
		t.Fatal(err)
	}
	if errs := errorsOf(t, "version: 1\nevents:\n  identify:\n    traits.createdAt: {category: user.account, type: time, purposes: [analytics.reporting]}\n"); !strings.Contains(errs[0].Msg, "type is string, number or date") {
		t.Fatalf("%v", errs)
	}
}
