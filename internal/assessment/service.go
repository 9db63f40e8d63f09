package assessment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
)

// Kinds and statuses.
const (
	KindROPA  = "ropa"
	KindPIPIA = "pipia"

	StatusDraft      = "draft"
	StatusReviewed   = "reviewed"
	StatusApproved   = "approved"
	StatusSuperseded = "superseded"
)

// ActAssessment is the processing act of a step of an assessment (drafted, reviewed,
// approved, re-check drafted).
const ActAssessment audit.Act = "assessment"

// Validity is how long an approval holds before the yearly re-check (AD-04, PIPL Art. 55).
const Validity = 365 * 24 * time.Hour

// recheckAhead is how long before an approval falls due its re-check is drafted.
const recheckAhead = 30 * 24 * time.Hour

// Errors.
var (
	// ErrRequired: a manifest adds or changes a purpose that needs an approved impact
	// assessment, and none of its facts is approved (see RequiredError).
	ErrRequired = errors.New("an approved impact assessment is required")
	// ErrInvalid: a malformed request (unknown kind or purpose, a manifest that does not check).
	ErrInvalid = errors.New("assessment: invalid request")
	// ErrStep: the step does not follow from the assessment's status.
	ErrStep = errors.New("assessment: step not allowed")
	// ErrSamePerson: the approver reviewed it too (approval takes a second person).
	ErrSamePerson = errors.New("assessment: the approver must not be the reviewer")
)

// RequiredError lists the purposes a manifest may not publish without approved assessments.
type RequiredError struct {
	Needs []Need
}

func (e *RequiredError) Error() string {
	parts := make([]string, len(e.Needs))
	for i, n := range e.Needs {
		parts[i] = fmt.Sprintf("purpose %s (%s) needs an approved impact assessment of fingerprint %s", n.Purpose, strings.Join(n.Triggers, ", "), n.Fingerprint[:12])
	}
	return "publish: " + strings.Join(parts, "; ") + " — draft one from this manifest (kind pipia), have it reviewed and approved by a second person, then publish again (PIPL Art. 55)"
}

func (e *RequiredError) Unwrap() error { return ErrRequired }

// Store keeps assessments and reads consent counts (a measured fact).
type Store interface {
	store.Assessments
	ConsentCounts(ctx context.Context, from, to time.Time) ([]store.ConsentCount, error)
}

// Recorder records each step.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Measures are the measured facts an assessment quotes, from the other registers.
type Measures interface {
	// Transferred: people whose data went abroad this year, general and sensitive, and for
	// a purpose (all when "").
	Transferred(ctx context.Context, purpose string) (general, sensitive int64, err error)
	// LastRetentionRun: when retention last ran (zero if never).
	LastRetentionRun(ctx context.Context) (time.Time, error)
	// RetentionDays: how long a category's data is kept, and what happens then.
	RetentionDays(m *manifest.Manifest, category string) (int, string)
}

// Config is what a Service needs; Store, Manifest and Recorder are required.
type Config struct {
	Store    Store
	Manifest func() *manifest.Manifest
	Recorder Recorder
	Measures Measures
	Now      func() time.Time
}

// Service drafts, reviews and approves assessments, and gates publishing.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}
}

