package tcf_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/stewardhq/steward/internal/tcf"
)

// decodeVector decodes the reference-library vector with the given name.
func decodeVector(t *testing.T, name string) *tcf.TCString {
	t.Helper()
	for _, v := range loadJSON[[]vector](t, "testdata/vectors.json") {
		if v.Name == name {
			tc, err := tcf.Decode(v.TCString)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return tc
		}
	}
	t.Fatalf("no vector %q", name)
	return nil
}

// keysOf lists the Steward purposes of TCF purposes ps.
func keysOf(ps ...int) []string {
	var out []string
	for _, p := range ps {
		out = append(out, tcf.PurposeKeys(p)...)
	}
	return out
}

// assertGrants checks that exactly the keys of the given TCF purposes are
// true and every other mapped purpose is present and false.
func assertGrants(t *testing.T, what string, got map[string]bool, purposes ...int) {
	t.Helper()
	want := map[string]bool{}
	for p := 1; p <= 11; p++ {
		for _, k := range tcf.PurposeKeys(p) {
			want[k] = slices.Contains(purposes, p)
		}
	}
	if !maps.Equal(got, want) {
		var extra, missing []string
		for k, v := range got {
			if v && !want[k] {
				extra = append(extra, k)
			}
		}
		for k, v := range want {
			if v && !got[k] {
				missing = append(missing, k)
			}
		}
		t.Errorf("%s: wrongly granted %v, wrongly denied %v (len %d, want %d)", what, extra, missing, len(got), len(want))
	}
}

var allPurposes = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}

func TestConsentsAcceptAll(t *testing.T) {
	tc := decodeVector(t, "v23-accept-all") // purposes 1-11, LI 2,7-11, vendors 1-40, vendor LI 1,4,7,...
	tests := []struct {
		name         string
		vendor       int
		consents, li []int
	}{
		{"purpose level", 0, allPurposes, []int{2, 7, 8, 9, 10, 11}},
		{"negative vendor id is purpose level", -1, allPurposes, []int{2, 7, 8, 9, 10, 11}},
		{"vendor with consent and LI", 4, allPurposes, []int{2, 7, 8, 9, 10, 11}},
		{"vendor with consent only", 5, allPurposes, nil},
		{"unknown vendor", 41, nil, nil},
		{"vendor id beyond 16 bits", 70000, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertGrants(t, "Consents", tcf.Consents(tc, tt.vendor), tt.consents...)
			assertGrants(t, "LegitimateInterests", tcf.LegitimateInterests(tc, tt.vendor), tt.li...)
		})
	}
}

func TestConsentsRejectAllKeepsLegitimateInterestSeparate(t *testing.T) {
	tc := decodeVector(t, "v23-reject-all-li-kept") // no consents; LI 2,7-11; vendor LI 8,21,...
	assertGrants(t, "Consents", tcf.Consents(tc, 0))
	assertGrants(t, "Consents vendor 8", tcf.Consents(tc, 8))
	assertGrants(t, "LegitimateInterests vendor 8", tcf.LegitimateInterests(tc, 8), 2, 7, 8, 9, 10, 11)
}

func TestConsentsPublisherRestrictions(t *testing.T) {
	// P2 not allowed for 1-3; P7 require consent for 4,5,10; P10 require LI
	// for 50; P4 not allowed for 10-13 and 40. Vendor LI bits: 1, 2, 50.
	tc := decodeVector(t, "v23-restrictions")
	li := []int{2, 7, 8, 9, 10, 11}
	tests := []struct {
		vendor       int
		consents, li []int
	}{
		{1, []int{1, 3, 4, 5, 6, 7, 8, 9, 10, 11}, []int{7, 8, 9, 10, 11}},
		{4, allPurposes, nil},
		{10, []int{1, 2, 3, 5, 6, 7, 8, 9, 10, 11}, nil},
		{50, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 11}, li},
		{0, allPurposes, li}, // restrictions bind vendors, not the purpose-level view
	}
	for _, tt := range tests {
		assertGrants(t, "Consents", tcf.Consents(tc, tt.vendor), tt.consents...)
		assertGrants(t, "LegitimateInterests", tcf.LegitimateInterests(tc, tt.vendor), tt.li...)
	}

	// A "require consent" restriction removes legitimate interest.
	tc = &tcf.TCString{
		PurposeConsents:            []int{7},
		PurposeLegitimateInterests: []int{7, 8},
		VendorConsents:             []int{9},
		VendorLegitimateInterests:  []int{9},
		PublisherRestrictions:      []tcf.PublisherRestriction{{Purpose: 8, Type: tcf.RequireConsent, Vendors: []tcf.VendorRange{{Start: 5, End: 9}}}},
	}
	assertGrants(t, "LegitimateInterests", tcf.LegitimateInterests(tc, 9), 7)
	assertGrants(t, "Consents", tcf.Consents(tc, 9), 7)
}

