package segment

import (
	"errors"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"
)

// DefaultMinAudience is the smallest audience Export releases by default: below it, an
// "audience" starts to identify individuals (issue 8 item 4).
const DefaultMinAudience = 50

// ErrAudienceTooSmall is returned (wrapped) by Export below the minimum size.
var ErrAudienceTooSmall = errors.New("segment: audience too small to export")

// Eligibility is who may be reached, as sets of subjects. Allowed gives, per purpose, the
// subjects with a valid legal basis (consent or otherwise) for it; nil sets are empty.
type Eligibility struct {
	Allowed            func(purpose string) *roaring.Bitmap
	Objections         *roaring.Bitmap
	Minors             *roaring.Bitmap
	PersonalisationOff *roaring.Bitmap
	// AdFree: people no advertising may reach (a privacy subscription or an ad-free tier).
	AdFree *roaring.Bitmap
}

// Exclusion reasons; Audience applies them in the order personalisation off, objection,
// minor, ad-free, no legal basis.
const (
	ReasonPersonalisationOff = "personalisation_off"
	ReasonObjection          = "objection"
	ReasonMinor              = "minor"
	ReasonAdFree             = "ad_free"
	ReasonNotAllowed         = "no_legal_basis"
)

// Exclusion counts the matched people removed for one reason.
type Exclusion struct {
	Reason string `json:"reason"`
	Count  uint64 `json:"count"`
}

// Result is an audience with the reasons people were left out.
type Result struct {
	Purpose     string
	Advertising bool
	Matches     uint64
	Audience    *roaring.Bitmap
	Excluded    []Exclusion // every reason, in order, zero counts included
}

// Audience computes matches ∩ allowed(purpose) − objections − minors (advertising purposes
// only) − personalisation off. Each excluded person is counted once, under the first reason
// that removed them, so the exclusion counts add up to Matches − Audience size. The person's
// own signals are attributed first (personalisation off, objection), then age, and only then
// the missing legal basis: turning personalisation off also withdraws the targeting consents,
// and the operator should see that it was the person's switch, not a consent never given.
func Audience(matches *roaring.Bitmap, el Eligibility, purpose string, advertising bool) Result {
	r := Result{Purpose: purpose, Advertising: advertising, Matches: matches.GetCardinality()}
	left := matches.Clone()
	remove := func(reason string, set *roaring.Bitmap) {
		before := left.GetCardinality()
		if set != nil {
			left.AndNot(set)
		}
		r.Excluded = append(r.Excluded, Exclusion{reason, before - left.GetCardinality()})
	}
	remove(ReasonPersonalisationOff, el.PersonalisationOff)
	remove(ReasonObjection, el.Objections)
	if advertising {
		remove(ReasonMinor, el.Minors)
		remove(ReasonAdFree, el.AdFree)
	} else {
		remove(ReasonMinor, nil)
		remove(ReasonAdFree, nil)
	}
	var allowed *roaring.Bitmap
	if el.Allowed != nil {
		allowed = el.Allowed(purpose)
	}
	if allowed == nil {
		allowed = roaring.New() // default deny
	}
	before := left.GetCardinality()
	left.And(allowed)
	r.Excluded = append(r.Excluded, Exclusion{ReasonNotAllowed, before - left.GetCardinality()})
	r.Audience = left
	return r
}

// Size is the audience size.
func (r Result) Size() uint64 { return r.Audience.GetCardinality() }

// Preview is what an operator may see before export: counts only, never who.
type Preview struct {
	Purpose  string      `json:"purpose"`
	Matches  uint64      `json:"matches"`
	Size     uint64      `json:"size"`
	Excluded []Exclusion `json:"excluded"`
}

// Preview returns the counts.
func (r Result) Preview() Preview {
	return Preview{Purpose: r.Purpose, Matches: r.Matches, Size: r.Size(), Excluded: append([]Exclusion(nil), r.Excluded...)}
}

// ErrBelowFloor: a caller asked for a minimum audience below DefaultMinAudience. The
// minimum protects the people in the audience, so a caller may raise it, never lower it
// (issue 17).
var ErrBelowFloor = fmt.Errorf("segment: min_audience below the floor of %d", DefaultMinAudience)

// Export releases the audience's subject ids when it has at least k people (k <= 0 means
// DefaultMinAudience; 0 < k < DefaultMinAudience is ErrBelowFloor).
func (r Result) Export(k int) ([]uint32, error) {
	if k <= 0 {
		k = DefaultMinAudience
	}
	if k < DefaultMinAudience {
		return nil, fmt.Errorf("%w (asked for %d)", ErrBelowFloor, k)
	}
	if n := r.Size(); n < uint64(k) {
		return nil, fmt.Errorf("%w: %d people for purpose %q, the minimum is %d", ErrAudienceTooSmall, n, r.Purpose, k)
	}
	return r.Audience.ToArray(), nil
}
