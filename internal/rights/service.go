package rights

import (
	"encoding/json"

	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/vault"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// Store is what the service keeps and erases.
type Store interface {
	store.Rights
	store.RightsWork
	store.Erasure
	store.LegalHold
	store.Suppressions
}

// Indexer computes the keyed blind index of an outside identifier (the vault's).
type Indexer interface {
	Index(kind, value string) ([]byte, error)
}

// Vault seals what a person writes in a request under their data key, and destroys that key
// on erasure (crypto-shredding), so every copy of their data becomes unreadable.
type Vault interface {
	Seal(ctx context.Context, keys store.KeyAccess, subjectID string, b vault.Binding, plaintext []byte) ([]byte, error)
	// Open is used only to move what a visitor wrote to the customer it turns out to be
	// (the request is re-sealed under that customer's key); reads for people go through
	// the purpose-scoped reader.
	Open(ctx context.Context, subjectID string, b vault.Binding, ciphertext []byte) ([]byte, error)
	Shred(ctx context.Context, subjectID string) error
}

// detailsField is where a request's details are sealed.
var detailsField = vault.Binding{Table: "rights_requests", Field: "details"}

// Recorder records the service's processing acts.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Profiles is what the service needs of the profile engine: to forget an erased person and
// to list the tags used on them for their export. Nil when profiles are off.
type Profiles interface {
	Forget(subjectIDs ...string)
	Ready() bool
	TagsOf(subjectID, lang string, visibleOnly bool) []profile.Assignment
}

// Forgetter forgets people it holds in memory.
type Forgetter interface {
	Forget(subjectIDs ...string)
}

// Config is what a Service needs. Everything but Profiles is required.
type Config struct {
	Store    Store
	Ledger   *consent.Ledger
	Reader   *access.Reader
	Shredder Vault
	Regime   func() *regime.Regime
	Recorder Recorder
	Profiles Profiles
	// Forgetters hold people's data in memory beside the profile engine (the recommender's
	// model): an erasure makes each forget the person at once.
	Forgetters []Forgetter
	// HoldKey keys the pseudonym of records kept under legal hold after an erasure.
	HoldKey []byte
	// Index finds the blind index of a userId whose suppression an operator lifts.
	Index Indexer
	// Calendar tells working days apart (nil: Monday to Friday).
	Calendar Calendar
	Now      func() time.Time

	// Operators finds the operator a request is assigned to; nil refuses assignment.
	Operators Operators
	// SubjectOf finds the subject of the shop's userId (the identity a visitor turns out to
	// have); nil refuses linking a visitor's request to a customer.
	SubjectOf func(ctx context.Context, userID string) (string, error)
	// Webhook notifies the shop's backend of each change of a request (empty URL: off).
	Webhook Webhook
	// Mail sends visitors their one-time code; nil refuses requests without an account.
	Mail Mailer
	// Log receives warnings of background work (never personal data); nil discards them.
	Log *slog.Logger
	// Reports is the audit log's read side: the person's activity in plain words and the
	// data-flow view are built from their transparency report. Nil answers ErrNoReport.
	Reports Reports
}

// Operators finds operators.
type Operators interface {
	GetOperator(ctx context.Context, id string) (store.Operator, error)
}

// Reports builds a person's transparency report (the audit log's).
type Reports interface {
	Report(ctx context.Context, subjectID string) (audit.TransparencyReport, error)
}

// Service runs rights requests: it files them with their deadline, carries out what a
// verified session may do at once (access, export, withdrawal, objection, erasure and
// account deletion), lets operators work the rest, and erases people completely. It records
// every step.
type Service struct {
	cfg Config
	// kick wakes the notice loop when a notice was queued.
	kick chan struct{}
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Calendar == nil {
		cfg.Calendar = Weekdays{}
	}
	return &Service{cfg: cfg, kick: make(chan struct{}, 1)}
}

// Errors of the service.
var (
	// ErrUnknownType: not a request type.
	ErrUnknownType = errors.New("rights: unknown request type")
	// ErrUnknownJurisdiction: jurisdiction is CN, EU or US-CA.
	ErrUnknownJurisdiction = errors.New("rights: jurisdiction is CN, EU or US-CA")
	// ErrBadDetails: a request lacks what its type needs (a withdrawal names its purpose).
	ErrBadDetails = errors.New("rights: the request's details are incomplete")
	// ErrIncomplete: an erasure left rows behind (the completeness check failed).
	ErrIncomplete = errors.New("rights: erasure left rows behind")
)

// dueSoonWarning is how long before a deadline operators are warned.
const dueSoonWarning = 72 * time.Hour

// RequestView is a request as people and operators see it.
type RequestView struct {
	ID             string     `json:"id"`
	Type           string     `json:"type"`
	State          string     `json:"state"`
	Jurisdiction   string     `json:"jurisdiction"`
	ReceivedAt     time.Time  `json:"received_at"`
	Deadline       time.Time  `json:"deadline"`
	DeadlineSource string     `json:"deadline_source"`
	DueSoon        bool       `json:"due_soon"`
	Overdue        bool       `json:"overdue"`
	Steps          []StepView `json:"steps,omitempty"`
	// Details is what the person asked (the field to correct, the processing they object
	// to, …), for them and for the operators handling the request.
	Details map[string]any `json:"details,omitempty"`
	// Origin is how the request came in: session (the shop's login) or visitor (the public
	// form, the email address confirmed by a one-time code).
	Origin string `json:"origin"`
	// Extended is set once the deadline was extended (the step says why).
	Extended bool `json:"extended"`
	// Extension says whether the law of the request allows extending it, and to when.
	Extension ExtensionView `json:"extension"`
	// The working state, for operators only (GetAs).
	Assignee  string       `json:"assignee,omitempty"`
	Requester *Requester   `json:"requester,omitempty"`
	Notes     []NoteView   `json:"notes,omitempty"`
	Notices   []NoticeView `json:"notices,omitempty"`
}

// StepView is one step of a request.
type StepView struct {
	State string    `json:"state"`
	Actor string    `json:"actor"`
	Note  string    `json:"note"`
	At    time.Time `json:"at"`
}

func (s *Service) viewOf(r store.RightsRequest, now time.Time) RequestView {
	d := Deadline{Due: r.DueAt}
	origin := r.Origin
	if origin == "" {
		origin = store.OriginSession
	}
	v := RequestView{ID: r.ID, Type: r.Type, State: r.State, Jurisdiction: r.Jurisdiction, ReceivedAt: r.ReceivedAt,
		Deadline: r.DueAt, DeadlineSource: r.Source, DueSoon: DueSoon(d, State(r.State), now, dueSoonWarning),
		Overdue: r.State != string(Done) && r.State != string(Refused) && now.After(r.DueAt),
		Origin:  origin, Extended: r.ExtendedAt != nil, Extension: s.extensionOf(r, now), Assignee: r.Assignee}
	for _, s := range r.Steps {
		v.Steps = append(v.Steps, StepView{State: s.State, Actor: s.Actor, Note: s.Note, At: s.At})
	}
	return v
}

func (s *Service) step(ctx context.Context, req store.RightsRequest, state State, actor, note string) error {
	if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActRightsStep, SubjectID: req.SubjectID, Actor: actor, LegalBasis: "legal_obligation",
		Detail: map[string]string{"request": req.ID, "type": req.Type, "state": string(state), "note": note}}); err != nil {
		return err
	}
	req.State = string(state)
	return s.notify(ctx, req, NoticeState)
}