// View is an assessment as operators see it.
type View struct {
	ID           string          `json:"id"`
	Kind         string          `json:"kind"`
	Purpose      string          `json:"purpose,omitempty"`
	Fingerprint  string          `json:"fingerprint"`
	ManifestHash string          `json:"manifest_hash"`
	Status       string          `json:"status"`
	CreatedBy    string          `json:"created_by"`
	CreatedAt    time.Time       `json:"created_at"`
	ReviewedBy   string          `json:"reviewed_by,omitempty"`
	ReviewedAt   *time.Time      `json:"reviewed_at,omitempty"`
	ApprovedBy   string          `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time      `json:"approved_at,omitempty"`
	ReviewDue    *time.Time      `json:"review_due,omitempty"`
	RecheckOf    string          `json:"recheck_of,omitempty"`
	Note         string          `json:"note,omitempty"`
	Overdue      bool            `json:"overdue"`
	Content      json.RawMessage `json:"content"`
}

func (s *Service) view(a store.Assessment) View {
	v := View{ID: a.ID, Kind: a.Kind, Purpose: a.Purpose, Fingerprint: a.Fingerprint, ManifestHash: a.ManifestHash, Status: a.Status,
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, ReviewedBy: a.ReviewedBy, ReviewedAt: a.ReviewedAt, ApprovedBy: a.ApprovedBy,
		ApprovedAt: a.ApprovedAt, ReviewDue: a.ReviewDue, RecheckOf: a.RecheckOf, Note: a.Note, Content: a.Content}
	v.Overdue = a.Status == StatusApproved && a.ReviewDue != nil && !s.cfg.Now().Before(*a.ReviewDue)
	return v
}

func newID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "as_" + hex.EncodeToString(b)
}

// DraftRequest asks for a generated assessment.
type DraftRequest struct {
	Kind    string
	Purpose string
	// Manifest, when given, is a manifest not yet published to assess (YAML); otherwise the
	// manifest in force.
	Manifest  []byte
	Actor     string
	RecheckOf string
}

// Draft generates an assessment and stores it as a draft.
func (s *Service) Draft(ctx context.Context, req DraftRequest) (View, error) {
	m := s.cfg.Manifest()
	if len(req.Manifest) > 0 {
		var err error
		if m, err = manifest.Parse("steward.yaml", req.Manifest); err != nil {
			return View{}, fmt.Errorf("%w: the manifest to assess does not check: %v", ErrInvalid, err)
		}
	}
	a := store.Assessment{ID: newID(), Kind: req.Kind, Purpose: req.Purpose, ManifestHash: m.Hash(), Status: StatusDraft,
		CreatedBy: req.Actor, CreatedAt: s.cfg.Now().UTC(), RecheckOf: req.RecheckOf}
	var doc any
	var err error
	switch req.Kind {
	case KindPIPIA:
		if _, ok := m.Taxonomy.Purpose(req.Purpose); !ok {
			return View{}, fmt.Errorf("%w: the manifest has no purpose %q", ErrInvalid, req.Purpose)
		}
		f := FactsOf(m, req.Purpose)
		a.Fingerprint = f.Fingerprint()
		doc, err = s.pipia(ctx, m, f)
	case KindROPA:
		if req.Purpose != "" {
			return View{}, fmt.Errorf("%w: a record of processing covers every purpose; name none", ErrInvalid)
		}
		a.Fingerprint = m.Hash()
		doc, err = s.ropa(ctx, m)
	default:
		return View{}, fmt.Errorf("%w: kind is %s or %s", ErrInvalid, KindPIPIA, KindROPA)
	}
	if err != nil {
		return View{}, err
	}
	if a.Content, err = json.Marshal(doc); err != nil {
		return View{}, err
	}
	if err := s.cfg.Store.CreateAssessment(ctx, a); err != nil {
		return View{}, err
	}
	step := "drafted"
	if req.RecheckOf != "" {
		step = "recheck_drafted"
	}
	if err := s.record(ctx, a, step, req.Actor); err != nil {
		return View{}, err
	}
	return s.view(a), nil
}

func (s *Service) record(ctx context.Context, a store.Assessment, step, actor string) error {
	if actor == "" {
		actor = "system"
	}
	return s.cfg.Recorder.Record(ctx, audit.Event{Act: ActAssessment, Actor: actor, Purpose: a.Purpose, LegalBasis: "legal_obligation",
		Detail: map[string]string{"assessment": a.ID, "kind": a.Kind, "step": step, "fingerprint": a.Fingerprint}})
}

// Get returns one assessment.
func (s *Service) Get(ctx context.Context, id string) (View, error) {
	a, err := s.cfg.Store.Assessment(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.view(a), nil
}

// List returns every assessment, newest first.
func (s *Service) List(ctx context.Context) ([]View, error) {
	as, err := s.cfg.Store.ListAssessments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(as))
	for i, a := range as {
		out[i] = s.view(a)
	}
	return out, nil
}

// Review marks a draft reviewed.
func (s *Service) Review(ctx context.Context, id, actor, note string) (View, error) {
	a, err := s.cfg.Store.Assessment(ctx, id)
	if err != nil {
		return View{}, err
	}
	if a.Status != StatusDraft {
		return View{}, fmt.Errorf("%w: only a draft is reviewed (this one is %s)", ErrStep, a.Status)
	}
	now := s.cfg.Now().UTC()
	a.Status, a.ReviewedBy, a.ReviewedAt, a.Note = StatusReviewed, actor, &now, note
	if err := s.cfg.Store.UpdateAssessment(ctx, a, StatusDraft); err != nil {
		return View{}, err
	}
	if err := s.record(ctx, a, "reviewed", actor); err != nil {
		return View{}, err
	}
	return s.view(a), nil
}

// Approve approves a reviewed assessment: a second person, not the reviewer. It holds for
// a year; an earlier approval of the same kind and purpose is superseded.
func (s *Service) Approve(ctx context.Context, id, actor, note string) (View, error) {
	a, err := s.cfg.Store.Assessment(ctx, id)
	if err != nil {
		return View{}, err
	}
	if a.Status != StatusReviewed {
		return View{}, fmt.Errorf("%w: only a reviewed assessment is approved (this one is %s)", ErrStep, a.Status)
	}
	if actor == a.ReviewedBy {
		return View{}, ErrSamePerson
	}
	now := s.cfg.Now().UTC()
	due := now.Add(Validity)
	a.Status, a.ApprovedBy, a.ApprovedAt, a.ReviewDue = StatusApproved, actor, &now, &due
	if note != "" {
		a.Note = note
	}
	all, err := s.cfg.Store.ListAssessments(ctx)
	if err != nil {
		return View{}, err
	}
	if err := s.cfg.Store.UpdateAssessment(ctx, a, StatusReviewed); err != nil {
		return View{}, err
	}
	for _, o := range all {
		if o.ID != a.ID && o.Kind == a.Kind && o.Purpose == a.Purpose && o.Status == StatusApproved {
			o.Status = StatusSuperseded
			if err := s.cfg.Store.UpdateAssessment(ctx, o, StatusApproved); err != nil && !errors.Is(err, store.ErrConflict) {
				return View{}, err
			}
		}
	}
	if err := s.record(ctx, a, "approved", actor); err != nil {
		return View{}, err
	}
	return s.view(a), nil
}

// Gate refuses a manifest that adds a purpose needing an impact assessment, or changes
// such a purpose's facts, unless an approved assessment of exactly those facts is in force.
// Install it on the regime's Publish.
func (s *Service) Gate(ctx context.Context, cur, next *manifest.Manifest) error {
	needs := Needs(next)
	if len(needs) == 0 {
		return nil
	}
	as, err := s.cfg.Store.ListAssessments(ctx)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	var missing []Need
	for _, n := range needs {
		if cur != nil {
			if _, ok := cur.Taxonomy.Purpose(n.Purpose); ok && FactsOf(cur, n.Purpose).Fingerprint() == n.Fingerprint {
				continue // unchanged: its yearly re-check covers it
			}
		}
		if !slices.ContainsFunc(as, func(a store.Assessment) bool {
			return a.Kind == KindPIPIA && a.Purpose == n.Purpose && a.Fingerprint == n.Fingerprint &&
				(a.Status == StatusApproved || a.Status == StatusSuperseded) && a.ReviewDue != nil && now.Before(*a.ReviewDue)
		}) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return &RequiredError{Needs: missing}
	}
	return nil
}

// Recheck drafts the yearly re-check of every approval due within 30 days that has none
// yet, regenerated from the manifest in force; it returns how many it drafted.
func (s *Service) Recheck(ctx context.Context) (int, error) {
	as, err := s.cfg.Store.ListAssessments(ctx)
	if err != nil {
		return 0, err
	}
	now := s.cfg.Now()
	m := s.cfg.Manifest()
	n := 0
	for _, a := range as {
		if a.Status != StatusApproved || a.ReviewDue == nil || now.Add(recheckAhead).Before(*a.ReviewDue) {
			continue
		}
		if slices.ContainsFunc(as, func(o store.Assessment) bool { return o.RecheckOf == a.ID }) {
			continue
		}
		if a.Kind == KindPIPIA {
			if _, ok := m.Taxonomy.Purpose(a.Purpose); !ok {
				continue // the purpose is gone: nothing left to assess
			}
		}
		if _, err := s.Draft(ctx, DraftRequest{Kind: a.Kind, Purpose: a.Purpose, Actor: "system", RecheckOf: a.ID}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Needs lists the purposes of the manifest in force that need an impact assessment.
func (s *Service) Needs() []Need { return Needs(s.cfg.Manifest()) }
