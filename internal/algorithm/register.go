package algorithm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// Store is what the register keeps.
type Store interface {
	store.Algorithms
}

// Recorder records the register's processing acts.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// ActRegister is the act of changing the register or recording an assessment.
const ActRegister audit.Act = "algorithm_register"

// Config is what a Register needs. Store is required.
type Config struct {
	Store    Store
	Recorder Recorder
	Now      func() time.Time
	// ReviewEvery is the longest time between reviews (default a year, AD-04).
	ReviewEvery time.Duration
	// WarnBefore is how long before a review is due the register says it is due soon
	// (default 30 days).
	WarnBefore time.Duration
	Log        *slog.Logger
}

// Register is the algorithm register.
type Register struct {
	cfg Config

	mu   sync.Mutex
	code []func() []Algorithm
}

// New returns a register.
func New(cfg Config) *Register {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReviewEvery == 0 {
		cfg.ReviewEvery = 365 * 24 * time.Hour
	}
	if cfg.WarnBefore == 0 {
		cfg.WarnBefore = 30 * 24 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Register{cfg: cfg}
}

// Add registers an algorithm the code describes (called again at every listing, so a
// description that follows configuration stays current).
func (r *Register) Add(describe func() Algorithm) {
	r.AddSet(func() []Algorithm { return []Algorithm{describe()} })
}

// AddSet registers a set of algorithms the code describes, e.g. one per model tag of the
// manifest in force.
func (r *Register) AddSet(describe func() []Algorithm) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.code = append(r.code, describe)
}

// Status says where an algorithm stands with its reviews.
type Status string

// Statuses.
const (
	StatusCurrent    Status = "current"
	StatusDueSoon    Status = "due_soon"
	StatusOverdue    Status = "overdue"
	StatusUnassessed Status = "unassessed"
)

// Outcomes of an assessment.
const (
	Approved        = "approved"
	ChangesRequired = "changes_required"
	Rejected        = "rejected"
)

// Assessment is one review of an algorithm.
type Assessment struct {
	ID         string    `json:"id"`
	Algorithm  string    `json:"algorithm"`
	ReviewedAt time.Time `json:"reviewed_at"`
	NextDue    time.Time `json:"next_due"`
	Reviewer   string    `json:"reviewer"`
	Outcome    string    `json:"outcome"`
	Summary    string    `json:"summary"`
	Reference  string    `json:"reference,omitempty"`
}

// Entry is an algorithm with where it stands.
type Entry struct {
	Algorithm
	// Source is "steward" for an algorithm the code describes, "operator" for one an
	// operator registered.
	Source string      `json:"source"`
	Last   *Assessment `json:"last_assessment,omitempty"`
	// NextDue is when the next review is due (zero when never assessed: due now).
	NextDue *time.Time `json:"next_due,omitempty"`
	Status  Status     `json:"status"`
}

// operatorSpec is what an operator stored: a whole description, or only the filing
// number of an algorithm the code describes.
type operatorSpec = Algorithm

