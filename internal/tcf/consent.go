package tcf

import "slices"

// Consents reports, for every Steward purpose in the mapping table, whether
// tc carries consent for it. With vendorID > 0 the answer is for that vendor:
// the purpose consent AND the vendor's consent AND, when the string has a
// DisclosedVendors segment, the vendor's disclosure (TCF 2.3: a signal for a
// vendor the user was never shown is void), less any publisher restriction
// that forbids the purpose or requires legitimate interest for it. With
// vendorID <= 0 only the purpose-level signal counts.
//
// Every mapped purpose is present in the result, false unless granted, so a
// caller can store the full picture. A nil tc yields all false.
//
// Purpose 1 is false when PurposeOneTreatment is set: the CMP did not ask,
// and whether the publisher's country (PublisherCC) needs consent for device
// storage is the caller's decision, not a consent.
func Consents(tc *TCString, vendorID int) map[string]bool {
	out := allFalse()
	if tc == nil {
		return out
	}
	vendorOK := vendorID <= 0 || tc.vendorSignal(tc.VendorConsents, vendorID)
	for _, m := range table {
		if m.Kind != KindPurpose {
			continue
		}
		ok := vendorOK && has(tc.PurposeConsents, m.ID) && !(m.ID == 1 && tc.PurposeOneTreatment)
		if ok && vendorID > 0 {
			ok = !tc.restricted(m.ID, vendorID, NotAllowed) && !tc.restricted(m.ID, vendorID, RequireLegitimateInterest)
		}
		for _, k := range m.Keys {
			out[k] = ok
		}
	}
	return out
}

// LegitimateInterests reports, per Steward purpose, whether tc establishes
// legitimate interest (transparency given, no objection) — which is not
// consent and must never be stored or treated as one (GDPR 6(1)(f) vs
// 6(1)(a)). It is true only for purposes where the mapping table admits
// legitimate interest (2, 7-11); purposes 1 and 3-6 are always false, even if
// a publisher restriction requires legitimate interest for them. Vendor
// checks mirror Consents, with the vendor's legitimate-interest bit and a
// "require consent" restriction in place of "require legitimate interest".
func LegitimateInterests(tc *TCString, vendorID int) map[string]bool {
	out := allFalse()
	if tc == nil {
		return out
	}
	vendorOK := vendorID <= 0 || tc.vendorSignal(tc.VendorLegitimateInterests, vendorID)
	for _, m := range table {
		if m.Kind != KindPurpose || !m.LegitimateInterest {
			continue
		}
		ok := vendorOK && has(tc.PurposeLegitimateInterests, m.ID)
		if ok && vendorID > 0 {
			ok = !tc.restricted(m.ID, vendorID, NotAllowed) && !tc.restricted(m.ID, vendorID, RequireConsent)
		}
		for _, k := range m.Keys {
			out[k] = ok
		}
	}
	return out
}

// PublisherConsents reports, per Steward purpose, the publisher's own
// consent from the Publisher TC segment: what Steward needs when it acts as
// the publisher (first party) rather than as a GVL vendor. All false when the
// segment is absent. Custom purposes are publisher-defined and not mapped;
// they are on tc.Publisher.
func PublisherConsents(tc *TCString) map[string]bool {
	out := allFalse()
	if tc == nil || tc.Publisher == nil {
		return out
	}
	for _, m := range table {
		if m.Kind == KindPurpose {
			for _, k := range m.Keys {
				out[k] = has(tc.Publisher.PurposeConsents, m.ID)
			}
		}
	}
	return out
}

// PublisherLegitimateInterests is PublisherConsents for legitimate
// interest, with the same purpose limits as LegitimateInterests.
func PublisherLegitimateInterests(tc *TCString) map[string]bool {
	out := allFalse()
	if tc == nil || tc.Publisher == nil {
		return out
	}
	for _, m := range table {
		if m.Kind == KindPurpose && m.LegitimateInterest {
			for _, k := range m.Keys {
				out[k] = has(tc.Publisher.PurposeLegitimateInterests, m.ID)
			}
		}
	}
	return out
}

// CategoryOptIns reports, per data category in the special-feature rows of
// the mapping table, whether the user opted in to the special feature that
// unlocks it (e.g. user.location.precise for special feature 1). Special
// features are opt-ins on top of a purpose, never a purpose themselves.
func CategoryOptIns(tc *TCString) map[string]bool {
	out := map[string]bool{}
	for _, m := range table {
		if m.Kind == KindSpecialFeature {
			for _, k := range m.Keys {
				out[k] = tc != nil && has(tc.SpecialFeatureOptIns, m.ID)
			}
		}
	}
	return out
}

// vendorSignal reports whether vendor v has its bit in ids and, when the
// string lists disclosed vendors, was disclosed.
func (tc *TCString) vendorSignal(ids []int, v int) bool {
	if !has(ids, v) {
		return false
	}
	return !tc.HasDisclosedVendors || has(tc.VendorsDisclosed, v)
}

func allFalse() map[string]bool {
	out := map[string]bool{}
	for _, m := range table {
		if m.Kind == KindPurpose {
			for _, k := range m.Keys {
				out[k] = false
			}
		}
	}
	return out
}

// has reports whether sorted ids contains id.
func has(ids []int, id int) bool {
	_, ok := slices.BinarySearch(ids, id)
	return ok
}
