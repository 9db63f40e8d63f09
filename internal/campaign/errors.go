package campaign

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound reports an unknown campaign or journey.
	ErrNotFound = errors.New("campaign: not found")
	// ErrBadToken reports an unsubscribe token that is malformed, forged or for another
	// deployment.
	ErrBadToken = errors.New("campaign: bad unsubscribe token")
	// ErrNoChannel reports a campaign whose channel this deployment has not configured.
	ErrNoChannel = errors.New("campaign: channel not configured")
	// ErrNotActive reports an operation that needs an active campaign.
	ErrNotActive = errors.New("campaign: not active")
)

// SpecError is a definition that does not check: where (a JSON pointer, and the line and
// column when the JSON itself is at fault) and what is wrong.
type SpecError struct {
	Pointer string // e.g. "/steps/2/branch/then"; "" for the whole document
	Line    int    // 1-based; 0 when unknown
	Column  int
	Reason  string
}

func (e *SpecError) Error() string {
	loc := e.Pointer
	if loc == "" {
		loc = "/"
	}
	if e.Line > 0 {
		return fmt.Sprintf("check definition: %d:%d: %s: %s", e.Line, e.Column, loc, e.Reason)
	}
	return fmt.Sprintf("check definition: %s: %s", loc, e.Reason)
}
