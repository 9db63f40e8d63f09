package cleanroom

import (
	"errors"
	"fmt"
)

// Sentinels the state machines return; callers match them with errors.Is. A refused
// message never changes a state machine's state: the legitimate message can still arrive.
var (
	// ErrConfig: a Config or an input the state machine cannot start from.
	ErrConfig = errors.New("invalid clean-room configuration")
	// ErrInvalidKey matches every *KeyError (a match key that does not normalise).
	ErrInvalidKey = errors.New("invalid match key")
	// ErrMalformed matches every *MessageError (bytes that are not a message).
	ErrMalformed = errors.New("malformed clean-room message")
	// ErrWrongJob: the message names another job.
	ErrWrongJob = errors.New("message belongs to another job")
	// ErrTranscript: the message does not follow the messages this side has seen (it was
	// altered in transit, or belongs to another run of the job).
	ErrTranscript = errors.New("message does not follow the transcript")
	// ErrUnexpected: a message this role does not expect now (out of order, or a replay
	// of one already handled).
	ErrUnexpected = errors.New("unexpected message")
	// ErrInvalidElement: bytes that are not a ristretto255 element, or the identity.
	ErrInvalidElement = errors.New("invalid group element")
	// ErrDuplicate: a set that repeats an element (honest sets never do).
	ErrDuplicate = errors.New("duplicate element")
	// ErrInconsistent: a message whose parts do not fit what this side sent or agreed
	// (counts, parameters, a result without its sum).
	ErrInconsistent = errors.New("inconsistent message")
	// ErrBelowMinimum: the other side released a result below this side's minimum
	// intersection; this side withholds.
	ErrBelowMinimum = errors.New("intersection below the minimum")
	// ErrNoise: the Noiser refused (for instance the privacy budget is spent); the job fails.
	ErrNoise = errors.New("differential-privacy noise refused")
	// ErrClosed: the state machine was closed (its secrets are gone).
	ErrClosed = errors.New("clean-room state machine closed")
	// ErrFailed: an earlier step failed; the job cannot continue.
	ErrFailed = errors.New("clean-room job failed")
)

// Reasons a match key is rejected; stable strings for counters and logs.
const (
	ReasonMatchOn   = "match_on"  // neither email nor phone
	ReasonEmpty     = "empty"     // nothing after trimming
	ReasonTooLong   = "too_long"  // over the length limit
	ReasonEncoding  = "encoding"  // not UTF-8
	ReasonCharacter = "character" // a character the form does not allow
	ReasonSyntax    = "syntax"    // the shape is wrong ('@', parentheses, '+', trunk '0')
	ReasonRegion    = "region"    // the default region is not supported
	ReasonCountry   = "country"   // the country code is not supported
	ReasonLength    = "length"    // the national number's length is not used by its plan
	ReasonPattern   = "pattern"   // the number is not in its plan (CN, NANP)
)

// KeyError says why a match key was rejected. It never quotes the key.
type KeyError struct {
	On     MatchOn
	Reason string
	Detail string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("normalise %s: %s: %s", e.On, e.Reason, e.Detail)
}

func (e *KeyError) Unwrap() error { return ErrInvalidKey }

// MessageError says why bytes were not accepted as a message. Offset is where the
// problem was found (-1 when not tied to a position).
type MessageError struct {
	Reason string
	Offset int
	Detail string
}

// Reasons a message is rejected by ParseMessage.
const (
	ReasonTruncated = "truncated"  // fewer bytes than the fields need
	ReasonMagic     = "magic"      // not a clean-room message, or another version
	ReasonKind      = "kind"       // unknown message kind
	ReasonJob       = "job"        // job id empty, too long or with a forbidden byte
	ReasonCount     = "count"      // an element count over the limits
	ReasonTrailing  = "trailing"   // bytes after the last field
	ReasonValue     = "value"      // a field holds a value the format forbids
	ReasonParams    = "params"     // unknown homomorphic-encryption parameter set
	ReasonCoeff     = "coeff"      // a ciphertext coefficient not reduced modulo its prime
	ReasonSizeLimit = "size_limit" // the message is larger than MaxMessageSize
)

func (e *MessageError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("parse clean-room message: %s at byte %d: %s", e.Reason, e.Offset, e.Detail)
	}
	return fmt.Sprintf("parse clean-room message: %s: %s", e.Reason, e.Detail)
}

func (e *MessageError) Unwrap() error { return ErrMalformed }

func malformed(reason string, off int, format string, args ...any) *MessageError {
	return &MessageError{Reason: reason, Offset: off, Detail: fmt.Sprintf(format, args...)}
}
