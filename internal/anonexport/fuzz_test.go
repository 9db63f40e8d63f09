package anonexport_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/anonexport"
	"github.com/stewardhq/steward/internal/anonymise"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/profile"
)

// FuzzPreview: whatever the request and whatever people's values (odd cities, dates that
// are not dates, numbers out of range, "*" itself), a preview answers or refuses with one of
// the package's or the engine's errors, never a panic; an answer meets k.
func FuzzPreview(f *testing.F) {
	f.Add("上海", "2024-03-05T10:00:00Z", 3.0, uint8(0b0111), uint8(0), 5, 0, 0.0, 0.05, "")
	f.Add("*", "not a date", 1e300, uint8(0b1111), uint8(3), 2, 2, 0.3, 0.5, "recursive")
	f.Add("", "2024-03-05", -0.5, uint8(0b0001), uint8(2), 1, 3, 2.0, 1.5, "fuzzy")
	f.Add("Atlantis", "2024-02-30", 9.9e18, uint8(0b1010), uint8(1), 40, 0, -1.0, 0.0, "entropy")
	cols := []string{"trait:address.city", "trait:createdAt", "attribute:" + orders90, "tag:recent_buyer", "trait:gender"}
	m := manifest.Default()
	f.Fuzz(func(t *testing.T, city, created string, orders float64, qiMask, sens uint8, k, l int, tv, supp float64, variant string) {
		s := newShop(m)
		s.populate(24)
		for i := range 6 { // six people with the fuzzed values, enough to form a class of 5
			p := s.people[fmt.Sprintf("s%03d", i)]
			p.Traits["address.city"], p.Traits["createdAt"] = city, created
			p.Attributes = []profile.Attribute{{Name: orders90, Value: orders}}
			s.people[fmt.Sprintf("s%03d", i)] = p
		}
		spec := anonexport.Spec{Purpose: "analytics.reporting", K: k, L: l, LVariant: variant, Suppression: supp}
		for i, c := range cols {
			if qiMask&(1<<i) != 0 {
				spec.QuasiIdentifiers = append(spec.QuasiIdentifiers, c)
			}
		}
		if int(sens) < len(cols) {
			spec.Sensitive = cols[sens]
		}
		if tv >= 0 {
			spec.T = &tv
		}
		p, err := s.service().Preview(ctx, spec)
		if err != nil {
			for _, known := range []error{anonexport.ErrInvalid, anonexport.ErrNoPeople, anonymise.ErrUnsatisfiable, anonymise.ErrHierarchy, anonymise.ErrTooLarge} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("%+v: unexpected error %v", spec, err)
		}
		if p.Report.Records != 24 || !strings.Contains(p.Models[0], "-anonymity") {
			t.Fatalf("%+v: report %+v", spec, p.Report)
		}
		if a := p.Report.Risk.After; a.Records > 0 && a.ProsecutorHighest > 1/float64(k)+1e-9 {
			t.Fatalf("%+v: a class of %g after %d-anonymity", spec, 1/a.ProsecutorHighest, k)
		}
	})
}
