package tcf_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/tcf"
)

// vector is one entry of testdata/vectors.json, written by
// testdata/gen/gen.mjs from what IAB's reference library decodes.
type vector struct {
	Name     string                     `json:"name"`
	Library  string                     `json:"library"`
	TCString string                     `json:"tc_string"`
	Expected map[string]json.RawMessage `json:"expected"`
	Details  struct {
		Created               time.Time `json:"created"`
		LastUpdated           time.Time `json:"last_updated"`
		ConsentScreen         int       `json:"consent_screen"`
		IsServiceSpecific     bool      `json:"is_service_specific"`
		UseNonStandardTexts   bool      `json:"use_non_standard_texts"`
		PurposeOneTreatment   bool      `json:"purpose_one_treatment"`
		PublisherRestrictions []struct {
			Purpose int   `json:"purpose"`
			Type    int   `json:"type"`
			Vendors []int `json:"vendors"`
		} `json:"publisher_restrictions"`
		Publisher *struct {
			PurposeConsents                  []int `json:"purpose_consents"`
			PurposeLegitimateInterests       []int `json:"purpose_legitimate_interests"`
			NumCustomPurposes                int   `json:"num_custom_purposes"`
			CustomPurposeConsents            []int `json:"custom_purpose_consents"`
			CustomPurposeLegitimateInterests []int `json:"custom_purpose_legitimate_interests"`
		} `json:"publisher"`
	} `json:"details"`
}

func loadJSON[T any](t testing.TB, path string) T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// The JSON field set is part of the consent API contract.
var jsonFields = []string{
	"cmp_id", "cmp_version", "vendor_list_version", "tcf_policy_version",
	"consent_language", "publisher_cc", "purpose_consents",
	"purpose_legitimate_interests", "special_feature_optins", "vendor_consents",
	"vendor_legitimate_interests", "vendors_disclosed",
}

func TestDecodeVectors(t *testing.T) {
	vectors := loadJSON[[]vector](t, "testdata/vectors.json")
	if len(vectors) < 30 {
		t.Fatalf("only %d vectors; regenerate with testdata/gen", len(vectors))
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			tc, err := tcf.Decode(v.TCString)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			b, err := json.Marshal(tc)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			// A string breaking TCF policy decodes like the reference library decodes it,
			// and says which rule it breaks (the library does not check policy).
			var wantLI []int
			_ = json.Unmarshal(v.Expected["purpose_legitimate_interests"], &wantLI)
			violates := slices.ContainsFunc(wantLI, func(p int) bool { return p >= 3 && p <= 6 })
			if pv, ok := got["policy_violations"]; ok != violates || (ok && !strings.Contains(string(pv), string(tcf.ViolationLegitimateInterest))) {
				t.Fatalf("policy_violations = %s, want one only when purposes 3-6 carry legitimate interest (%v)", pv, wantLI)
			}
			delete(got, "policy_violations")
			if keys := sortedKeys(got); !slices.Equal(keys, sortedKeys(v.Expected)) || !slices.Equal(keys, sorted(jsonFields)) {
				t.Fatalf("JSON fields %v, want %v", keys, sorted(jsonFields))
			}
			for _, k := range jsonFields {
				var g, w any
				_ = json.Unmarshal(got[k], &g)
				_ = json.Unmarshal(v.Expected[k], &w)
				if !reflect.DeepEqual(g, w) {
					t.Errorf("%s = %s, reference library says %s", k, got[k], v.Expected[k])
				}
			}

			d := v.Details
			if !tc.Created.Equal(d.Created) || !tc.LastUpdated.Equal(d.LastUpdated) {
				t.Errorf("times %v / %v, want %v / %v", tc.Created, tc.LastUpdated, d.Created, d.LastUpdated)
			}
			if tc.ConsentScreen != d.ConsentScreen || tc.IsServiceSpecific != d.IsServiceSpecific ||
				tc.UseNonStandardTexts != d.UseNonStandardTexts || tc.PurposeOneTreatment != d.PurposeOneTreatment {
				t.Errorf("flags screen=%d ss=%v nst=%v p1t=%v, want %d %v %v %v", tc.ConsentScreen, tc.IsServiceSpecific,
					tc.UseNonStandardTexts, tc.PurposeOneTreatment, d.ConsentScreen, d.IsServiceSpecific, d.UseNonStandardTexts, d.PurposeOneTreatment)
			}

			// The reference library merges entries with the same purpose
			// and type; so do we before comparing.
			gotR := map[[2]int][]int{}
			for _, r := range tc.PublisherRestrictions {
				k := [2]int{r.Purpose, int(r.Type)}
				for _, rg := range r.Vendors {
					for id := rg.Start; id <= rg.End; id++ {
						gotR[k] = append(gotR[k], id)
					}
				}
			}
			wantR := map[[2]int][]int{}
			for _, r := range d.PublisherRestrictions {
				wantR[[2]int{r.Purpose, r.Type}] = r.Vendors
			}
			for k := range gotR {
				slices.Sort(gotR[k])
				gotR[k] = slices.Compact(gotR[k])
			}
			if !reflect.DeepEqual(gotR, wantR) {
				t.Errorf("publisher restrictions %v, want %v", gotR, wantR)
			}

			switch p := d.Publisher; {
			case p == nil && tc.Publisher != nil:
				t.Errorf("Publisher = %+v, want none", tc.Publisher)
			case p != nil && tc.Publisher == nil:
				t.Errorf("Publisher missing")
			case p != nil:
				g := tc.Publisher
				if !slices.Equal(g.PurposeConsents, p.PurposeConsents) ||
					!slices.Equal(g.PurposeLegitimateInterests, p.PurposeLegitimateInterests) ||
					g.NumCustomPurposes != p.NumCustomPurposes ||
					!slices.Equal(g.CustomPurposeConsents, p.CustomPurposeConsents) ||
					!slices.Equal(g.CustomPurposeLegitimateInterests, p.CustomPurposeLegitimateInterests) {
					t.Errorf("Publisher = %+v, want %+v", *g, *p)
				}
			}

			segments := strings.Split(v.TCString, ".")
			wantDisclosed := false
			for _, s := range segments[1:] {
				wantDisclosed = wantDisclosed || s[0] >= 'I' && s[0] <= 'P' // type 1 starts 001xxx
			}
			if tc.HasDisclosedVendors != wantDisclosed {
				t.Errorf("HasDisclosedVendors = %v, want %v", tc.HasDisclosedVendors, wantDisclosed)
			}
			wantWarn := !wantDisclosed && tc.PolicyVersion >= 5
			if tc.HasWarning(tcf.WarnNoDisclosedVendors) != wantWarn {
				t.Errorf("warnings %v, want disclosed-vendors warning %v", tc.Warnings, wantWarn)
			}
		})
	}
}

