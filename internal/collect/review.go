package collect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// Recorder records the collector's processing acts (decisions on held links).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

var (
	// ErrDecided: the held link was approved or rejected already.
	ErrDecided = errors.New("held link already decided")
	// ErrLinkGone: a subject the held link names was erased meanwhile.
	ErrLinkGone = errors.New("held link names a subject that no longer exists")
)

// HeldLinks lists links a client-side call asked for that would have joined two
// identified people, newest first (status "" for all, else store.LinkPending, …).
func (c *Collector) HeldLinks(ctx context.Context, status string, limit int) ([]store.HeldLink, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return c.cfg.Store.HeldLinks(ctx, status, limit)
}

// DecideLink approves (merging From into Into, as the call asked) or rejects a pending
// held link, in one transaction with the decision, and records the decision in the audit
// log for both people, naming the operator.
func (c *Collector) DecideLink(ctx context.Context, id string, approve bool, operatorID string) (store.HeldLink, error) {
	l, err := c.cfg.Store.HeldLink(ctx, id)
	if err != nil {
		return l, fmt.Errorf("decide link: %w", err)
	}
	if l.Status != store.LinkPending {
		return l, fmt.Errorf("decide link: %w (%s)", ErrDecided, l.Status)
	}
	status := store.LinkRejected
	var from, into string
	if approve {
		status = store.LinkApproved
		// Either side may have been merged elsewhere since: join the survivors.
		if from, err = c.survivor(ctx, l.From); err == nil {
			into, err = c.survivor(ctx, l.Into)
		}
		if errors.Is(err, store.ErrNotFound) {
			return l, fmt.Errorf("decide link: %w", ErrLinkGone)
		}
		if err != nil {
			return l, fmt.Errorf("decide link: %w", err)
		}
	}
	now := c.cfg.Now().UTC().Truncate(time.Microsecond)
	err = c.cfg.Store.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.DecideLink(ctx, id, status, operatorID, now); err != nil {
			return err
		}
		if approve && from != into {
			return tx.MergeSubjects(ctx, from, into, "review", now)
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return l, fmt.Errorf("decide link: %w", ErrDecided)
	}
	if err != nil {
		return l, fmt.Errorf("decide link: %w", err)
	}
	if approve {
		c.forget(&plan{subjectOf: []string{from, into}, mergedInto: map[string]string{}})
	}
	l.Status, l.DecidedAt, l.DecidedBy = status, &now, operatorID
	if c.cfg.Recorder != nil {
		for _, sub := range []string{l.From, l.Into} {
			if err := c.cfg.Recorder.Record(ctx, audit.Event{Act: audit.ActIdentityLink, SubjectID: sub, Actor: operatorID,
				Detail: map[string]string{"link": l.ID, "decision": status, "reason": l.Reason}}); err != nil {
				return l, fmt.Errorf("decide link: decided, but recording it failed: %w", err)
			}
		}
	}
	return l, nil
}

// survivor follows merges from subject to the live subject holding its data.
func (c *Collector) survivor(ctx context.Context, id string) (string, error) {
	for range 16 {
		s, err := c.cfg.Store.Subject(ctx, id)
		if err != nil {
			return "", err
		}
		if s.MergedInto == "" {
			return id, nil
		}
		id = s.MergedInto
	}
	return id, nil
}
