package assessment

import (
	"context"
	"time"

	"github.com/stewardhq/steward/internal/jobs"
)

// RecheckArgs is the job that drafts the yearly re-checks due.
type RecheckArgs struct{}

// Kind names the job.
func (RecheckArgs) Kind() string { return "assessment.recheck" }

// Register adds the re-check worker to ws.
func (s *Service) Register(ws *jobs.Workers) error {
	return jobs.RegisterFunc(ws, func(ctx context.Context, _ *jobs.Job[RecheckArgs]) error {
		_, err := s.Recheck(ctx)
		return err
	})
}

// Periodic looks for due re-checks every six hours (drafting is idempotent: a re-check is
// drafted once per approval).
func Periodic() []jobs.Periodic {
	return []jobs.Periodic{{ID: "assessment-recheck", Schedule: jobs.Every(6 * time.Hour), Args: func() jobs.Args { return RecheckArgs{} },
		Opts: &jobs.Opts{Unique: true, UniqueWithin: 6 * time.Hour, MaxAttempts: 3}}}
}