// file stores a request received and verified in the person's own session, its details
// sealed under the person's data key.
func (s *Service) file(ctx context.Context, subjectID string, t Type, jurisdiction string, details map[string]any) (store.RightsRequest, error) {
	now := s.cfg.Now().UTC()
	dl := DeadlineFor(jurisdiction, t, now, s.cfg.Calendar)
	req := store.RightsRequest{ID: newID("rr_"), SubjectID: subjectID, Type: string(t), State: string(Verified),
		Jurisdiction: jurisdiction, ReceivedAt: now, DueAt: dl.Due, Source: dl.Source, UpdatedAt: now, Origin: store.OriginSession}
	if len(details) > 0 {
		pt, err := json.Marshal(details)
		if err != nil {
			return req, fmt.Errorf("%w: %v", ErrBadDetails, err)
		}
		if req.Details, err = s.cfg.Shredder.Seal(ctx, nil, subjectID, detailsField, pt); err != nil {
			return req, err
		}
	}
	if err := s.cfg.Store.CreateRightsRequest(ctx, req, store.RightsStep{State: string(Received), Actor: "subject", Note: "verified by a privacy-center session", At: now}); err != nil {
		return req, err
	}
	return req, s.step(ctx, req, Verified, "subject", "received and verified by a privacy-center session")
}

