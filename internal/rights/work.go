package rights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// Working a request (issue 18 item 4): operators see who asked (masked by their role) and
// what, assign it, keep notes (sealed under the person's key: a note may name them),
// verify the identity of someone who asked through the public form, and extend the
// deadline where the law allows it, stating why. Every step is recorded.

// Errors of working a request.
var (
	// ErrUnknownOperator: the assignee is not an operator.
	ErrUnknownOperator = errors.New("rights: no operator has this id")
	// ErrNoExtension: the law the request falls under allows no extension (PIPL and GB/T
	// 35273-2020 §8.7 set 30 days, and 15 working days for account deletion, flat).
	ErrNoExtension = errors.New("rights: the law of this request allows no extension")
	// ErrExtensionLate: an extension is told before the original deadline passes (GDPR
	// Art. 12(3): within the first month; RR-01).
	ErrExtensionLate = errors.New("rights: the deadline has passed; an extension must be told before it")
	// ErrAlreadyExtended: a deadline is extended once.
	ErrAlreadyExtended = errors.New("rights: the deadline was already extended")
	// ErrExtensionReason: an extension states its reason: complexity or volume.
	ErrExtensionReason = errors.New("rights: an extension states its reason: complexity or volume")
	// ErrClosed: the request is done or refused.
	ErrClosed = errors.New("rights: the request is closed")
	// ErrBadNote: a note is 1 to 4000 characters of text.
	ErrBadNote = errors.New("rights: a note is 1 to 4000 characters")
	// ErrNotVisitor: only a request from the public form needs its identity verified by an
	// operator (a session's was verified by the shop's login).
	ErrNotVisitor = errors.New("rights: this request's identity was verified by the shop's login")
	// ErrVerifyMethod: a verification names how the identity was checked.
	ErrVerifyMethod = errors.New("rights: verification method is email_on_file, reauthenticated or no_account")
	// ErrNoCustomer: no customer has the userId given.
	ErrNoCustomer = errors.New("rights: no customer has this userId")
)

// Verification methods an operator records.
const (
	// VerifyEmailOnFile: the email address the visitor confirmed is the customer's.
	VerifyEmailOnFile = "email_on_file"
	// VerifyReauthenticated: the visitor signed in to the shop (CCPA Regs §7060(c)).
	VerifyReauthenticated = "reauthenticated"
	// VerifyNoAccount: no customer record matches; the answer is that nothing is held.
	VerifyNoAccount = "no_account"
)

// ExtensionView says whether and how far a request may be extended.
type ExtensionView struct {
	Allowed bool      `json:"allowed"`
	Until   time.Time `json:"until,omitempty"`
	// Why is the law's word: what allows it, or why not.
	Why string `json:"why"`
}

// Requester is who asked, as the operator's role may see it: identifiers masked unless
// the role sees them in clear (SD-02).
type Requester struct {
	// Email is the address a visitor confirmed with a one-time code.
	Email string `json:"email,omitempty"`
	// Customer is the shop's customer the request is about, when known.
	UserID string `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"`
	// CustomerEmail is the email address on the customer's account.
	CustomerEmail string `json:"customer_email,omitempty"`
	Masked        bool   `json:"masked"`
	// Linked: the request is about a known customer (always, for a session's request).
	Linked bool `json:"linked"`
}

// NoteView is an operator's note.
type NoteView struct {
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
	Text  string    `json:"text"`
}

// NoticeView is one notification to the shop's backend and how it went.
type NoticeView struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	CreatedAt   time.Time  `json:"created_at"`
	Attempts    int        `json:"attempts"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	FailedAt    *time.Time `json:"failed_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
}

var (
	noteField      = vault.Binding{Table: "rights_notes", Field: "body"}
	requesterField = vault.Binding{Table: "rights_requests", Field: "requester"}
)

// visitorPrefix marks the subject a visitor's request is filed under until an operator
// links it to a customer: its own data key seals what the visitor wrote.
const visitorPrefix = "visitor_"

func isVisitor(subjectID string) bool { return strings.HasPrefix(subjectID, visitorPrefix) }

func open(state string) bool { return state != string(Done) && state != string(Refused) }

