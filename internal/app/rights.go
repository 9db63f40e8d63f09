package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
)

// dueSoonWarning is how long before a deadline operators are warned.
const dueSoonWarning = 72 * time.Hour

func requestJSON(r store.RightsRequest, now time.Time) map[string]any {
	d := rights.Deadline{Due: r.DueAt}
	out := map[string]any{"id": r.ID, "type": r.Type, "state": r.State, "jurisdiction": r.Jurisdiction, "received_at": r.ReceivedAt,
		"deadline": r.DueAt, "deadline_source": r.Source, "due_soon": rights.DueSoon(d, rights.State(r.State), now, dueSoonWarning),
		"overdue": r.State != string(rights.Done) && r.State != string(rights.Refused) && now.After(r.DueAt)}
	if r.Steps != nil {
		var steps []map[string]any
		for _, s := range r.Steps {
			steps = append(steps, map[string]any{"state": s.State, "actor": s.Actor, "note": s.Note, "at": s.At})
		}
		out["steps"] = steps
	}
	return out
}

// CreateRequest implements server.Subjects: a request made in a verified privacy-center
// session. Requests the subject's own session can carry out are done at once: access and
// export (the portable JSON), withdrawal, objection to direct marketing, erasure and
// account deletion (with the completeness check as the step's note). The others wait,
// verified, for an operator.
func (s subjects) CreateRequest(ctx context.Context, subjectID, typ, jurisdiction string, details map[string]any) (any, error) {
	a := s.a
	t, ok := rights.ParseType(typ)
	if !ok {
		return nil, server.Errorf(400, server.CodeBadRequest, "unknown request type %q", typ)
	}
	switch jurisdiction {
	case "":
		jurisdiction = a.Manifest().Home
	case "CN", "EU", "US-CA":
	default:
		return nil, server.Errorf(400, server.CodeBadRequest, "jurisdiction is CN, EU or US-CA")
	}
	var purpose string
	if t == rights.Withdrawal {
		purpose, _ = details["purpose"].(string)
		if p, ok := a.Manifest().Taxonomy.Purpose(purpose); !ok || !p.NeedsConsent() {
			return nil, server.Errorf(400, server.CodeBadRequest, "a withdrawal names a consent-based purpose in details.purpose")
		}
	}
	now := time.Now().UTC()
	dl := rights.DeadlineFor(jurisdiction, t, now, nil)
	b := make([]byte, 9)
	rand.Read(b)
	req := store.RightsRequest{ID: "rr_" + hex.EncodeToString(b), SubjectID: subjectID, Type: string(t), State: string(rights.Verified),
		Jurisdiction: jurisdiction, ReceivedAt: now, DueAt: dl.Due, Source: dl.Source, UpdatedAt: now}
	if err := a.Store.CreateRightsRequest(ctx, req, store.RightsStep{State: string(rights.Received), Actor: "subject", Note: "verified by a privacy-center session", At: now}); err != nil {
		return nil, err
	}
	step := func(state rights.State, actor, note string) error {
		return a.Record(ctx, audit.ActRightsStep, subjectID, actor, "", "legal_obligation",
			map[string]string{"request": req.ID, "type": string(t), "state": string(state), "note": note})
	}
	if err := step(rights.Verified, "subject", "received and verified by a privacy-center session"); err != nil {
		return nil, err
	}
	done := func(note string) error {
		if err := a.Store.StepRightsRequest(ctx, req.ID, string(rights.Verified), store.RightsStep{State: string(rights.Done), Actor: "system", Note: note, At: time.Now().UTC()}); err != nil {
			return err
		}
		return step(rights.Done, "system", note)
	}
	meta := consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject", Jurisdiction: jurisdiction, Evidence: map[string]any{"request": req.ID}}
	var err error
	switch t {
	case rights.Access, rights.Export:
		err = done("available at GET /api/v1/me/export")
	case rights.Withdrawal:
		if err = a.Consent.Withdraw(ctx, subjectID, purpose, meta); err == nil {
			err = done("withdrew " + purpose)
		}
	case rights.Objection:
		if _, err = a.Consent.Record(ctx, subjectID, []consent.Choice{{Key: consent.SignalObjectDirectMarketing, Granted: true}}, meta); err == nil {
			err = done("objection to direct marketing recorded; all targeting stops")
		}
	case rights.Erasure, rights.AccountDeletion:
		var rep ErasureReport
		if rep, err = a.Erase(ctx, subjectID); err == nil {
			if !rep.Complete {
				return nil, fmt.Errorf("erasure left rows behind: %v", rep.Remaining)
			}
			err = done(fmt.Sprintf("erased %d subject records; completeness check found nothing left", len(rep.Subjects)))
		}
	}
	if err != nil {
		return nil, err
	}
	got, err := a.Store.RightsRequest(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	return requestJSON(got, time.Now()), nil
}

// Request implements server.Subjects: a subject's own request; another subject's id is
// "not found", exactly like an id that does not exist.
func (s subjects) Request(ctx context.Context, subjectID, id string) (any, error) {
	r, err := s.a.Store.RightsRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if subjectID != "" && r.SubjectID != subjectID {
		return nil, store.ErrNotFound
	}
	return requestJSON(r, time.Now()), nil
}

// Requests implements server.Subjects: one subject's requests, or all for operators.
func (s subjects) Requests(ctx context.Context, subjectID string) (any, error) {
	rs, err := s.a.Store.ListRightsRequests(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		out = append(out, requestJSON(r, time.Now()))
	}
	return map[string]any{"requests": out}, nil
}

// StepRequest implements server.Subjects: an operator moves a request on.
func (s subjects) StepRequest(ctx context.Context, id, to, reason, actor string) (any, error) {
	r, err := s.a.Store.RightsRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := rights.Step(rights.State(r.State), rights.State(to), reason); err != nil {
		return nil, server.Errorf(409, server.CodeConflict, "%v", err)
	}
	err = s.a.Store.StepRightsRequest(ctx, id, r.State, store.RightsStep{State: to, Actor: actor, Note: reason, At: time.Now().UTC()})
	if errors.Is(err, store.ErrConflict) {
		return nil, server.Errorf(409, server.CodeConflict, "the request was moved by someone else; reload it")
	}
	if err != nil {
		return nil, err
	}
	if err := s.a.Record(ctx, audit.ActRightsStep, r.SubjectID, actor, "", "legal_obligation",
		map[string]string{"request": id, "type": r.Type, "state": to, "note": reason}); err != nil {
		return nil, err
	}
	return s.Request(ctx, "", id)
}
