package app

import (
	"context"
	"fmt"
)

// ErasureReport is what an erasure did and what the completeness check found.
type ErasureReport struct {
	Subjects []string `json:"subjects"` // the person's subject and those merged into it
	// Remaining counts rows still keyed by any of those subjects, per table and column;
	// every count is zero after a complete erasure.
	Remaining map[string]int64 `json:"remaining"`
	Complete  bool             `json:"complete"`
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
	for _, id := range fam {
		if err := a.Vault.Shred(ctx, id); err != nil {
			return ErasureReport{}, fmt.Errorf("erase: %w", err)
		}
	}
	if err := a.Store.EraseSubjects(ctx, fam); err != nil {
		return ErasureReport{}, err
	}
	rep := ErasureReport{Subjects: fam, Remaining: map[string]int64{}, Complete: true}
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
