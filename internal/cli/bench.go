package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/bench"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/store"
)

// runBench runs `steward bench NAME`; the benchmarks live in internal/bench, which gets the
// composition root from here so that nothing but the cli imports it.
func runBench(ctx context.Context, e *env, args []string) error {
	err := bench.Run(ctx, bench.Env{Stdout: e.stdout, Stderr: e.stderr, Getenv: e.getenv, Open: openForBench}, args)
	if errors.Is(err, bench.ErrUsage) {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return err
}

func openForBench(ctx context.Context, cfg config.Config, log *slog.Logger) (bench.Steward, error) {
	a, err := app.OpenWith(ctx, cfg, log, app.Options{IngestRate: -1})
	if err != nil {
		return nil, err
	}
	return benchApp{a}, nil
}

// benchApp shows an assembled Steward to the benchmarks.
type benchApp struct{ *app.App }

func (b benchApp) Store() store.Store { return b.App.Store }
