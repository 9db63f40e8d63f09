package profile

import (
	"context"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/transfer"
)

// What the compliance services need of the engine (issue 26): derived data follows
// retention, and an audience released to a recipient passes the cross-border check.

// Transfers is the cross-border check (transfer.Service).
type Transfers interface {
	Check(ctx context.Context, req transfer.Request) (transfer.Decision, error)
}

// ErrNoTransferCheck: a release names a recipient but the engine has no transfer check.
var ErrNoTransferCheck = errors.New("profile: releases to a recipient need the transfer check")

// Rebuild reloads people in full from what the store holds now — after retention deleted
// or pruned some of their events — so their profiles, tag values and segment memberships
// hold nothing the store no longer has.
func (e *Engine) Rebuild(ctx context.Context, subjectIDs ...string) error {
	if !e.Ready() {
		return nil // Load reads everything anyway
	}
	e.load.Lock()
	defer e.load.Unlock()
	for _, id := range subjectIDs {
		if err := e.reload(ctx, id, true, true); err != nil {
			return err
		}
	}
	return nil
}

// ReleaseTo is Release for a named recipient (as the manifest names it): the audience
// passes the transfer check first — for a recipient abroad, a valid mechanism and each
// person's separate consent — and only the people it lets go are released, still at least
// k of them.
func (e *Engine) ReleaseTo(ctx context.Context, name string, k int, actor, recipient string) (Release, error) {
	if recipient == "" {
		return e.Release(ctx, name, k, actor)
	}
	if e.cfg.Transfers == nil {
		return Release{}, ErrNoTransferCheck
	}
	ids, v, err := e.audience(name, k)
	if err != nil {
		return Release{}, err
	}
	dec, err := e.cfg.Transfers.Check(ctx, transfer.Request{Kind: transfer.KindExport, Recipient: recipient, Purpose: v.Purpose, Subjects: ids, Actor: actor})
	if err != nil {
		return Release{}, err
	}
	ids = dec.Allowed
	if k <= 0 {
		k = segment.DefaultMinAudience
	}
	if len(ids) < k {
		return Release{}, fmt.Errorf("%w: %d people may go to %s for purpose %q, the minimum is %d", segment.ErrAudienceTooSmall, len(ids), recipient, v.Purpose, k)
	}
	if e.cfg.Recorder != nil {
		if _, err := e.cfg.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActActivation, Actor: actor, Purpose: v.Purpose,
			LegalBasis: e.basisOf(v.Purpose), Recipient: recipient, Detail: map[string]string{"segment": name}}, ids); err != nil {
			return Release{}, err
		}
	}
	return Release{Segment: name, Purpose: v.Purpose, Size: len(ids), Subjects: ids}, nil
}
