package cli

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/jobs"
)

// runMigrate brings a database to the schema this binary serves: Steward's tables, then the
// durable job queue's (River's), in the order a start would. A deployment that migrates
// before rolling out nodes then starts none of them on missing queue tables.
func runMigrate(ctx context.Context, e *env, args []string) error {
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	fs := newFlags(e, "migrate", "migrate [--data DIR] [--db URL]")
	addStoreFlags(fs, &cfg)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg) // OpenStore migrates
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := jobs.Migrate(ctx, st)
	if err != nil {
		return err
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "migrate: job queue schema ready (%d migrations applied)\n", n)
	fmt.Fprintf(e.stdout, "migrate: %s schema at version %d\n", st.Dialect(), v)
	return nil
}