// List returns every algorithm in the register by id, with its review status.
func (r *Register) List(ctx context.Context) ([]Entry, error) {
	recs, err := r.cfg.Store.AlgorithmRecords(ctx)
	if err != nil {
		return nil, err
	}
	all, err := r.cfg.Store.AlgorithmAssessments(ctx, "")
	if err != nil {
		return nil, err
	}
	latest := map[string]*Assessment{}
	for _, a := range all {
		if latest[a.Algorithm] == nil {
			v := assessmentOf(a)
			latest[a.Algorithm] = &v
		}
	}
	byID := map[string]Entry{}
	for _, a := range r.described() {
		byID[a.ID] = Entry{Algorithm: a, Source: "steward"}
	}
	for _, rec := range recs {
		var spec operatorSpec
		if err := json.Unmarshal(rec.Spec, &spec); err != nil {
			return nil, fmt.Errorf("algorithm register: entry %s: %w", rec.ID, err)
		}
		if e, ok := byID[rec.ID]; ok {
			e.FilingNumber = spec.FilingNumber
			byID[rec.ID] = e
			continue
		}
		if Check(spec) != nil {
			continue // the filing number of an algorithm the code no longer runs (a removed tag)
		}
		byID[rec.ID] = Entry{Algorithm: spec, Source: "operator"}
	}
	now := r.cfg.Now()
	out := make([]Entry, 0, len(byID))
	for id, e := range byID {
		e.Last = latest[id]
		e.Status, e.NextDue = r.status(e.Last, now)
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (r *Register) status(last *Assessment, now time.Time) (Status, *time.Time) {
	if last == nil {
		return StatusUnassessed, nil
	}
	due := last.NextDue
	switch {
	case !now.Before(due):
		return StatusOverdue, &due
	case !now.Before(due.Add(-r.cfg.WarnBefore)):
		return StatusDueSoon, &due
	}
	return StatusCurrent, &due
}

// described returns the algorithms the code describes, by id (the first description of
// an id wins; a duplicate is logged, never shown twice).
func (r *Register) described() []Algorithm {
	r.mu.Lock()
	fns := slices.Clone(r.code)
	r.mu.Unlock()
	seen := map[string]bool{}
	var out []Algorithm
	for _, fn := range fns {
		for _, a := range fn() {
			if seen[a.ID] {
				r.cfg.Log.Warn("algorithm register: described twice", "id", a.ID)
				continue
			}
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	return out
}

// Get returns one algorithm with its status.
func (r *Register) Get(ctx context.Context, id string) (Entry, error) {
	list, err := r.List(ctx)
	if err != nil {
		return Entry{}, err
	}
	for _, e := range list {
		if e.ID == id {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("%w: %q", ErrNotFound, id)
}

// Put registers an operator's algorithm, or sets the filing number of one the code
// describes (a description carrying anything else for such an id is refused with
// ErrDescribedByCode). It is recorded.
func (r *Register) Put(ctx context.Context, a Algorithm, actor string) (Entry, error) {
	builtin := false
	for _, d := range r.described() {
		if d.ID == a.ID {
			builtin = true
		}
	}
	if builtin {
		only := Algorithm{ID: a.ID, FilingNumber: a.FilingNumber}
		if !equal(a, only) {
			return Entry{}, fmt.Errorf("%w (%s)", ErrDescribedByCode, a.ID)
		}
		if len(a.FilingNumber) > 128 || strings.ContainsAny(a.FilingNumber, "\n\r") {
			return Entry{}, fmt.Errorf("%w: algorithm %q: filing_number is one line of at most 128 characters", ErrInvalid, a.ID)
		}
	} else if err := Check(a); err != nil {
		return Entry{}, err
	}
	spec, err := json.Marshal(a)
	if err != nil {
		return Entry{}, fmt.Errorf("algorithm register: %w", err)
	}
	if err := r.cfg.Store.PutAlgorithm(ctx, store.AlgorithmRecord{ID: a.ID, Spec: spec, Actor: actor, UpdatedAt: r.cfg.Now().UTC()}); err != nil {
		return Entry{}, err
	}
	if err := r.record(ctx, actor, map[string]string{"change": "put", "algorithm": a.ID, "filing_number": a.FilingNumber}); err != nil {
		return Entry{}, err
	}
	return r.Get(ctx, a.ID)
}

func equal(a, b Algorithm) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// AssessmentInput is what a reviewer records.
type AssessmentInput struct {
	// ReviewedAt defaults to now; it may not lie in the future.
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
	// NextDue defaults to ReviewedAt + ReviewEvery and may not be later.
	NextDue   time.Time `json:"next_due,omitzero"`
	Outcome   string    `json:"outcome"`
	Summary   string    `json:"summary"`
	Reference string    `json:"reference,omitempty"`
}

// Assess records a review of a registered algorithm. It is recorded.
func (r *Register) Assess(ctx context.Context, id string, in AssessmentInput, actor string) (Assessment, error) {
	if _, err := r.Get(ctx, id); err != nil {
		return Assessment{}, err
	}
	now := r.cfg.Now().UTC()
	if in.ReviewedAt.IsZero() {
		in.ReviewedAt = now
	}
	bad := func(why string) error { return fmt.Errorf("%w: assessment of %q: %s", ErrInvalid, id, why) }
	if in.ReviewedAt.After(now.Add(time.Minute)) {
		return Assessment{}, bad("reviewed_at lies in the future")
	}
	latestDue := in.ReviewedAt.Add(r.cfg.ReviewEvery)
	if in.NextDue.IsZero() {
		in.NextDue = latestDue
	}
	if !in.NextDue.After(in.ReviewedAt) || in.NextDue.After(latestDue) {
		return Assessment{}, bad(fmt.Sprintf("next_due must fall after reviewed_at and within %d days of it (reviewed at least yearly)", int(r.cfg.ReviewEvery.Hours()/24)))
	}
	switch in.Outcome {
	case Approved, ChangesRequired, Rejected:
	default:
		return Assessment{}, bad(fmt.Sprintf("outcome must be %s, %s or %s", Approved, ChangesRequired, Rejected))
	}
	if strings.TrimSpace(in.Summary) == "" || len(in.Summary) > 4000 {
		return Assessment{}, bad("summary says what was reviewed and found (at most 4000 bytes)")
	}
	if len(in.Reference) > 200 {
		return Assessment{}, bad("reference is at most 200 bytes")
	}
	b := make([]byte, 9)
	rand.Read(b)
	a := store.AlgorithmAssessment{ID: "as_" + hex.EncodeToString(b), Algorithm: id, ReviewedAt: in.ReviewedAt.UTC().Truncate(time.Microsecond),
		NextDue: in.NextDue.UTC().Truncate(time.Microsecond), Reviewer: actor, Outcome: in.Outcome, Summary: in.Summary, Reference: in.Reference}
	if err := r.cfg.Store.AddAlgorithmAssessment(ctx, a); err != nil {
		return Assessment{}, err
	}
	if err := r.record(ctx, actor, map[string]string{"change": "assessment", "algorithm": id, "outcome": a.Outcome,
		"next_due": a.NextDue.Format(time.DateOnly), "assessment": a.ID}); err != nil {
		return Assessment{}, err
	}
	return assessmentOf(a), nil
}

// Assessments lists an algorithm's reviews, newest first.
func (r *Register) Assessments(ctx context.Context, id string) ([]Assessment, error) {
	if _, err := r.Get(ctx, id); err != nil {
		return nil, err
	}
	as, err := r.cfg.Store.AlgorithmAssessments(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]Assessment, len(as))
	for i, a := range as {
		out[i] = assessmentOf(a)
	}
	return out, nil
}

// Reminders lists the algorithms whose review is overdue, due soon or never done.
func (r *Register) Reminders(ctx context.Context) ([]Entry, error) {
	list, err := r.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range list {
		if e.Status != StatusCurrent {
			out = append(out, e)
		}
	}
	return out, nil
}

// RunReminders logs the reminders now and then every interval until ctx ends, so a
// review that falls due is said where operators look, not only in the console.
func (r *Register) RunReminders(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rs, err := r.Reminders(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			r.cfg.Log.Warn("algorithm register: reminders failed", "err", err)
		case err == nil:
			for _, e := range rs {
				r.cfg.Log.Warn("algorithm review due", "algorithm", e.ID, "status", string(e.Status))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Register) record(ctx context.Context, actor string, detail map[string]string) error {
	if r.cfg.Recorder == nil {
		return nil
	}
	return r.cfg.Recorder.Record(ctx, audit.Event{Act: ActRegister, Actor: actor, LegalBasis: "legal_obligation", Detail: detail})
}

func assessmentOf(a store.AlgorithmAssessment) Assessment {
	return Assessment{ID: a.ID, Algorithm: a.Algorithm, ReviewedAt: a.ReviewedAt, NextDue: a.NextDue, Reviewer: a.Reviewer,
		Outcome: a.Outcome, Summary: a.Summary, Reference: a.Reference}
}
