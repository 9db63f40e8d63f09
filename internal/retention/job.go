package retention

import (
	"context"
	"time"

	"github.com/stewardhq/steward/internal/jobs"
)

// Every is how often a pass runs: once a day. The queue looks every hour whether one is
// due, so a process that restarts more often than daily still runs it, and the leader
// alone enqueues it, so several processes run it once.
const (
	Every = 24 * time.Hour
	check = time.Hour
)

// RunArgs is the job that runs a pass when one is due.
type RunArgs struct{}

// Kind names the job.
func (RunArgs) Kind() string { return "retention.run" }

// Register adds the retention worker to ws.
func (s *Service) Register(ws *jobs.Workers) error {
	return jobs.RegisterFunc(ws, func(ctx context.Context, _ *jobs.Job[RunArgs]) error {
		last, err := s.LastRun(ctx)
		if err != nil {
			return err
		}
		if !last.IsZero() && s.cfg.Now().Sub(last) < Every-check/2 {
			return nil // ran within the day (here or on another node)
		}
		_, err = s.Run(ctx)
		return err
	})
}

// Periodic is the hourly check that runs a pass once a day.
func Periodic() []jobs.Periodic {
	return []jobs.Periodic{{ID: "retention", Schedule: jobs.Every(check), Args: func() jobs.Args { return RunArgs{} },
		Opts: &jobs.Opts{Unique: true, UniqueWithin: check, MaxAttempts: 3}}}
}
