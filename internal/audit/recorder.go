package audit

import (
	"context"
	"fmt"
	"time"
)

// Event is one processing act as its owner states it. The Recorder turns it into a leaf:
// it pseudonymises the subject, stamps the time and adds the categories the purpose may
// use, so owners never build leaves by hand.
type Event struct {
	Act Act
	// SubjectID is the person the act is about, as stored ("" for acts about no one, such
	// as a manifest change). It never reaches the log: the leaf carries its pseudonym.
	SubjectID  string
	Actor      string // operator id, "subject", "system", or a partner id
	Purpose    string
	LegalBasis string
	Recipient  string
	Detail     map[string]string
}

// Recorder appends processing acts to the ledger. Each owner of a processing act (the
// consent ledger, rights, the profile engine, the purpose-scoped reader, activation and
// measurement) holds one and records its own acts; callers never record for them.
type Recorder struct {
	app   *Appender
	pseud *Pseudonymizer
	cats  func(purpose string) []string
	now   func() time.Time
}

// RecorderConfig is what a Recorder needs. Appender and Pseudonymizer are required.
type RecorderConfig struct {
	Appender      *Appender
	Pseudonymizer *Pseudonymizer
	// Categories lists the data categories a purpose may use (what an act for it
	// touches); nil records none.
	Categories func(purpose string) []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewRecorder returns a Recorder.
func NewRecorder(cfg RecorderConfig) *Recorder {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Recorder{app: cfg.Appender, pseud: cfg.Pseudonymizer, cats: cfg.Categories, now: cfg.Now}
}

// Pseudonym returns the pseudonym the log uses for a subject.
func (r *Recorder) Pseudonym(subjectID string) string { return r.pseud.Pseudonym(subjectID) }

// Leaf builds the leaf for e without appending it.
func (r *Recorder) Leaf(e Event) Leaf {
	l := Leaf{Time: r.now().UTC(), Act: e.Act, Actor: e.Actor, Purpose: e.Purpose, LegalBasis: e.LegalBasis,
		Recipient: e.Recipient, Detail: e.Detail}
	if r.cats != nil && e.Purpose != "" {
		l.Categories = r.cats(e.Purpose)
	}
	if e.SubjectID != "" {
		l.Subject = r.pseud.Pseudonym(e.SubjectID)
	}
	return l
}

// Record appends one act and returns once it is durable.
func (r *Recorder) Record(ctx context.Context, e Event) error {
	_, err := r.RecordAll(ctx, []Event{e})
	return err
}

// RecordAll appends acts together (one wait, consecutive indexes barring an error) and
// returns their leaf indexes.
func (r *Recorder) RecordAll(ctx context.Context, es []Event) ([]uint64, error) {
	leaves := make([]Leaf, len(es))
	for i, e := range es {
		leaves[i] = r.Leaf(e)
	}
	idx, err := r.app.AppendAll(ctx, leaves)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return idx, nil
}
