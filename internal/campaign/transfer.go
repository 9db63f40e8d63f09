package campaign

import (
	"context"
	"errors"

	"github.com/stewardhq/steward/internal/transfer"
)

// Transfers is the cross-border check an ad-audience sync passes (transfer.Service).
type Transfers interface {
	Check(ctx context.Context, req transfer.Request) (transfer.Decision, error)
}

// ReasonNoTransfer counts people an ad-audience sync leaves out because they may not be
// transferred to the recipient abroad (no separate consent); the policy's reason follows.
const ReasonNoTransfer = "no_transfer_consent"

// checkTransfer keeps, of the people about to be shared, those the transfer check lets go
// to the campaign's recipient, and their hashes. A recipient abroad without a valid
// mechanism (or past what it covers) refuses the whole sync; nobody with separate consent
// means nobody is added, and whoever was synced before is removed.
func (s *Service) checkTransfer(ctx context.Context, c *Campaign, shared []string, hashes map[string][]string, wanted []string, skipped map[string]int) ([]string, []string, error) {
	if s.cfg.Transfers == nil || len(shared) == 0 {
		return shared, wanted, nil
	}
	dec, err := s.cfg.Transfers.Check(ctx, transfer.Request{Kind: transfer.KindAudienceSync, Recipient: c.Channel.Recipient, Purpose: c.Purpose,
		Subjects: shared, Actor: "system"})
	switch {
	case errors.Is(err, transfer.ErrNoConsent):
		for r, n := range dec.Refused {
			skipped[ReasonNoTransfer+":"+r] += n
		}
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	case !dec.Abroad:
		return shared, wanted, nil
	}
	for r, n := range dec.Refused {
		skipped[ReasonNoTransfer+":"+r] += n
	}
	wanted = wanted[:0:0]
	for _, id := range dec.Allowed {
		wanted = append(wanted, hashes[id]...)
	}
	return dec.Allowed, wanted, nil
}
