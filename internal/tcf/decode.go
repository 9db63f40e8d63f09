package tcf

import (
	"slices"
	"strings"

	"github.com/LiveRamp/iabconsent"
)

// MaxLen bounds the input in characters. The largest honest string (three
// full 65535-bit vendor bitfields plus headers) is about 33,000 characters;
// anything much longer is not a TC string.
const MaxLen = 64 << 10

// The policy versions this package knows. Policy version 4 is TCF 2.2,
// 5 is TCF 2.3; 2 and 3 (TCF 2.0 and 2.1) were retired by the 2.2 switch-over
// and allowed legitimate interest for purposes 3 to 6, so they are rejected. A 2.2+
// string that still signals it is decoded and the violation reported.
const (
	minPolicyVersion       = 4
	disclosedVendorsPolicy = 5
	maxKnownPolicyVersion  = 5
)

// Segment types (the first 3 bits of every segment but the core, whose
// 6-bit version field 2 starts with three zero bits).
const (
	segCore             = 0
	segDisclosedVendors = 1
	segAllowedVendors   = 2
	segPublisherTC      = 3
)

// maxPadding is the most zero bits an encoder may leave after the last field:
// the reference library pads to a multiple of 24 bits (whole base64
// quanta), so 23 is its worst case; byte-oriented encoders leave fewer.
const maxPadding = 23

// Decode parses and validates a TC string of TCF 2.2 or 2.3: the core segment
// first, then optionally a DisclosedVendors and a Publisher TC segment in any
// order, each at most once. It returns a *DecodeError (matching ErrMalformed
// and the per-reason sentinel) for anything else.
//
// Field-level bit reading is done by github.com/LiveRamp/iabconsent's
// ConsentReader. Its ParseV2 is not used: it reassigns its reader for every
// later segment, so a truncated core followed by another segment decodes
// "successfully" with zeroed fields, and it neither exposes the reader
// position (needed to reject trailing data) nor classifies its errors. The
// segment sequencing and the validation below are therefore ours.
func Decode(s string) (*TCString, error) {
	if s == "" {
		return nil, fail(ReasonEmpty, -1, "the string is empty")
	}
	if len(s) > MaxLen {
		return nil, fail(ReasonTooLong, -1, "%d characters exceeds the limit of %d", len(s), MaxLen)
	}
	tc := &TCString{}
	var seenDisclosed, seenPublisher bool
	for i, seg := range strings.Split(s, ".") {
		if seg == "" {
			return nil, fail(ReasonEmpty, i, "empty segment (stray or doubled dot)")
		}
		data, nbits, bad := decodeBase64URL(seg)
		if bad >= 0 {
			return nil, fail(ReasonBase64, i, "character %d is not in the base64url alphabet (A-Z a-z 0-9 - _, no padding)", bad+1)
		}
		r := &reader{ConsentReader: iabconsent.NewConsentReader(data), data: data, nbits: nbits, seg: i}
		typ := int(data[0] >> 5)
		if i == 0 {
			if typ == segDisclosedVendors || typ == segPublisherTC {
				return nil, fail(ReasonSegmentOrder, 0, "the string starts with a segment of type %d; the core segment must come first", typ)
			}
			if v := int(data[0] >> 2); v != 2 {
				return nil, fail(ReasonVersion, 0, "encoding version %d; only TC string version 2 (TCF 2.x) is supported", v)
			}
			if err := decodeCore(tc, r); err != nil {
				return nil, err
			}
			continue
		}
		switch typ {
		case segCore:
			return nil, fail(ReasonSegmentOrder, i, "a second core segment")
		case segDisclosedVendors:
			if seenDisclosed {
				return nil, fail(ReasonSegmentOrder, i, "the DisclosedVendors segment appears twice")
			}
			seenDisclosed = true
			if err := decodeDisclosed(tc, r); err != nil {
				return nil, err
			}
		case segAllowedVendors:
			return nil, fail(ReasonSegmentType, i, "segment type 2 (AllowedVendors) was removed in TCF 2.2")
		case segPublisherTC:
			if seenPublisher {
				return nil, fail(ReasonSegmentOrder, i, "the Publisher TC segment appears twice")
			}
			seenPublisher = true
			if err := decodePublisher(tc, r); err != nil {
				return nil, err
			}
		default:
			return nil, fail(ReasonSegmentType, i, "unknown segment type %d", typ)
		}
	}
	if !tc.HasDisclosedVendors {
		tc.VendorsDisclosed = []int{}
		if tc.PolicyVersion >= disclosedVendorsPolicy {
			tc.Warnings = append(tc.Warnings, WarnNoDisclosedVendors)
		}
	}
	if tc.PolicyVersion > maxKnownPolicyVersion {
		tc.Warnings = append(tc.Warnings, WarnUnknownPolicyVersion)
	}
	return tc, nil
}

