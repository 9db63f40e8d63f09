package partner

import "fmt"

// Status is where a partnership stands. Only an active partner's calls verify, and an
// instance makes no calls to a partner that is not active.
type Status string

// The statuses of a partner.
const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended" // calls refused both ways until resumed; its running jobs stop (cleanroom.EventSuspend)
	StatusRevoked   Status = "revoked"   // the partnership is over; pair again with a new invite
)

// StatusEvent is a privacy officer's action on a partner.
type StatusEvent string

// The actions on a partner.
const (
	Suspend StatusEvent = "suspend"
	Resume  StatusEvent = "resume"
	Revoke  StatusEvent = "revoke"
)

// StatusError says a status change does not apply.
type StatusError struct {
	From  Status
	Event StatusEvent
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("partner %s: not allowed when %s", e.Event, e.From)
}

func (e *StatusError) Unwrap() error { return ErrStatus }

// Next returns the status after e:
//
//	active --suspend--> suspended --resume--> active
//	active, suspended --revoke--> revoked (final)
func (s Status) Next(e StatusEvent) (Status, error) {
	switch {
	case s == StatusActive && e == Suspend:
		return StatusSuspended, nil
	case s == StatusSuspended && e == Resume:
		return StatusActive, nil
	case (s == StatusActive || s == StatusSuspended) && e == Revoke:
		return StatusRevoked, nil
	}
	return s, &StatusError{From: s, Event: e}
}