// extensionOf applies the law of the request: GDPR Art. 12(3) two further months, CCPA
// §1798.130(a)(2) 45 further days, each told before the original deadline; PIPL and GB/T
// 35273-2020 none.
func (s *Service) extensionOf(r store.RightsRequest, now time.Time) ExtensionView {
	dl := DeadlineFor(r.Jurisdiction, Type(r.Type), r.ReceivedAt, s.cfg.Calendar)
	switch {
	case dl.ExtendedDue.IsZero():
		return ExtensionView{Why: dl.Source + "; no extension"}
	case r.ExtendedAt != nil:
		return ExtensionView{Until: r.DueAt, Why: "extended once already"}
	case !open(r.State):
		return ExtensionView{Why: "closed"}
	case now.After(r.DueAt):
		return ExtensionView{Until: dl.ExtendedDue, Why: "the original deadline has passed"}
	}
	return ExtensionView{Allowed: true, Until: dl.ExtendedDue, Why: dl.Source}
}

// Extension reasons, as the law words them (GDPR Art. 12(3): "taking into account the
// complexity and number of the requests").
var extensionReasons = map[string]string{
	"complexity": "the request is complex",
	"volume":     "the shop received many requests",
}

// Extend moves a request's deadline to the furthest the law allows, once, before the
// original deadline, with the reason the person is told. It is recorded and notified.
func (s *Service) Extend(ctx context.Context, id, reason, actor string) (RequestView, error) {
	why, ok := extensionReasons[reason]
	if !ok {
		return RequestView{}, ErrExtensionReason
	}
	r, err := s.cfg.Store.RightsRequest(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	now := s.cfg.Now().UTC()
	ext := s.extensionOf(r, now)
	switch {
	case !open(r.State):
		return RequestView{}, ErrClosed
	case r.ExtendedAt != nil:
		return RequestView{}, ErrAlreadyExtended
	case ext.Until.IsZero():
		return RequestView{}, fmt.Errorf("%w (%s)", ErrNoExtension, r.Source)
	case !ext.Allowed:
		return RequestView{}, ErrExtensionLate
	}
	note := "deadline extended to " + ext.Until.Format(time.DateOnly) + " because " + why
	err = s.cfg.Store.ExtendRightsRequest(ctx, id, ext.Until, store.RightsStep{State: r.State, Actor: actor, Note: note, At: now})
	if errors.Is(err, store.ErrConflict) {
		return RequestView{}, ErrMovedMeanwhile
	}
	if err != nil {
		return RequestView{}, err
	}
	if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActRightsStep, SubjectID: r.SubjectID, Actor: actor, LegalBasis: "legal_obligation",
		Detail: map[string]string{"request": r.ID, "type": r.Type, "state": r.State, "step": "extended", "until": ext.Until.Format(time.DateOnly), "reason": reason}}); err != nil {
		return RequestView{}, err
	}
	r.DueAt = ext.Until
	if err := s.notify(ctx, r, NoticeExtended); err != nil {
		return RequestView{}, err
	}
	return s.Get(ctx, "", id)
}

// Assign sets the operator who works a request ("" unassigns). It is recorded.
func (s *Service) Assign(ctx context.Context, id, operatorID, actor string) (RequestView, error) {
	if operatorID != "" {
		if s.cfg.Operators == nil {
			return RequestView{}, ErrUnknownOperator
		}
		if _, err := s.cfg.Operators.GetOperator(ctx, operatorID); errors.Is(err, store.ErrNotFound) {
			return RequestView{}, ErrUnknownOperator
		} else if err != nil {
			return RequestView{}, err
		}
	}
	r, err := s.cfg.Store.RightsRequest(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	if err := s.cfg.Store.AssignRightsRequest(ctx, id, operatorID, s.cfg.Now().UTC()); err != nil {
		return RequestView{}, err
	}
	if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActRightsStep, SubjectID: r.SubjectID, Actor: actor, LegalBasis: "legal_obligation",
		Detail: map[string]string{"request": r.ID, "type": r.Type, "state": r.State, "step": "assigned", "assignee": operatorID}}); err != nil {
		return RequestView{}, err
	}
	return s.Get(ctx, "", id)
}

