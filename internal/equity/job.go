package equity

import (
	"context"
	"time"

	"github.com/stewardhq/steward/internal/jobs"
)

// SweepArgs is the job that gives ended privacy subscriptions' advertising consents back
// (Sweep). It runs on the job queue, not in every process: the leader alone enqueues it,
// so several nodes sweep once, never recording the same end twice.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "equity.sweep" }

// Register adds the sweep worker to ws.
func (s *Service) Register(ws *jobs.Workers) error {
	return jobs.RegisterFunc(ws, func(ctx context.Context, _ *jobs.Job[SweepArgs]) error {
		_, err := s.Sweep(ctx)
		return err
	})
}

// Periodic is the sweep every interval (and once when a leader starts).
func Periodic(every time.Duration) []jobs.Periodic {
	return []jobs.Periodic{{ID: "equity-sweep", Schedule: jobs.Every(every), Args: func() jobs.Args { return SweepArgs{} },
		Opts: &jobs.Opts{Unique: true, UniqueWithin: every, MaxAttempts: 3}, RunOnStart: true}}
}
