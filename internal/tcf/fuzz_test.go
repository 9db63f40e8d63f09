package tcf_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/stewardhq/steward/internal/tcf"
)

// FuzzDecode checks that Decode never panics, rejects only with a classified
// *DecodeError, and that whatever it accepts is well-formed and usable by the
// consent functions. Seeds: every vector and malformed string, plus the
// committed corpus in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, v := range loadJSON[[]vector](f, "testdata/vectors.json") {
		f.Add(v.TCString)
	}
	for _, c := range loadJSON[[]malformedCase](f, "testdata/malformed.json") {
		f.Add(c.TCString)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tc, err := tcf.Decode(s)
		if err != nil {
			var de *tcf.DecodeError
			if !errors.As(err, &de) || de.Reason == "" || de.Detail == "" || !errors.Is(err, tcf.ErrMalformed) {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			if tc != nil {
				t.Fatal("Decode returned both a value and an error")
			}
			return
		}
		checkIDs(t, "purpose_consents", tc.PurposeConsents, 24)
		checkIDs(t, "purpose_legitimate_interests", tc.PurposeLegitimateInterests, 24)
		checkIDs(t, "special_feature_optins", tc.SpecialFeatureOptIns, 12)
		checkIDs(t, "vendor_consents", tc.VendorConsents, 65535)
		checkIDs(t, "vendor_legitimate_interests", tc.VendorLegitimateInterests, 65535)
		checkIDs(t, "vendors_disclosed", tc.VendorsDisclosed, 65535)
		// Legitimate interest for 3-6 decodes (as the reference library does), is
		// reported, and never grants anything.
		for _, p := range []int{3, 4, 5, 6} {
			if slices.Contains(tc.PurposeLegitimateInterests, p) && !slices.Contains(tc.PolicyViolations, tcf.ViolationLegitimateInterest) {
				t.Fatalf("legitimate interest for purpose %d not reported as a policy violation", p)
			}
		}
		for _, v := range []int{0, 1, 755} {
			for key, ok := range tcf.LegitimateInterests(tc, v) {
				for _, m := range tcf.Mappings() {
					if ok && m.ID >= 3 && m.ID <= 6 && m.Kind == tcf.KindPurpose && slices.Contains(m.Keys, key) && !m.LegitimateInterest {
						t.Fatalf("legitimate interest for %s (TCF purpose %d) treated as established", key, m.ID)
					}
				}
			}
		}
		if tc.PolicyVersion < 4 || len(tc.ConsentLanguage) != 2 || len(tc.PublisherCC) != 2 {
			t.Fatalf("accepted policy %d, language %q, country %q", tc.PolicyVersion, tc.ConsentLanguage, tc.PublisherCC)
		}
		if !tc.HasDisclosedVendors && len(tc.VendorsDisclosed) != 0 {
			t.Fatal("disclosed vendors without the segment")
		}
		for _, r := range tc.PublisherRestrictions {
			if r.Purpose < 1 || r.Type < tcf.NotAllowed || r.Type > tcf.RequireLegitimateInterest {
				t.Fatalf("accepted restriction %+v", r)
			}
			for _, rg := range r.Vendors {
				if rg.Start < 1 || rg.End < rg.Start || rg.End > 65535 {
					t.Fatalf("accepted restriction range %+v", rg)
				}
			}
		}
		if p := tc.Publisher; p != nil {
			checkIDs(t, "publisher purposes", p.PurposeConsents, 24)
			checkIDs(t, "publisher custom purposes", p.CustomPurposeConsents, p.NumCustomPurposes)
			checkIDs(t, "publisher custom LI", p.CustomPurposeLegitimateInterests, p.NumCustomPurposes)
		}
		if _, err := json.Marshal(tc); err != nil {
			t.Fatal(err)
		}
		again, err := tcf.Decode(s)
		if err != nil || !reflect.DeepEqual(tc, again) {
			t.Fatal("Decode is not deterministic")
		}
		for _, v := range []int{0, 1, 755, 65535} {
			if len(tcf.Consents(tc, v)) != len(tcf.LegitimateInterests(tc, v)) {
				t.Fatal("Consents and LegitimateInterests cover different purposes")
			}
		}
		tcf.PublisherConsents(tc)
		tcf.CategoryOptIns(tc)
	})
}

func checkIDs(t *testing.T, name string, ids []int, maxID int) {
	t.Helper()
	if ids == nil {
		t.Fatalf("%s is nil", name)
	}
	for i, id := range ids {
		if id < 1 || id > maxID || i > 0 && ids[i-1] >= id {
			t.Fatalf("%s = %v: not strictly ascending ids in 1..%d", name, ids, maxID)
		}
	}
}
