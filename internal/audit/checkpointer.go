package audit

import (
	"context"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Checkpointer signs and stores checkpoints over the current log.
type Checkpointer struct {
	St     Store
	Origin string
	Signer note.Signer
}

// Checkpoint makes, stores and returns a signed checkpoint now (on demand).
func (c *Checkpointer) Checkpoint(ctx context.Context) ([]byte, error) {
	n, err := c.St.Size(ctx)
	if err != nil {
		return nil, err
	}
	_, h, err := c.St.ReadLeaves(ctx, 0, n)
	if err != nil {
		return nil, err
	}
	msg, err := Sign(Checkpoint{Origin: c.Origin, Size: n, Root: RootOf(h)}, c.Signer)
	if err != nil {
		return nil, err
	}
	return msg, c.St.PutCheckpoint(ctx, n, msg)
}

// Fresh returns the latest checkpoint if it still covers the whole log, and signs a new
// one only when the log has grown: readers and the interval loop do not re-hash an
// unchanged log or pile up identical checkpoints.
func (c *Checkpointer) Fresh(ctx context.Context) ([]byte, error) {
	n, err := c.St.Size(ctx)
	if err != nil {
		return nil, err
	}
	if msg, err := c.St.LatestCheckpoint(ctx); err == nil && len(msg) > 0 {
		if cp, err := ParseCheckpoint(string(msg)); err == nil && cp.Size == n {
			return msg, nil
		}
	}
	return c.Checkpoint(ctx)
}

// Run makes a checkpoint every interval until ctx ends, when the log has grown.
func (c *Checkpointer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Fresh(ctx) //nolint:errcheck // retried next tick
		}
	}
}
