package tcf_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/stewardhq/steward/internal/tcf"
)

var fidesKey = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)

func TestMappingTableShape(t *testing.T) {
	seen := map[string]int{}
	var purposes, features, li []int
	for _, m := range tcf.Mappings() {
		switch m.Kind {
		case tcf.KindPurpose:
			purposes = append(purposes, m.ID)
		case tcf.KindSpecialFeature:
			features = append(features, m.ID)
		default:
			t.Errorf("row %+v has no kind", m)
		}
		if m.LegitimateInterest {
			li = append(li, m.ID)
		}
		if m.Name == "" || len(m.Keys) == 0 || (m.Source != "fideslang" && m.Source != "steward") {
			t.Errorf("incomplete row %+v", m)
		}
		for _, k := range m.Keys {
			if !fidesKey.MatchString(k) {
				t.Errorf("key %q is not a dotted fideslang-style key", k)
			}
			if seen[k]++; seen[k] > 1 {
				t.Errorf("key %q is mapped twice", k)
			}
		}
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(purposes, want) {
		t.Errorf("purposes %v, want %v", purposes, want)
	}
	if want := []int{1, 2}; !slices.Equal(features, want) {
		t.Errorf("special features %v, want %v", features, want)
	}
	// TCF 2.2: no legitimate interest for 3-6; never for purpose 1.
	if want := []int{2, 7, 8, 9, 10, 11}; !slices.Equal(li, want) {
		t.Errorf("legitimate interest admitted for %v, want %v", li, want)
	}
}

// Pins the crosswalk facts taken from fideslang's GVL mapping so an edit to
// the table cannot drift from it unnoticed.
func TestMappingFollowsFideslang(t *testing.T) {
	tests := []struct {
		purpose int
		want    []string
	}{
		{1, []string{"functional.storage"}},
		{2, []string{"marketing.advertising.first_party.contextual", "marketing.advertising.frequency_capping", "marketing.advertising.negative_targeting"}},
		{3, []string{"marketing.advertising.profiling"}},
		{4, []string{"marketing.advertising.first_party.targeted", "marketing.advertising.third_party.targeted"}},
		{5, []string{"personalize.content.profiling"}},
		{6, []string{"personalize.content.profiled"}},
		{7, []string{"analytics.reporting.ad_performance"}},
		{8, []string{"analytics.reporting.content_performance"}},
		{9, []string{"analytics.reporting.campaign_insights"}},
		{10, []string{"functional.service.improve"}},
		{11, []string{"personalize.content.limited"}},
	}
	for _, tt := range tests {
		if got := tcf.PurposeKeys(tt.purpose); !slices.Equal(got, tt.want) {
			t.Errorf("PurposeKeys(%d) = %v, want %v", tt.purpose, got, tt.want)
		}
		for _, k := range tt.want {
			if p, ok := tcf.TCFPurpose(k); !ok || p != tt.purpose {
				t.Errorf("TCFPurpose(%q) = %d, %v; want %d", k, p, ok, tt.purpose)
			}
		}
	}
	if got := tcf.SpecialFeatureCategories(1); !slices.Equal(got, []string{"user.location.precise"}) {
		t.Errorf("SpecialFeatureCategories(1) = %v", got)
	}
}

func TestMappingLookupsOutsideTheTable(t *testing.T) {
	for _, p := range []int{0, 12, 24, -1} {
		if got := tcf.PurposeKeys(p); got != nil {
			t.Errorf("PurposeKeys(%d) = %v, want nil", p, got)
		}
	}
	if got := tcf.SpecialFeatureCategories(3); got != nil {
		t.Errorf("SpecialFeatureCategories(3) = %v, want nil", got)
	}
	if _, ok := tcf.TCFPurpose("essential.service"); ok {
		t.Error("TCFPurpose(essential.service) found a TCF purpose")
	}
	if _, ok := tcf.TCFPurpose("user.location.precise"); ok {
		t.Error("a data category was reported as a TCF purpose")
	}
}

func TestMappingsReturnsACopy(t *testing.T) {
	m := tcf.Mappings()
	m[0].Keys[0] = "tampered"
	tcf.PurposeKeys(1)[0] = "tampered"
	if got := tcf.PurposeKeys(1); got[0] != "functional.storage" {
		t.Fatalf("the shared table was modified: %v", got)
	}
}