// TestVectorsAreVaried guards the generator's coverage: a regenerated file
// that lost a whole class of strings would otherwise still pass.
func TestVectorsAreVaried(t *testing.T) {
	vectors := loadJSON[[]vector](t, "testdata/vectors.json")
	seen := map[string]bool{}
	cmps, langs, ccs := map[int]bool{}, map[string]bool{}, map[string]bool{}
	for _, v := range vectors {
		tc, err := tcf.Decode(v.TCString)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		cmps[tc.CMPID], langs[tc.ConsentLanguage], ccs[tc.PublisherCC] = true, true, true
		seen[v.Library] = true
		// The consent section's encoding flag follows the 213-bit header
		// and the 16-bit MaxVendorId.
		if coreBit(t, v.TCString, 213+16) {
			seen["range"] = true
		} else if len(tc.VendorConsents) > 0 {
			seen["bitfield"] = true
		}
		seen["large ids"] = seen["large ids"] || slices.Contains(tc.VendorConsents, 65535)
		seen["no disclosed"] = seen["no disclosed"] || !tc.HasDisclosedVendors
		seen["disclosed"] = seen["disclosed"] || len(tc.VendorsDisclosed) > 0
		seen["custom purposes"] = seen["custom purposes"] || tc.Publisher != nil && len(tc.Publisher.CustomPurposeConsents) > 0
		seen["restrictions"] = seen["restrictions"] || len(tc.PublisherRestrictions) > 0
		seen["special features"] = seen["special features"] || len(tc.SpecialFeatureOptIns) > 0
		seen["vendor LI"] = seen["vendor LI"] || len(tc.VendorLegitimateInterests) > 0
	}
	for _, want := range []string{"@iabtechlabtcf/core@1.5.21", "@iabtcf/core@1.5.6", "range", "bitfield", "large ids",
		"no disclosed", "disclosed", "custom purposes", "restrictions", "special features", "vendor LI"} {
		if !seen[want] {
			t.Errorf("no vector covers %s", want)
		}
	}
	if len(cmps) < 10 || len(langs) < 10 || len(ccs) < 10 {
		t.Errorf("only %d CMP ids, %d languages, %d publisher countries", len(cmps), len(langs), len(ccs))
	}
}

