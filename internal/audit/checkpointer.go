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

// Run makes a checkpoint every interval until ctx ends.
func (c *Checkpointer) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Checkpoint(ctx) //nolint:errcheck // retried next tick
		}
	}
}
