package tcf

import (
	"errors"
	"fmt"
)

// Reason classifies why a TC string was rejected. The values are stable and
// appear in testdata/malformed.json, so callers may log or count them.
type Reason string

// The reasons Decode reports.
const (
	ReasonEmpty         Reason = "empty"          // no input, or an empty segment between dots
	ReasonTooLong       Reason = "too_long"       // longer than MaxLen characters
	ReasonBase64        Reason = "base64"         // a character outside the base64url alphabet
	ReasonTruncated     Reason = "truncated"      // a field runs past the end of its segment
	ReasonVersion       Reason = "version"        // encoding version is not 2
	ReasonPolicyVersion Reason = "policy_version" // TCF policy version older than 2.2
	ReasonSegmentType   Reason = "segment_type"   // unknown or removed segment type
	ReasonSegmentOrder  Reason = "segment_order"  // core not first, or a segment repeated
	ReasonInconsistent  Reason = "inconsistent"   // counts, ranges or padding that do not add up
	ReasonInvalidValue  Reason = "invalid_value"  // a field holds a value the spec forbids
)

// ErrMalformed matches every error Decode returns; the per-reason sentinels
// below wrap it, so errors.Is(err, ErrMalformed) and errors.Is(err,
// ErrTruncated) both hold for a truncated string.
var ErrMalformed = errors.New("malformed tc string")

// Per-reason sentinels, for errors.Is.
var (
	ErrEmpty         = reasonSentinel(ReasonEmpty)
	ErrTooLong       = reasonSentinel(ReasonTooLong)
	ErrBase64        = reasonSentinel(ReasonBase64)
	ErrTruncated     = reasonSentinel(ReasonTruncated)
	ErrVersion       = reasonSentinel(ReasonVersion)
	ErrPolicyVersion = reasonSentinel(ReasonPolicyVersion)
	ErrSegmentType   = reasonSentinel(ReasonSegmentType)
	ErrSegmentOrder  = reasonSentinel(ReasonSegmentOrder)
	ErrInconsistent  = reasonSentinel(ReasonInconsistent)
	ErrInvalidValue  = reasonSentinel(ReasonInvalidValue)
)

func reasonSentinel(r Reason) error { return fmt.Errorf("%w: %s", ErrMalformed, r) }

func (r Reason) sentinel() error {
	switch r {
	case ReasonEmpty:
		return ErrEmpty
	case ReasonTooLong:
		return ErrTooLong
	case ReasonBase64:
		return ErrBase64
	case ReasonTruncated:
		return ErrTruncated
	case ReasonVersion:
		return ErrVersion
	case ReasonPolicyVersion:
		return ErrPolicyVersion
	case ReasonSegmentType:
		return ErrSegmentType
	case ReasonSegmentOrder:
		return ErrSegmentOrder
	case ReasonInconsistent:
		return ErrInconsistent
	case ReasonInvalidValue:
		return ErrInvalidValue
	}
	return ErrMalformed
}

// DecodeError explains why Decode rejected a string. Detail is written for a
// human (an operator reading logs, a CMP developer reading an API response)
// and never quotes the string itself: a TC string is a per-person record.
type DecodeError struct {
	Reason  Reason
	Segment int    // 0-based position of the offending segment; -1 when not tied to one
	Detail  string // human-readable explanation
	Err     error  // underlying cause from the bit reader, if any
}

func (e *DecodeError) Error() string {
	msg := "decode tc string: "
	if e.Segment >= 0 {
		msg += fmt.Sprintf("segment %d: ", e.Segment)
	}
	return msg + string(e.Reason) + ": " + e.Detail
}

// Unwrap exposes the reason's sentinel (and through it ErrMalformed) and the
// underlying cause.
func (e *DecodeError) Unwrap() []error {
	errs := []error{e.Reason.sentinel()}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func fail(r Reason, segment int, format string, args ...any) *DecodeError {
	return &DecodeError{Reason: r, Segment: segment, Detail: fmt.Sprintf(format, args...)}
}
