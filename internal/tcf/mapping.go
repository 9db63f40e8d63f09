package tcf

import "slices"

// Kind tells the two TCF id spaces the mapping table covers apart.
type Kind int

// The kinds of Mapping rows.
const (
	KindPurpose        Kind = 1 // TCF purposes 1-11: mapped to Steward purposes (data uses)
	KindSpecialFeature Kind = 2 // special features 1-2: mapped to data categories
)

// Mapping ties one TCF purpose or special feature to Steward keys.
type Mapping struct {
	Kind Kind
	ID   int
	Name string // IAB's TCF 2.2 name
	// Keys are fideslang-style Steward purposes (data uses) for a purpose,
	// and data categories for a special feature: a special feature is an
	// opt-in to a kind of data or method, not a purpose of its own.
	Keys []string
	// LegitimateInterest reports whether legitimate interest is an
	// admissible basis: never for purpose 1 (storage needs consent under
	// ePrivacy 5(3)) nor, since TCF 2.2, for purposes 3 to 6.
	LegitimateInterest bool
	// Source names where the mapping comes from: "fideslang" for the
	// crosswalk in fideslang's src/fideslang/gvl/gvl_data_use_mapping.json
	// and gvl_data_category_mapping.json (IAB Tech Lab / Ethyca, CC BY 4.0),
	// "steward" where fideslang has no key.
	Source string
}

// table is the one mapping from TCF onto Steward. Purposes follow the
// fideslang GVL crosswalk exactly (its 2.1.1 keys personalize.content.*
// included); special feature 1 follows fideslang's mapping of GVL data
// category 9 "Precise location data", the data it unlocks. Special feature 2
// (active scanning of device characteristics, i.e. fingerprinting) has no
// fideslang key, so Steward extends user.device with user.device.fingerprint.
//
//	TCF   IAB name                                                  Steward keys                                         LI
//	P1    Store and/or access information on a device               functional.storage                                   no
//	P2    Use limited data to select advertising                    marketing.advertising.first_party.contextual,        yes
//	                                                                marketing.advertising.frequency_capping,
//	                                                                marketing.advertising.negative_targeting
//	P3    Create profiles for personalised advertising              marketing.advertising.profiling                      no
//	P4    Use profiles to select personalised advertising           marketing.advertising.first_party.targeted,          no
//	                                                                marketing.advertising.third_party.targeted
//	P5    Create profiles to personalise content                    personalize.content.profiling                        no
//	P6    Use profiles to select personalised content               personalize.content.profiled                         no
//	P7    Measure advertising performance                           analytics.reporting.ad_performance                   yes
//	P8    Measure content performance                               analytics.reporting.content_performance              yes
//	P9    Understand audiences through statistics or combinations   analytics.reporting.campaign_insights                yes
//	      of data from different sources
//	P10   Develop and improve services                              functional.service.improve                           yes
//	P11   Use limited data to select content                        personalize.content.limited                          yes
//	SF1   Use precise geolocation data                              user.location.precise (category)                     -
//	SF2   Actively scan device characteristics for identification   user.device.fingerprint (category, Steward)          -
var table = [...]Mapping{
	{KindPurpose, 1, "Store and/or access information on a device", []string{"functional.storage"}, false, "fideslang"},
	{KindPurpose, 2, "Use limited data to select advertising", []string{
		"marketing.advertising.first_party.contextual",
		"marketing.advertising.frequency_capping",
		"marketing.advertising.negative_targeting",
	}, true, "fideslang"},
	{KindPurpose, 3, "Create profiles for personalised advertising", []string{"marketing.advertising.profiling"}, false, "fideslang"},
	{KindPurpose, 4, "Use profiles to select personalised advertising", []string{
		"marketing.advertising.first_party.targeted",
		"marketing.advertising.third_party.targeted",
	}, false, "fideslang"},
	{KindPurpose, 5, "Create profiles to personalise content", []string{"personalize.content.profiling"}, false, "fideslang"},
	{KindPurpose, 6, "Use profiles to select personalised content", []string{"personalize.content.profiled"}, false, "fideslang"},
	{KindPurpose, 7, "Measure advertising performance", []string{"analytics.reporting.ad_performance"}, true, "fideslang"},
	{KindPurpose, 8, "Measure content performance", []string{"analytics.reporting.content_performance"}, true, "fideslang"},
	{KindPurpose, 9, "Understand audiences through statistics or combinations of data from different sources",
		[]string{"analytics.reporting.campaign_insights"}, true, "fideslang"},
	{KindPurpose, 10, "Develop and improve services", []string{"functional.service.improve"}, true, "fideslang"},
	{KindPurpose, 11, "Use limited data to select content", []string{"personalize.content.limited"}, true, "fideslang"},
	{KindSpecialFeature, 1, "Use precise geolocation data", []string{"user.location.precise"}, false, "fideslang"},
	{KindSpecialFeature, 2, "Actively scan device characteristics for identification", []string{"user.device.fingerprint"}, false, "steward"},
}

// Mappings returns the mapping table, purposes first; the caller owns the
// copy.
func Mappings() []Mapping {
	out := make([]Mapping, len(table))
	for i, m := range table {
		m.Keys = slices.Clone(m.Keys)
		out[i] = m
	}
	return out
}

// PurposeKeys returns the Steward purposes TCF purpose p maps to, or nil for
// an id outside 1-11.
func PurposeKeys(p int) []string { return keysFor(KindPurpose, p) }

// SpecialFeatureCategories returns the data categories special feature f
// unlocks, or nil for an id outside 1-2.
func SpecialFeatureCategories(f int) []string { return keysFor(KindSpecialFeature, f) }

// TCFPurpose returns the TCF purpose that covers Steward purpose key, for a
// notice that must cite it.
func TCFPurpose(key string) (int, bool) {
	for _, m := range table {
		if m.Kind == KindPurpose && slices.Contains(m.Keys, key) {
			return m.ID, true
		}
	}
	return 0, false
}

func keysFor(k Kind, id int) []string {
	for _, m := range table {
		if m.Kind == k && m.ID == id {
			return slices.Clone(m.Keys)
		}
	}
	return nil
}