func newID(prefix string) string {
	b := make([]byte, 9)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (s *Service) done(ctx context.Context, req store.RightsRequest, note string) error {
	if err := s.cfg.Store.StepRightsRequest(ctx, req.ID, string(Verified), store.RightsStep{State: string(Done), Actor: "system", Note: note, At: s.cfg.Now().UTC()}); err != nil {
		return err
	}
	return s.step(ctx, req, Done, "system", note)
}

// SignalRestricted is the ledger signal of a person's restriction of processing (GDPR Art.
// 18, PIPL Art. 44, RR-05): set when they ask, lifted when an operator refuses the request
// with a reason. The policy reads it as policy.Facts.Restricted.
const SignalRestricted = consent.SignalRestricted

// Create files a request made in a verified privacy-center session. Requests the person's
// own session can carry out are done at once: access and export (the portable JSON),
// withdrawal, objection to direct marketing (or to a purpose resting on consent, which
// withdraws it), erasure and account deletion (with the completeness check as the step's
// note). A restriction takes effect at once and waits for an operator to confirm or lift
// it; the others wait, verified, for an operator.
func (s *Service) Create(ctx context.Context, subjectID, typ, jurisdiction string, details map[string]any) (RequestView, error) {
	t, ok := ParseType(typ)
	if !ok {
		return RequestView{}, fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	r := s.cfg.Regime()
	switch jurisdiction {
	case "":
		var err error
		if jurisdiction, err = s.JurisdictionOf(ctx, subjectID); err != nil {
			return RequestView{}, err
		}
	case "CN", "EU", "US-CA":
	default:
		return RequestView{}, ErrUnknownJurisdiction
	}
	if t.AboutDecision() {
		d, _ := details["decision"].(string)
		if strings.TrimSpace(d) == "" || len(d) > 500 {
			return RequestView{}, fmt.Errorf("%w: an explanation or human review names the decision it concerns in details.decision (at most 500 bytes)", ErrBadDetails)
		}
	}
	purpose, _ := details["purpose"].(string)
	switch t {
	case Withdrawal:
		if p, ok := r.Purpose(purpose); !ok || !p.NeedsConsent() {
			return RequestView{}, fmt.Errorf("%w: a withdrawal names a consent-based purpose in details.purpose", ErrBadDetails)
		}
	case Objection:
		if _, ok := r.Purpose(purpose); purpose != "" && !ok {
			return RequestView{}, fmt.Errorf("%w: an objection names a purpose of the manifest in details.purpose, or none for direct marketing", ErrBadDetails)
		}
	}
	if t == Erasure || t == AccountDeletion {
		// The shop's backend is told which customer was erased, after the data that names
		// them is gone: find out now.
		ctx = s.rememberUserID(ctx, subjectID)
	}
	req, err := s.file(ctx, subjectID, t, jurisdiction, details)
	if err != nil {
		return RequestView{}, err
	}
	meta := consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject", Jurisdiction: jurisdiction, Evidence: map[string]any{"request": req.ID}}
	switch t {
	case Access, Export:
		err = s.done(ctx, req, "available at GET /api/v1/me/export")
	case Withdrawal:
		if err = s.cfg.Ledger.Withdraw(ctx, subjectID, purpose, meta); err == nil {
			err = s.done(ctx, req, "withdrew "+purpose)
		}
	case Objection:
		p, _ := r.Purpose(purpose)
		switch {
		case purpose == "" || p.Marketing || r.Advertising(purpose):
			// GDPR Art. 21(2)-(3): the objection to direct marketing is absolute.
			if _, err = s.cfg.Ledger.Record(ctx, subjectID, []consent.Choice{{Key: consent.SignalObjectDirectMarketing, Granted: true}}, meta); err == nil {
				err = s.done(ctx, req, "objection to direct marketing recorded; all targeting stops")
			}
		case p.NeedsConsent():
			if err = s.cfg.Ledger.Withdraw(ctx, subjectID, purpose, meta); err == nil {
				err = s.done(ctx, req, "objection to "+purpose+": the consent it rested on is withdrawn")
			}
		}
		// Otherwise the purpose rests on another basis: the shop weighs the objection (GDPR
		// Art. 21(1)) and an operator answers it.
	case Restriction:
		// RR-05: everything but storage stops now; an operator confirms or lifts it.
		_, err = s.cfg.Ledger.Record(ctx, subjectID, []consent.Choice{{Key: SignalRestricted, Granted: true}}, meta)
	case Erasure, AccountDeletion:
		var rep ErasureReport
		if rep, err = s.erase(ctx, subjectID); err == nil {
			if !rep.Complete {
				return RequestView{}, fmt.Errorf("%w: %v", ErrIncomplete, rep.Remaining)
			}
			err = s.done(ctx, req, fmt.Sprintf("erased %d subject records; completeness check found nothing left", len(rep.Subjects)))
		}
	}
	if err != nil {
		return RequestView{}, err
	}
	return s.Get(ctx, subjectID, req.ID)
}

// Get returns one request; subjectID "" for operators, else only the subject's own (another
// subject's request is "not found", exactly like an id that does not exist).
func (s *Service) Get(ctx context.Context, subjectID, id string) (RequestView, error) {
	r, err := s.cfg.Store.RightsRequest(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	if subjectID == "" {
		return s.viewOf(r, s.cfg.Now()), nil // operators read details through GetAs, recorded
	}
	if r.SubjectID != subjectID {
		return RequestView{}, store.ErrNotFound
	}
	v := s.viewOf(r, s.cfg.Now())
	v.Assignee = "" // which operator works it is the shop's business
	return s.withDetails(ctx, v, r, Viewer{Actor: "subject", Role: access.ViewerSubject})
}

// Viewer is who reads a request: the person, or an operator (id and role).
type Viewer struct{ Actor, Role string }

// withDetails opens a request's details for its viewer: the person reads their own under
// their right of access, an operator under the duty to handle the request (recorded).
func (s *Service) withDetails(ctx context.Context, v RequestView, r store.RightsRequest, who Viewer) (RequestView, error) {
	if len(r.Details) == 0 {
		return v, nil
	}
	purpose := access.PurposeRightsAccess
	if who.Role != access.ViewerSubject {
		purpose = access.PurposeRightsHandling
	}
	pt, err := s.cfg.Reader.OpenSealed(ctx, access.Request{Actor: who.Actor, Viewer: who.Role, Purpose: purpose, SubjectID: r.SubjectID}, detailsField, r.Details)
	if err != nil || pt == nil {
		return v, err
	}
	if err := json.Unmarshal(pt, &v.Details); err != nil {
		return v, fmt.Errorf("rights request %s: details: %w", r.ID, err)
	}
	return v, nil
}

// List returns one subject's requests, or all ("") for operators.
func (s *Service) List(ctx context.Context, subjectID string) ([]RequestView, error) {
	rs, err := s.cfg.Store.ListRightsRequests(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	out := make([]RequestView, 0, len(rs))
	for _, r := range rs {
		v := s.viewOf(r, s.cfg.Now())
		if subjectID != "" {
			v.Assignee = ""
		}
		out = append(out, v)
	}
	return out, nil
}

// ErrMovedMeanwhile: the request was moved by someone else; reload it.
var ErrMovedMeanwhile = errors.New("rights: the request was moved by someone else; reload it")

// Step moves a request on (operators), with the reason. Closing an erasure that came in
// through the public form, once linked to a customer, erases them first (with the
// completeness check); refusing a restriction lifts it.
func (s *Service) Step(ctx context.Context, id, to, reason, actor string) (RequestView, error) {
	r, err := s.cfg.Store.RightsRequest(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	if err := Step(State(r.State), State(to), reason); err != nil {
		return RequestView{}, err
	}
	erase := to == string(Done) && (r.Type == string(Erasure) || r.Type == string(AccountDeletion)) && r.Origin == store.OriginVisitor && !isVisitor(r.SubjectID)
	if erase {
		ctx = s.rememberUserID(ctx, r.SubjectID)
	}
	err = s.cfg.Store.StepRightsRequest(ctx, id, r.State, store.RightsStep{State: to, Actor: actor, Note: reason, At: s.cfg.Now().UTC()})
	if errors.Is(err, store.ErrConflict) {
		return RequestView{}, ErrMovedMeanwhile
	}
	if err != nil {
		return RequestView{}, err
	}
	if err := s.step(ctx, r, State(to), actor, reason); err != nil {
		return RequestView{}, err
	}
	switch {
	case erase:
		rep, err := s.erase(ctx, r.SubjectID)
		if err != nil {
			return RequestView{}, err
		}
		if !rep.Complete {
			return RequestView{}, fmt.Errorf("%w: %v", ErrIncomplete, rep.Remaining)
		}
	case r.Type == string(Restriction) && to == string(Refused) && !isVisitor(r.SubjectID):
		meta := consent.Meta{Method: store.MethodOperator, Actor: actor, Evidence: map[string]any{"request": r.ID}}
		if _, err := s.cfg.Ledger.Record(ctx, r.SubjectID, []consent.Choice{{Key: SignalRestricted, Granted: false}}, meta); err != nil {
			return RequestView{}, err
		}
	}
	return s.Get(ctx, "", id)
}

// recordExport records the person's own export of their data.
func (s *Service) recordExport(ctx context.Context, subjectID string, events int) error {
	return s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActExport, SubjectID: subjectID, Actor: "subject", Purpose: access.PurposeRightsAccess,
		LegalBasis: "legal_obligation", Detail: map[string]string{"events": strconv.Itoa(events)}})
}

// JurisdictionOf is the law a person's request falls under, from the person: the country
// (and state) of their address, else where their latest event came from, else the shop's
// home (issue 16 item 4: a shopper in Leipzig gets the GDPR's month, a Californian the
// CCPA's 45 days).
func (s *Service) JurisdictionOf(ctx context.Context, subjectID string) (string, error) {
	var address, seen [2]string
	err := s.events(ctx, subjectID, func(e access.Event) {
		if t, ok := e.Fields["traits"].(map[string]any); ok {
			if a, ok := t["address"].(map[string]any); ok {
				c, _ := a["country"].(string)
				st, _ := a["state"].(string)
				if c != "" {
					address = [2]string{c, st}
				}
			}
		}
		if c, ok := e.Fields["context"].(map[string]any); ok {
			if l, ok := c["location"].(map[string]any); ok {
				country, _ := l["country"].(string)
				region, _ := l["region"].(string)
				if country != "" {
					seen = [2]string{country, region}
				}
			}
		}
	})
	if err != nil {
		return "", err
	}
	return s.cfg.Regime().Jurisdiction(address, seen), nil
}
