package store

import (
	"context"
	"time"
)

// AlgorithmRecord is an operator's entry in the algorithm register (issue 24 item 2): the
// description of an algorithm that acts on people — or the filing number and corrections
// of one Steward registers itself — as JSON. Configuration, not personal data.
type AlgorithmRecord struct {
	ID        string
	Spec      []byte
	Actor     string
	UpdatedAt time.Time
}

// AlgorithmAssessment is one review of an algorithm (PIPL Art. 55(2), GB/T 35273 §7.7, ARP
// Art. 8; AD-04): who reviewed it when, what they concluded, and when the next review is
// due (at most a year later). Assessments are append-only: a new review is a new row.
type AlgorithmAssessment struct {
	ID         string
	Algorithm  string
	ReviewedAt time.Time
	NextDue    time.Time
	Reviewer   string
	// Outcome is the reviewer's conclusion (the algorithm package names the values).
	Outcome string
	Summary string
	// Reference names the assessment report (a PIA id or document).
	Reference string
}

// Algorithms keeps the algorithm register's operator entries and every assessment.
type Algorithms interface {
	// PutAlgorithm creates or replaces an operator's entry.
	PutAlgorithm(ctx context.Context, r AlgorithmRecord) error
	// AlgorithmRecords lists the operator entries by id.
	AlgorithmRecords(ctx context.Context) ([]AlgorithmRecord, error)
	// AddAlgorithmAssessment appends an assessment; ErrConflict if its id exists.
	AddAlgorithmAssessment(ctx context.Context, a AlgorithmAssessment) error
	// AlgorithmAssessments lists the assessments of one algorithm ("" for all), newest
	// review first.
	AlgorithmAssessments(ctx context.Context, algorithm string) ([]AlgorithmAssessment, error)
}