// reader is iabconsent's bit reader plus what it lacks: the true bit length
// of the segment (base64url carries 6 bits a character, the byte buffer may
// hold up to 6 zero bits more) and the segment index for error messages.
type reader struct {
	*iabconsent.ConsentReader
	data  []byte
	nbits int
	seg   int
}

func (r *reader) pos() int { return r.Size() - r.NumUnread() }

// check reports truncation within the part of the segment named by section.
func (r *reader) check(section string) error {
	if r.Err != nil || r.pos() > r.nbits {
		return &DecodeError{Reason: ReasonTruncated, Segment: r.seg,
			Detail: "the " + section + " runs past the end of the segment", Err: r.Err}
	}
	return nil
}

// finish rejects data after the last field: encoders pad with fewer than 24
// zero bits, so anything longer or non-zero is a second string glued on, a
// miscounted field, or garbage.
func (r *reader) finish() error {
	p := r.pos()
	if rest := r.nbits - p; rest > maxPadding {
		return fail(ReasonInconsistent, r.seg, "%d bits remain after the last field (padding is at most %d)", rest, maxPadding)
	}
	for b := p; b < r.nbits; b++ {
		if r.data[b/8]&(0x80>>(b%8)) != 0 {
			return fail(ReasonInconsistent, r.seg, "non-zero padding after the last field")
		}
	}
	return nil
}

func decodeCore(tc *TCString, r *reader) error {
	_, _ = r.ReadInt(6) // the version, already checked by Decode
	tc.Created, _ = r.ReadTime()
	tc.LastUpdated, _ = r.ReadTime()
	tc.CMPID, _ = r.ReadInt(12)
	tc.CMPVersion, _ = r.ReadInt(12)
	tc.ConsentScreen, _ = r.ReadInt(6)
	tc.ConsentLanguage, _ = r.ReadString(2)
	tc.VendorListVersion, _ = r.ReadInt(12)
	tc.PolicyVersion, _ = r.ReadInt(6)
	tc.IsServiceSpecific, _ = r.ReadBool()
	tc.UseNonStandardTexts, _ = r.ReadBool()
	specialFeatures, _ := r.ReadBitField(12)
	purposes, _ := r.ReadBitField(24)
	purposesLI, _ := r.ReadBitField(24)
	tc.PurposeOneTreatment, _ = r.ReadBool()
	tc.PublisherCC, _ = r.ReadString(2)
	if err := r.check("core header"); err != nil {
		return err
	}
	if tc.PolicyVersion < minPolicyVersion {
		return fail(ReasonPolicyVersion, 0, "tcf policy version %d predates TCF 2.2 (policy version 4)", tc.PolicyVersion)
	}
	if !isLetters(tc.ConsentLanguage) {
		return fail(ReasonInvalidValue, 0, "the consent language is not two letters A-Z")
	}
	if !isLetters(tc.PublisherCC) {
		return fail(ReasonInvalidValue, 0, "the publisher country code is not two letters A-Z")
	}
	// TCF 2.2 removed legitimate interest for purposes 3 to 6, but IAB's own
	// library encodes and decodes such strings, and CMPs send them. They are
	// decoded as the library decodes them and the breach is reported
	// (PolicyViolations); LegitimateInterests, and so the consent gate, never
	// treats those bits as granting anything.
	for p := 3; p <= 6; p++ {
		if purposesLI[p] {
			tc.PolicyViolations = append(tc.PolicyViolations, ViolationLegitimateInterest)
			break
		}
	}
	tc.SpecialFeatureOptIns = setIDs(specialFeatures)
	tc.PurposeConsents = setIDs(purposes)
	tc.PurposeLegitimateInterests = setIDs(purposesLI)

	var err error
	if tc.VendorConsents, err = r.vendorSection("vendor consent section"); err != nil {
		return err
	}
	if tc.VendorLegitimateInterests, err = r.vendorSection("vendor legitimate interest section"); err != nil {
		return err
	}
	n, _ := r.ReadInt(12)
	entries, _ := r.ReadPubRestrictionEntries(uint(n))
	if err := r.check("publisher restrictions section"); err != nil {
		return err
	}
	tc.PublisherRestrictions = make([]PublisherRestriction, 0, len(entries))
	for _, e := range entries {
		if e.PurposeID == 0 {
			return fail(ReasonInvalidValue, 0, "a publisher restriction names purpose 0")
		}
		if e.RestrictionType > iabconsent.RequireLegitimateInterest {
			return fail(ReasonInvalidValue, 0, "publisher restriction type 3 is undefined")
		}
		pr := PublisherRestriction{Purpose: e.PurposeID, Type: RestrictionType(e.RestrictionType)}
		for _, rg := range e.RestrictionsRange {
			if err := checkRange(rg, maxVendorID, r.seg, "publisher restriction"); err != nil {
				return err
			}
			pr.Vendors = append(pr.Vendors, VendorRange{Start: rg.StartVendorID, End: rg.EndVendorID})
		}
		tc.PublisherRestrictions = append(tc.PublisherRestrictions, pr)
	}
	return r.finish()
}

