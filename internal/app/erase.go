package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

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
}

// orderEvents are the records accounting law requires a shop to keep: PRC Accounting
// Archives Management Measures (会计档案管理办法, 2015) Art. 14 and its annex: accounting
// vouchers 30 years. They are kept without any identifier, under a keyed pseudonym.
var orderEvents = map[string]bool{"Order Completed": true, "Order Refunded": true}

const holdYears = 30

// holdOrders copies the person's order records, stripped to the order facts, into the
// legal-hold area before their data is destroyed.
func (a *App) holdOrders(ctx context.Context, fam []string) (int, error) {
	mac := hmac.New(sha256.New, a.Keyring.IndexSecret())
	mac.Write([]byte("steward/legal-hold\x00" + fam[0]))
	pseudonym := hex.EncodeToString(mac.Sum(nil))
	var held []store.HeldRecord
	for _, id := range fam {
		var after int64
		for {
			evs, err := a.reader().Events(ctx, access.Request{Actor: "system", Purpose: purposeRightsAccess, SubjectID: id, After: after, Limit: 1000})
			if err != nil {
				return 0, err
			}
			if len(evs) == 0 {
				break
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
				held = append(held, store.HeldRecord{Pseudonym: pseudonym, Kind: "order", OccurredAt: e.OccurredAt,
					KeptUntil: e.OccurredAt.AddDate(holdYears, 0, 0), Basis: "会计档案管理办法 (2015) Art. 14: accounting vouchers kept 30 years", Record: b})
			}
			after = evs[len(evs)-1].Seq
		}
	}
	if len(held) == 0 {
		return 0, nil
	}
	return len(held), a.Store.HoldRecords(ctx, held)
}

// Erase removes a person: their data keys are shredded first (with tombstones, so older
// copies of the database cannot be read either), then every row keyed by them is deleted,
// then every store table is checked for leftovers. The consent ledger is kept as the
// legally required proof of consent, keyed by an id nothing links to the person any more.
func (a *App) Erase(ctx context.Context, subjectID string) (ErasureReport, error) {
	fam, err := a.Store.SubjectFamily(ctx, subjectID)
	if err != nil {
		return ErasureReport{}, err
	}
	held, err := a.holdOrders(ctx, fam)
	if err != nil {
		return ErasureReport{}, fmt.Errorf("erase: legal hold: %w", err)
	}
	for _, id := range fam {
		if err := a.Vault.Shred(ctx, id); err != nil {
			return ErasureReport{}, fmt.Errorf("erase: %w", err)
		}
	}
	if err := a.Store.EraseSubjects(ctx, fam); err != nil {
		return ErasureReport{}, err
	}
	if a.Profiles != nil {
		a.Profiles.Forget(fam...) // profiles, tag values and memberships go with the person
	}
	if err := a.Record(ctx, audit.ActErasure, subjectID, "system", "", "legal_obligation",
		map[string]string{"subjects": fmt.Sprint(len(fam)), "held_records": fmt.Sprint(held)}); err != nil {
		return ErasureReport{}, err
	}
	rep := ErasureReport{Subjects: fam, Remaining: map[string]int64{}, Complete: true, Held: held}
	for _, id := range fam {
		fp, err := a.Store.SubjectFootprint(ctx, id)
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