// coreBit returns bit i of the core segment of s.
func coreBit(t *testing.T, s string, i int) bool {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	v := strings.IndexByte(alphabet, s[i/6])
	if v < 0 {
		t.Fatalf("bad character in %q", s)
	}
	return v>>(5-i%6)&1 == 1
}

type malformedCase struct {
	Name     string `json:"name"`
	Reason   string `json:"reason"`
	TCString string `json:"tc_string"`
}

func TestDecodeMalformed(t *testing.T) {
	cases := loadJSON[[]malformedCase](t, "testdata/malformed.json")
	if len(cases) < 10 {
		t.Fatalf("only %d malformed cases", len(cases))
	}
	// Strings that cannot live in the JSON file or are about the limit.
	cases = append(cases,
		malformedCase{"too-long", string(tcf.ReasonTooLong), strings.Repeat("A", tcf.MaxLen+1)},
		malformedCase{"just-a-dot", string(tcf.ReasonEmpty), "."},
		malformedCase{"non-ascii", string(tcf.ReasonBase64), "CQgcD4AQgcD4AAqABAENBkFAAMAAAAAAAAAAABuAAAAé"},
	)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			tc, err := tcf.Decode(c.TCString)
			if err == nil {
				t.Fatalf("Decode accepted it: %+v", tc)
			}
			t.Log(err)
			var de *tcf.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			if string(de.Reason) != c.Reason {
				t.Errorf("reason %q (%v), want %q", de.Reason, err, c.Reason)
			}
			if !errors.Is(err, tcf.ErrMalformed) {
				t.Errorf("errors.Is(err, ErrMalformed) = false for %v", err)
			}
			if de.Detail == "" || !strings.HasPrefix(err.Error(), "decode tc string: ") {
				t.Errorf("unhelpful message %q", err)
			}
			if len(c.TCString) > 12 && strings.Contains(err.Error(), c.TCString[:12]) {
				t.Errorf("message quotes the input: %q", err)
			}
		})
	}
}

func TestDecodeErrorSentinels(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", tcf.ErrEmpty},
		{"CQgcD4AQgcD4AAqABAEN", tcf.ErrTruncated},
		{"BQgcD4AQgcD4AAqABAENBkAAAAAAAAAA", tcf.ErrVersion},
		{"CQgcD4AQgcD4AAqABAENBkDAAAAAAAAAAAAAAAAAAAAA", tcf.ErrPolicyVersion},
		{"CQgcD4AQgcD4AAqABAENBkFAAMAAAAAAAAAAABuAAAAA.4AAA", tcf.ErrSegmentType},
		{"IABu.CQgcD4AQgcD4AAqABAENBkFAAMAAAAAAAAAAABuAAAAA", tcf.ErrSegmentOrder},
	}
	for _, tt := range tests {
		t.Run(tt.want.Error(), func(t *testing.T) {
			_, err := tcf.Decode(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error %v, want %v", err, tt.want)
			}
			for _, other := range []error{tcf.ErrBase64, tcf.ErrInconsistent, tcf.ErrInvalidValue} {
				if errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
		})
	}
}

func TestDecodeWarnings(t *testing.T) {
	// Policy version 5 without DisclosedVendors: accepted, flagged.
	tc, err := tcf.Decode("CQe8esAQe8esAAGABAETBkFAAP_gAAAAAAggAPP____wAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	if !tc.HasWarning(tcf.WarnNoDisclosedVendors) || tc.HasDisclosedVendors || tc.VendorsDisclosed == nil {
		t.Errorf("warnings %v, HasDisclosedVendors %v, VendorsDisclosed %v", tc.Warnings, tc.HasDisclosedVendors, tc.VendorsDisclosed)
	}
	// The same shape under policy version 4 needs no warning: the segment
	// was optional in TCF 2.2.
	tc, err = tcf.Decode("CQZR7kAQZR7kAAFABAESBkEAAMAAAAAAAAiQAGABwAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	if len(tc.Warnings) != 0 {
		t.Errorf("TCF 2.2 string warnings %v, want none", tc.Warnings)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
