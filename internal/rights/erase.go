package rights

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// ErasureReport is what an erasure did and what the completeness check found.
type ErasureReport struct {
	Subjects []string `json:"subjects"` // the person's subject and those merged into it
	// Remaining counts rows still keyed by any of those subjects, per table and column;
	// every count is zero after a complete erasure.
	Remaining map[string]int64 `json:"remaining"`
	Complete  bool             `json:"complete"`
	// Held counts the order records moved, pseudonymised, to the legal-hold area.
	Held int `json:"held"`
	// Suppressed counts the userIds whose events are refused from now on, so that one
	// tracked event cannot bring the person back (kept as keyed hashes only).
	Suppressed int `json:"suppressed"`
	// Request is the rights request the erasure was carried out under.
	Request *RequestView `json:"request,omitempty"`
}

// orderEvents are the records accounting law requires a shop to keep: PRC Accounting
// Archives Management Measures (会计档案管理办法, 2015) Art. 14 and its annex: accounting
// vouchers 30 years. They are kept without any identifier, under a keyed pseudonym.
var orderEvents = map[string]bool{"Order Completed": true, "Order Refunded": true}

const holdYears = 30

// holdOrders copies the person's order records, stripped to the order facts, into the
// legal-hold area before their data is destroyed.
func (s *Service) holdOrders(ctx context.Context, fam []string) (int, error) {
	pseudonym := s.HoldPseudonym(fam[0])
	var held []store.HeldRecord
	for _, id := range fam {
		var after int64
		for {
			evs, pg, err := s.cfg.Reader.EventsPage(ctx, access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem,
				Purpose: access.PurposeRightsAccess, SubjectID: id, After: after, Limit: 1000})
			if err != nil {
				return 0, err
			}
			for _, e := range evs {
				if e.Type != "track" || !orderEvents[e.Name] {
					continue
				}
				props, _ := e.Fields["properties"].(map[string]any)
				keep := map[string]any{"event": e.Name}
				for _, k := range []string{"order_id", "total", "revenue", "shipping", "tax", "currency", "products"} {
					if v, ok := props[k]; ok {
						keep[k] = v
					}
				}
				b, err := json.Marshal(keep)
				if err != nil {
					return 0, err
				}
				hr := store.HeldRecord{Pseudonym: pseudonym, Kind: "order", OccurredAt: e.OccurredAt.UTC().Truncate(time.Microsecond),
					KeptUntil: e.OccurredAt.AddDate(holdYears, 0, 0), Basis: "会计档案管理办法 (2015) Art. 14: accounting vouchers kept 30 years"}
				if hr.Record, err = s.sealHeld(hr, b); err != nil { // never plaintext at rest
					return 0, err
				}
				held = append(held, hr)
			}
			after = pg.Last
			if !pg.More {
				break
			}
		}
	}
	if len(held) == 0 {
		return 0, nil
	}
	return len(held), s.cfg.Store.HoldRecords(ctx, held)
}

// erase removes a person: their data keys are shredded first (with tombstones, so older
// copies of the database cannot be read either), then every row keyed by them is deleted,
// then every store table is checked for leftovers. The consent ledger and the rights
// requests are kept as the legally required proof, keyed by an id nothing links to the
// person any more.
func (s *Service) erase(ctx context.Context, subjectID string) (ErasureReport, error) {
	fam, err := s.cfg.Store.SubjectFamily(ctx, subjectID)
	if err != nil {
		return ErasureReport{}, err
	}
	held, err := s.holdOrders(ctx, fam)
	if err != nil {
		return ErasureReport{}, fmt.Errorf("erase: legal hold: %w", err)
	}
	// Suppress first: from here on the person's events are refused, so none can recreate
	// them between the deletion and the end of the erasure.
	suppressed, err := s.cfg.Store.SuppressSubjectIdentities(ctx, fam, s.cfg.Now().UTC())
	if err != nil {
		return ErasureReport{}, fmt.Errorf("erase: suppress: %w", err)
	}
	for _, id := range fam {
		if err := s.cfg.Shredder.Shred(ctx, id); err != nil {
			return ErasureReport{}, fmt.Errorf("erase: %w", err)
		}
	}
	if err := s.cfg.Store.EraseSubjects(ctx, fam); err != nil {
		return ErasureReport{}, err
	}
	if s.cfg.Profiles != nil {
		s.cfg.Profiles.Forget(fam...) // profiles, tag values and memberships go with the person
	}
	for _, f := range s.cfg.Forgetters {
		f.Forget(fam...)
	}
	if err := s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActErasure, SubjectID: subjectID, Actor: "system", LegalBasis: "legal_obligation",
		Detail: map[string]string{"subjects": fmt.Sprint(len(fam)), "held_records": fmt.Sprint(held), "suppressed": fmt.Sprint(suppressed)}}); err != nil {
		return ErasureReport{}, err
	}
	rep := ErasureReport{Subjects: fam, Remaining: map[string]int64{}, Complete: true, Held: held, Suppressed: suppressed}
	for _, id := range fam {
		fp, err := s.cfg.Store.SubjectFootprint(ctx, id)
		if err != nil {
			return ErasureReport{}, err
		}
		for k, n := range fp {
			rep.Remaining[k] += n
			if n != 0 {
				rep.Complete = false
			}
		}
	}
	return rep, nil
}

// DeleteAccount is the person's own "delete my account and data now" (PIPL Art. 47, GB/T
// 35273 §8.5): it takes the same path as an account-deletion request — filed, verified by
// the session, carried out, closed — so it leaves a request record like any other, and
// answers with the completeness check.
func (s *Service) DeleteAccount(ctx context.Context, subjectID string) (ErasureReport, error) {
	jurisdiction, err := s.JurisdictionOf(ctx, subjectID)
	if err != nil {
		return ErasureReport{}, err
	}
	req, err := s.file(ctx, subjectID, AccountDeletion, jurisdiction, nil)
	if err != nil {
		return ErasureReport{}, err
	}
	rep, err := s.erase(ctx, subjectID)
	if err != nil {
		return ErasureReport{}, err
	}
	note := fmt.Sprintf("erased %d subject records; completeness check found nothing left", len(rep.Subjects))
	if !rep.Complete {
		note = fmt.Sprintf("erased %d subject records; completeness check found rows left: %v", len(rep.Subjects), rep.Remaining)
	}
	if err := s.done(ctx, req, note); err != nil {
		return ErasureReport{}, err
	}
	v, err := s.Get(ctx, "", req.ID)
	if err != nil {
		return ErasureReport{}, err
	}
	rep.Request = &v
	return rep, nil
}

// LiftSuppression lets events for an erased person's userId in again (the shop knows the
// person came back and signed up anew). It is recorded.
func (s *Service) LiftSuppression(ctx context.Context, userID, actor string) (bool, error) {
	h, err := s.cfg.Index.Index(store.IdentityUserID, userID)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrBadDetails, err)
	}
	ok, err := s.cfg.Store.LiftSuppression(ctx, store.IdentityKey{Kind: store.IdentityUserID, Hash: string(h)}, s.cfg.Now().UTC())
	if err != nil || !ok {
		return ok, err
	}
	return true, s.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActSuppressionLifted, Actor: actor, LegalBasis: "legal_obligation"})
}
