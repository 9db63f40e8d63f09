package store

import (
	"context"
	"time"
)

// RightsRequest is a person's request about their data, with its current state.
type RightsRequest struct {
	ID           string
	SubjectID    string
	Type         string
	State        string
	Jurisdiction string
	ReceivedAt   time.Time
	DueAt        time.Time
	Source       string // the law the deadline comes from
	UpdatedAt    time.Time
	Steps        []RightsStep // set by RightsRequest, not by lists
	// Details is what the person asked (JSON), sealed under their data key; nil if none.
	Details []byte
	// Origin is how the request came in (OriginSession when empty).
	Origin string
	// Requester is who asked, sealed under the person's data key: the email address a
	// visitor confirmed; nil for requests filed in a session.
	Requester []byte
	// Assignee is the operator working the request ("" for nobody yet).
	Assignee string
	// ExtendedAt is when the deadline was extended (nil: never).
	ExtendedAt *time.Time
}

// RightsStep is one step a request went through.
type RightsStep struct {
	State string
	Actor string
	Note  string
	At    time.Time
}

// Rights keeps rights requests.
type Rights interface {
	// CreateRightsRequest stores a new request with its first step.
	CreateRightsRequest(ctx context.Context, r RightsRequest, first RightsStep) error
	// StepRightsRequest moves a request from state from to step.State, only if it is still
	// in from (ErrConflict otherwise: someone else moved it first).
	StepRightsRequest(ctx context.Context, id, from string, step RightsStep) error
	// RightsRequest returns one request with its steps.
	RightsRequest(ctx context.Context, id string) (RightsRequest, error)
	// ListRightsRequests returns requests, open ones first by deadline; subjectID "" lists all.
	ListRightsRequests(ctx context.Context, subjectID string) ([]RightsRequest, error)
}