func TestConsentsDisclosure(t *testing.T) {
	tc := &tcf.TCString{
		PurposeConsents:            []int{1, 2},
		PurposeLegitimateInterests: []int{2},
		VendorConsents:             []int{3, 4},
		VendorLegitimateInterests:  []int{3, 4},
		VendorsDisclosed:           []int{3},
		HasDisclosedVendors:        true,
	}
	// TCF 2.3: signals for a vendor missing from DisclosedVendors are void.
	assertGrants(t, "disclosed vendor", tcf.Consents(tc, 3), 1, 2)
	assertGrants(t, "undisclosed vendor", tcf.Consents(tc, 4))
	assertGrants(t, "undisclosed vendor LI", tcf.LegitimateInterests(tc, 4))

	// Without the segment disclosure cannot be checked (Decode warns).
	tc.HasDisclosedVendors, tc.VendorsDisclosed = false, []int{}
	assertGrants(t, "no segment", tcf.Consents(tc, 4), 1, 2)
	assertGrants(t, "no segment LI", tcf.LegitimateInterests(tc, 4), 2)
}

func TestConsentsPurposeOneTreatment(t *testing.T) {
	tc := &tcf.TCString{PurposeConsents: []int{1, 2}, PurposeOneTreatment: true}
	assertGrants(t, "Consents", tcf.Consents(tc, 0), 2)
}

func TestLegitimateInterestNeverForPurposes1And3To6(t *testing.T) {
	// Hand-built: every purpose and restriction at once; the rule must hold for any value.
	tc := &tcf.TCString{
		PurposeLegitimateInterests: allPurposes,
		VendorLegitimateInterests:  []int{1},
		Publisher:                  &tcf.PublisherTC{PurposeLegitimateInterests: allPurposes},
		PublisherRestrictions: []tcf.PublisherRestriction{
			{Purpose: 4, Type: tcf.RequireLegitimateInterest, Vendors: []tcf.VendorRange{{Start: 1, End: 1}}},
		},
	}
	li := []int{2, 7, 8, 9, 10, 11}
	assertGrants(t, "LegitimateInterests", tcf.LegitimateInterests(tc, 0), li...)
	assertGrants(t, "LegitimateInterests vendor", tcf.LegitimateInterests(tc, 1), li...)
	assertGrants(t, "PublisherLegitimateInterests", tcf.PublisherLegitimateInterests(tc), li...)
}

// A real string signalling legitimate interest for 3-6 (IAB's library made it): decoded
// faithfully, reported, and those bits grant nothing (issue 17).
func TestForbiddenLegitimateInterestGrantsNothing(t *testing.T) {
	tc := decodeVector(t, "v23-li-purposes-3-6-policy-violation")
	if !slices.Equal(tc.PurposeLegitimateInterests, []int{2, 3, 4, 5, 6}) || !slices.Contains(tc.PolicyViolations, tcf.ViolationLegitimateInterest) {
		t.Fatalf("decoded %v, violations %v", tc.PurposeLegitimateInterests, tc.PolicyViolations)
	}
	assertGrants(t, "LegitimateInterests", tcf.LegitimateInterests(tc, 0), 2)
	assertGrants(t, "LegitimateInterests vendor", tcf.LegitimateInterests(tc, 1), 2)
	assertGrants(t, "Consents", tcf.Consents(tc, 0), 1)
}

func TestPublisherConsents(t *testing.T) {
	tc := decodeVector(t, "v23-publisher-tc") // publisher purposes 1,2,7,8; LI 2,10
	assertGrants(t, "PublisherConsents", tcf.PublisherConsents(tc), 1, 2, 7, 8)
	assertGrants(t, "PublisherLegitimateInterests", tcf.PublisherLegitimateInterests(tc), 2, 10)

	tc = decodeVector(t, "v23-accept-all") // no Publisher TC segment
	assertGrants(t, "absent segment", tcf.PublisherConsents(tc))
	assertGrants(t, "absent segment LI", tcf.PublisherLegitimateInterests(tc))
}

func TestCategoryOptIns(t *testing.T) {
	tests := []struct {
		vector       string
		precise, fpr bool
	}{
		{"v23-special-feature-1-only", true, false},
		{"v23-special-feature-2-only", false, true},
		{"v23-accept-all", true, true},
		{"v23-empty-choices", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			got := tcf.CategoryOptIns(decodeVector(t, tt.vector))
			want := map[string]bool{"user.location.precise": tt.precise, "user.device.fingerprint": tt.fpr}
			if !maps.Equal(got, want) {
				t.Errorf("CategoryOptIns = %v, want %v", got, want)
			}
		})
	}
}

func TestNilTCStringGrantsNothing(t *testing.T) {
	assertGrants(t, "Consents", tcf.Consents(nil, 5))
	assertGrants(t, "LegitimateInterests", tcf.LegitimateInterests(nil, 0))
	assertGrants(t, "PublisherConsents", tcf.PublisherConsents(nil))
	assertGrants(t, "PublisherLegitimateInterests", tcf.PublisherLegitimateInterests(nil))
	if got := tcf.CategoryOptIns(nil); len(got) != 2 || got["user.location.precise"] || got["user.device.fingerprint"] {
		t.Errorf("CategoryOptIns(nil) = %v", got)
	}
}