// AddNote keeps an operator's note on an open request, sealed under the person's key (a
// note may name the person, and goes with them when they are erased). The log records
// that a note was added, never its text.
func (s *Service) AddNote(ctx context.Context, id, text, actor string) (RequestView, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 4000 {
		return RequestView{}, ErrBadNote
	}
	r, err := s.cfg.Store.RightsRequest(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	if !open(r.State) {
		return RequestView{}, ErrClosed
	}
	body, err := s.cfg.Shredder.Seal(ctx, nil, r.SubjectID, noteField, []byte(text))
	if err != nil {
		return RequestView{}, err
	}
	if err := s.cfg.Store.AddRightsNote(ctx, store.RightsNote{RequestID: id, Actor: actor, At: s.cfg.Now().UTC(), Body: body}); err != nil {
		return RequestView{}, err
	}
	if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActRightsStep, SubjectID: r.SubjectID, Actor: actor, LegalBasis: "legal_obligation",
		Detail: map[string]string{"request": r.ID, "type": r.Type, "state": r.State, "step": "note"}}); err != nil {
		return RequestView{}, err
	}
	return s.Get(ctx, "", id)
}

// VerifyIdentity is the identity-verification step of a request that came in through the
// public form: the operator checked who the visitor is against the shop's own records and
// names the customer (the shop's userId) — the request, its details and notes are then
// re-sealed under that customer's key and the visitor's key destroyed — or records that no
// customer matches (method no_account), so the answer is that nothing is held. Either way
// the request becomes verified; one whose identity cannot be verified is refused with a
// reason instead (Step).
func (s *Service) VerifyIdentity(ctx context.Context, id, userID, method, actor string) (RequestView, error) {
	r, err := s.cfg.Store.RightsRequest(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	if r.Origin != store.OriginVisitor || !isVisitor(r.SubjectID) {
		return RequestView{}, ErrNotVisitor
	}
	if r.State != string(Received) {
		return RequestView{}, fmt.Errorf("%w: %s → %s", ErrTransition, r.State, Verified)
	}
	now := s.cfg.Now().UTC()
	var note string
	switch method {
	case VerifyEmailOnFile, VerifyReauthenticated:
		if strings.TrimSpace(userID) == "" || s.cfg.SubjectOf == nil {
			return RequestView{}, fmt.Errorf("%w: name the customer's userId", ErrNoCustomer)
		}
		to, err := s.cfg.SubjectOf(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return RequestView{}, ErrNoCustomer
		}
		if err != nil {
			return RequestView{}, err
		}
		if err := s.link(ctx, r, to, now); err != nil {
			return RequestView{}, err
		}
		r.SubjectID = to
		note = "identity verified (" + method + "); the request is about the customer's record"
	case VerifyNoAccount:
		note = "identity verified (" + method + "); no customer record matches, so nothing is held"
	default:
		return RequestView{}, ErrVerifyMethod
	}
	err = s.cfg.Store.StepRightsRequest(ctx, id, string(Received), store.RightsStep{State: string(Verified), Actor: actor, Note: note, At: now})
	if errors.Is(err, store.ErrConflict) {
		return RequestView{}, ErrMovedMeanwhile
	}
	if err != nil {
		return RequestView{}, err
	}
	if err := s.step(ctx, r, Verified, actor, note); err != nil {
		return RequestView{}, err
	}
	return s.Get(ctx, "", id)
}

// link moves a visitor's request to the customer: what the visitor wrote is opened under
// the visitor's key, sealed under the customer's, stored, and the visitor's key shredded.
func (s *Service) link(ctx context.Context, r store.RightsRequest, to string, now time.Time) error {
	move := func(b vault.Binding, ct []byte) ([]byte, error) {
		if len(ct) == 0 {
			return nil, nil
		}
		pt, err := s.cfg.Shredder.Open(ctx, r.SubjectID, b, ct)
		if err != nil {
			return nil, fmt.Errorf("link rights request: %w", err)
		}
		return s.cfg.Shredder.Seal(ctx, nil, to, b, pt)
	}
	details, err := move(detailsField, r.Details)
	if err != nil {
		return err
	}
	requester, err := move(requesterField, r.Requester)
	if err != nil {
		return err
	}
	ns, err := s.cfg.Store.RightsNotes(ctx, r.ID)
	if err != nil {
		return err
	}
	notes := make([][]byte, len(ns))
	for i, n := range ns {
		if notes[i], err = move(noteField, n.Body); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.LinkRightsRequest(ctx, r.ID, r.SubjectID, to, details, requester, notes, now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return ErrMovedMeanwhile
		}
		return err
	}
	return s.cfg.Shredder.Shred(ctx, r.SubjectID)
}

// GetAs returns one request for an operator: what the person asked, who they are (masked
// by the operator's role), the notes and the notifications sent. Opening what the person
// wrote is a read under the duty to handle the request, recorded.
func (s *Service) GetAs(ctx context.Context, id string, who Viewer) (RequestView, error) {
	r, err := s.cfg.Store.RightsRequest(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	v, err := s.withDetails(ctx, s.viewOf(r, s.cfg.Now()), r, who)
	if err != nil {
		return RequestView{}, err
	}
	if v.Requester, err = s.requester(ctx, r, who); err != nil {
		return RequestView{}, err
	}
	ns, err := s.cfg.Store.RightsNotes(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	req := access.Request{Actor: who.Actor, Viewer: who.Role, Purpose: access.PurposeRightsHandling, SubjectID: r.SubjectID}
	for _, n := range ns {
		pt, err := s.cfg.Reader.OpenSealed(ctx, req, noteField, n.Body)
		if err != nil {
			return RequestView{}, err
		}
		text := string(pt)
		if pt == nil {
			text = "" // the person was erased: their notes went with them
		}
		v.Notes = append(v.Notes, NoteView{Actor: n.Actor, At: n.At, Text: text})
	}
	nts, err := s.cfg.Store.RightsNotices(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	for _, n := range nts {
		v.Notices = append(v.Notices, NoticeView{ID: n.ID, Kind: n.Kind, CreatedAt: n.CreatedAt, Attempts: n.Attempts,
			DeliveredAt: n.DeliveredAt, FailedAt: n.FailedAt, LastError: n.LastError})
	}
	return v, nil
}

// requester says who asked, masked unless the operator's role sees identifiers in clear:
// the email a visitor confirmed, and for a request about a customer their userId, name and
// email as their account data holds them.
func (s *Service) requester(ctx context.Context, r store.RightsRequest, who Viewer) (*Requester, error) {
	clear := access.ClearIdentifiers(who.Role)
	mask := func(category, v string) string {
		if v == "" || clear {
			return v
		}
		m, _ := access.MaskValue(category, v).(string)
		return m
	}
	out := &Requester{Masked: !clear, Linked: !isVisitor(r.SubjectID)}
	if len(r.Requester) > 0 {
		pt, err := s.cfg.Reader.OpenSealed(ctx, access.Request{Actor: who.Actor, Viewer: who.Role, Purpose: access.PurposeRightsHandling,
			SubjectID: r.SubjectID}, requesterField, r.Requester)
		if err != nil {
			return nil, err
		}
		var rq struct {
			Email string `json:"email"`
		}
		if pt != nil {
			if err := json.Unmarshal(pt, &rq); err != nil {
				return nil, fmt.Errorf("rights request %s: requester: %w", r.ID, err)
			}
		}
		out.Email = mask("user.contact.email", rq.Email)
	}
	if !out.Linked {
		return out, nil
	}
	id, err := s.identityOf(ctx, r.SubjectID)
	if err != nil {
		return nil, err
	}
	if id.UserID == "" && id.Name == "" && id.Email == "" {
		return out, nil // erased, or never identified
	}
	// The operator reads who the person is under the duty to handle their request.
	if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActRead, SubjectID: r.SubjectID, Actor: who.Actor, Purpose: access.PurposeRightsHandling,
		LegalBasis: "legal_obligation", Detail: map[string]string{"what": "requester", "request": r.ID, "identifiers_in_clear": fmt.Sprint(clear)}}); err != nil {
		return nil, err
	}
	out.UserID, out.Name, out.CustomerEmail = mask("user.unique_id", id.UserID), mask("user.name", id.Name), mask("user.contact.email", id.Email)
	if !clear && out.UserID != "" {
		out.UserID = maskID(id.UserID)
	}
	return out, nil
}

// maskID keeps the first two characters of an id an operator must not see in full.
func maskID(v string) string {
	r := []rune(v)
	if len(r) <= 2 {
		return "***"
	}
	return string(r[:2]) + "***"
}

// identity is who a person is, as their own account data says.
type identity struct{ UserID, Name, Email string }

// identityOf reads the person's userId, name and email from their account data (the latest
// of each), through the purpose-scoped reader as Steward itself: callers mask and record.
func (s *Service) identityOf(ctx context.Context, subjectID string) (identity, error) {
	var id identity
	err := s.events(ctx, subjectID, func(e access.Event) {
		if u, ok := e.Fields["userId"].(string); ok && u != "" {
			id.UserID = u
		}
		if t, ok := e.Fields["traits"].(map[string]any); ok {
			if n, ok := t["name"].(string); ok && n != "" {
				id.Name = n
			}
			if m, ok := t["email"].(string); ok && m != "" {
				id.Email = m
			}
		}
	})
	return id, err
}
