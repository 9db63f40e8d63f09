package tcf

import (
	"slices"
	"time"
)

// TCString is a decoded TC string. It marshals to JSON with exactly the
// twelve fields the consent API publishes (plus policy_violations when the
// string breaks TCF policy); everything else a consent record
// may need (times, publisher segment, restrictions, warnings) is on the Go
// value only. Every id list is sorted ascending and never nil, so it encodes
// as [] rather than null.
type TCString struct {
	CMPID                      int    `json:"cmp_id"`
	CMPVersion                 int    `json:"cmp_version"`
	VendorListVersion          int    `json:"vendor_list_version"`
	PolicyVersion              int    `json:"tcf_policy_version"`
	ConsentLanguage            string `json:"consent_language"` // two upper-case letters, e.g. "EN"
	PublisherCC                string `json:"publisher_cc"`     // two upper-case letters, "AA" when unknown
	PurposeConsents            []int  `json:"purpose_consents"`
	PurposeLegitimateInterests []int  `json:"purpose_legitimate_interests"`
	SpecialFeatureOptIns       []int  `json:"special_feature_optins"`
	VendorConsents             []int  `json:"vendor_consents"`
	VendorLegitimateInterests  []int  `json:"vendor_legitimate_interests"`
	VendorsDisclosed           []int  `json:"vendors_disclosed"` // empty when the segment is absent

	// PolicyViolations lists TCF policy rules the string breaks though it decodes
	// (absent from JSON when there are none).
	PolicyViolations []Violation `json:"policy_violations,omitempty"`

	// Created and LastUpdated are whole deciseconds in UTC; since TCF 2.2
	// CMPs round both to the day of the last update.
	Created     time.Time `json:"-"`
	LastUpdated time.Time `json:"-"`

	ConsentScreen       int  `json:"-"`
	IsServiceSpecific   bool `json:"-"`
	UseNonStandardTexts bool `json:"-"`
	PurposeOneTreatment bool `json:"-"`

	// HasDisclosedVendors tells an absent DisclosedVendors segment from a
	// present but empty one.
	HasDisclosedVendors bool `json:"-"`

	PublisherRestrictions []PublisherRestriction `json:"-"`

	// Publisher is the Publisher TC segment, nil when the string has none.
	Publisher *PublisherTC `json:"-"`

	// Warnings lists accepted deviations from the current specification.
	Warnings []Warning `json:"-"`
}

// PublisherTC is the publisher's own transparency and consent (segment type
// 3): the standard purposes plus up to 63 custom purposes the publisher
// defines itself.
type PublisherTC struct {
	PurposeConsents                  []int
	PurposeLegitimateInterests       []int
	NumCustomPurposes                int
	CustomPurposeConsents            []int
	CustomPurposeLegitimateInterests []int
}

// RestrictionType is how a publisher overrides a vendor's legal basis for
// one purpose.
type RestrictionType int

// The restriction types of the core segment; 3 is undefined and rejected.
const (
	NotAllowed                RestrictionType = 0
	RequireConsent            RestrictionType = 1
	RequireLegitimateInterest RestrictionType = 2
)

func (t RestrictionType) String() string {
	switch t {
	case NotAllowed:
		return "not_allowed"
	case RequireConsent:
		return "require_consent"
	case RequireLegitimateInterest:
		return "require_legitimate_interest"
	}
	return "undefined"
}

// VendorRange is an inclusive range of vendor ids.
type VendorRange struct{ Start, End int }

// PublisherRestriction applies Type to Purpose for the vendors in Vendors.
// Ranges are kept as encoded (not expanded) because a string may restrict
// every id up to 65535 under many purposes.
type PublisherRestriction struct {
	Purpose int
	Type    RestrictionType
	Vendors []VendorRange
}

// Covers reports whether the restriction names vendor v.
func (r PublisherRestriction) Covers(v int) bool {
	for _, rg := range r.Vendors {
		if rg.Start <= v && v <= rg.End {
			return true
		}
	}
	return false
}

// Warning names a deviation Decode accepts rather than rejects.
type Warning string

// The warnings Decode may attach.
const (
	// WarnNoDisclosedVendors: policy version 5 (TCF 2.3) made the
	// DisclosedVendors segment mandatory, but strings saved before the
	// industry cut-over of 2026-02-28 may lack it. Vendor disclosure cannot be
	// checked for such a string.
	WarnNoDisclosedVendors Warning = "disclosed_vendors_missing"
	// WarnUnknownPolicyVersion: the policy version is newer than 5; the bit
	// layout is unchanged so the string is decoded under TCF 2.3 rules.
	WarnUnknownPolicyVersion Warning = "policy_version_unknown"
)

// Violation names a TCF policy rule a decodable string breaks.
type Violation string

// ViolationLegitimateInterest: legitimate interest is signalled for a purpose among
// 3 to 6, which TCF 2.2 and later forbid (those purposes need consent). The bits are
// decoded as sent and never treated as granting anything.
const ViolationLegitimateInterest Violation = "tcf22_legitimate_interest_purposes_3_6"

// HasWarning reports whether w was attached to tc.
func (tc *TCString) HasWarning(w Warning) bool { return slices.Contains(tc.Warnings, w) }

// restricted reports whether the publisher set a restriction of type t on
// purpose p for vendor v.
func (tc *TCString) restricted(p, v int, t RestrictionType) bool {
	for _, r := range tc.PublisherRestrictions {
		if r.Purpose == p && r.Type == t && r.Covers(v) {
			return true
		}
	}
	return false
}
