package anonexport

import (
	"context"
	"errors"
	"slices"

	"github.com/stewardhq/steward/internal/transfer"
)

// Exports to a named recipient (issue 26): the cross-border check decides who may be in
// the table before it is anonymised (so k-anonymity holds over exactly the people sent),
// and the release enters the transfer in the register.

// Transfers is the cross-border check (transfer.Service).
type Transfers interface {
	Screen(ctx context.Context, req transfer.Request) (transfer.Decision, error)
	Check(ctx context.Context, req transfer.Request) (transfer.Decision, error)
}

// ErrNoTransferCheck: an export names a recipient, but the service has no transfer check.
var ErrNoTransferCheck = errors.New("anonymised export: exports to a recipient need the transfer check")

// ReasonTransfer prefixes the exclusions of people who may not be sent to the recipient
// (the policy's reason follows).
const ReasonTransfer = "transfer:"

// screen keeps in t only the people the transfer check lets go to spec.Recipient.
func (s *Service) screen(ctx context.Context, spec Spec, t *table) error {
	if spec.Recipient == "" {
		return nil
	}
	if s.cfg.Transfers == nil {
		return ErrNoTransferCheck
	}
	dec, err := s.cfg.Transfers.Screen(ctx, transfer.Request{Kind: transfer.KindExport, Recipient: spec.Recipient, Purpose: spec.Purpose, Subjects: t.subjects})
	if err != nil {
		return err
	}
	if !dec.Abroad {
		return nil
	}
	keep := map[string]bool{}
	for _, id := range dec.Allowed {
		keep[id] = true
	}
	rows, subjects := t.rows[:0], t.subjects[:0]
	for i, id := range t.subjects {
		if keep[id] {
			rows, subjects = append(rows, t.rows[i]), append(subjects, id)
		}
	}
	t.rows, t.subjects = rows, subjects
	t.pop.Included = len(rows)
	reasons := make([]string, 0, len(dec.Refused))
	for r := range dec.Refused {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		t.pop.Excluded = append(t.pop.Excluded, Exclusion{Reason: ReasonTransfer + r, Count: dec.Refused[r]})
	}
	return nil
}

// register enters a released export in the transfer register (and its audit act).
func (s *Service) register(ctx context.Context, spec Spec, t *table, actor string) error {
	if spec.Recipient == "" {
		return nil
	}
	if s.cfg.Transfers == nil {
		return ErrNoTransferCheck
	}
	_, err := s.cfg.Transfers.Check(ctx, transfer.Request{Kind: transfer.KindExport, Recipient: spec.Recipient, Purpose: spec.Purpose,
		Subjects: t.subjects, Actor: actor})
	return err
}
