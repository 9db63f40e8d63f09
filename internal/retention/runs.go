package retention

import (
	"context"
	"time"

	"github.com/stewardhq/steward/internal/audit"
)

// Leaves is the audit log as the history of passes is read from it.
type Leaves interface {
	Size(ctx context.Context) (uint64, error)
	ReadLeaves(ctx context.Context, from, to uint64) (leaves, hashes [][]byte, err error)
}

// Run is one pass as the audit log records it: the log is the record of passes.
type Run struct {
	Leaf   uint64            `json:"leaf"`
	At     time.Time         `json:"at"`
	Detail map[string]string `json:"detail"`
}

// Runs returns up to limit passes, newest first, reading the log backwards.
func Runs(ctx context.Context, l Leaves, limit int) ([]Run, error) {
	n, err := l.Size(ctx)
	if err != nil {
		return nil, err
	}
	out := []Run{}
	const chunk = 4096
	for to := n; to > 0 && len(out) < limit; {
		from := to - min(to, chunk)
		leaves, _, err := l.ReadLeaves(ctx, from, to)
		if err != nil {
			return nil, err
		}
		for i := len(leaves) - 1; i >= 0 && len(out) < limit; i-- {
			lf, err := audit.ParseLeaf(leaves[i])
			if err != nil || lf.Act != ActRetention {
				continue
			}
			out = append(out, Run{Leaf: from + uint64(i), At: lf.Time, Detail: lf.Detail})
		}
		to = from
	}
	return out, nil
}