func decodeDisclosed(tc *TCString, r *reader) error {
	r.ReadSegmentType()
	ids, err := r.vendorSection("DisclosedVendors segment")
	if err != nil {
		return err
	}
	tc.VendorsDisclosed = ids
	tc.HasDisclosedVendors = true
	return r.finish()
}

func decodePublisher(tc *TCString, r *reader) error {
	r.ReadSegmentType()
	e, _ := r.ReadPublisherTCEntry()
	if err := r.check("Publisher TC segment"); err != nil {
		return err
	}
	tc.Publisher = &PublisherTC{
		PurposeConsents:                  setIDs(e.PubPurposesConsent),
		PurposeLegitimateInterests:       setIDs(e.PubPurposesLITransparency),
		NumCustomPurposes:                e.NumCustomPurposes,
		CustomPurposeConsents:            setIDs(e.CustomPurposesConsent),
		CustomPurposeLegitimateInterests: setIDs(e.CustomPurposesLITransparency),
	}
	return r.finish()
}

// vendorSection reads MaxVendorId, the encoding flag and a bitfield or range
// list: the layout shared by the core's two vendor sections and the
// DisclosedVendors segment, which is why iabconsent's ReadVendors serves all
// three.
func (r *reader) vendorSection(section string) ([]int, error) {
	v, _ := r.ReadVendors(iabconsent.DisclosedVendors)
	if err := r.check(section); err != nil {
		return nil, err
	}
	if !v.IsRangeEncoding {
		return setIDs(v.Vendors), nil
	}
	for _, rg := range v.VendorEntries {
		if err := checkRange(rg, v.MaxVendorID, r.seg, section); err != nil {
			return nil, err
		}
	}
	return expandRanges(v.VendorEntries), nil
}

// maxVendorID is the largest id a 16-bit field holds; publisher restrictions
// have no MaxVendorId of their own.
const maxVendorID = 1<<16 - 1

// checkRange rejects ranges that no encoder writes: vendor id 0, an end before
// its start, or an id beyond the section's MaxVendorId.
func checkRange(rg *iabconsent.RangeEntry, maxID, seg int, section string) error {
	switch {
	case rg.StartVendorID == 0:
		return fail(ReasonInconsistent, seg, "a range in the %s starts at vendor id 0", section)
	case rg.EndVendorID < rg.StartVendorID:
		return fail(ReasonInconsistent, seg, "a range in the %s ends (%d) before it starts (%d)", section, rg.EndVendorID, rg.StartVendorID)
	case rg.EndVendorID > maxID:
		return fail(ReasonInconsistent, seg, "a range in the %s reaches vendor %d beyond its MaxVendorId %d", section, rg.EndVendorID, maxID)
	}
	return nil
}

// expandRanges returns the sorted, de-duplicated ids the ranges cover.
// Sorting and merging first keeps the cost linear in the ids produced (at
// most 65535) even when thousands of ranges overlap.
func expandRanges(entries []*iabconsent.RangeEntry) []int {
	rs := make([]VendorRange, 0, len(entries))
	for _, e := range entries {
		rs = append(rs, VendorRange{e.StartVendorID, e.EndVendorID})
	}
	slices.SortFunc(rs, func(a, b VendorRange) int { return a.Start - b.Start })
	ids := []int{}
	next := 1 // smallest id not yet emitted
	for _, rg := range rs {
		for id := max(rg.Start, next); id <= rg.End; id++ {
			ids = append(ids, id)
		}
		next = max(next, rg.End+1)
	}
	return ids
}

// setIDs turns iabconsent's bitfield map into a sorted, never-nil id list.
func setIDs(m map[int]bool) []int {
	ids := make([]int, 0, len(m))
	for id, on := range m {
		if on {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// isLetters reports whether s is two letters A-Z. iabconsent maps each 6-bit
// value v to 'A'+v, so values 26-63 come out as punctuation or lower case.
func isLetters(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// decodeBase64URL unpacks base64url characters into a bit buffer, 6 bits per
// character, most significant first. encoding/base64 is not used because it
// works in whole bytes: for a segment whose length is not a multiple of 4 it
// drops the last character's low bits, which may hold real fields. It
// returns the index of the first invalid character, or -1.
func decodeBase64URL(s string) (data []byte, nbits, bad int) {
	nbits = 6 * len(s)
	data = make([]byte, (nbits+7)/8)
	bit := 0
	for i := 0; i < len(s); i++ {
		v := b64Value(s[i])
		if v < 0 {
			return nil, 0, i
		}
		for k := 5; k >= 0; k-- {
			if v>>k&1 == 1 {
				data[bit/8] |= 0x80 >> (bit % 8)
			}
			bit++
		}
	}
	return data, nbits, -1
}

func b64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}
