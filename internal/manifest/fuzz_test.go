package manifest_test

import (
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
		"version: 1\nrecipients: [{name: a, countries: [US], transfer: t}]\ntransfers: {t: {kind: sccs}}", "- - - -", "version: 1\ncategories: {user.x: {grade: weird}}"} {
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
