package cli

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/app"
)

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
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "migrate: %s schema at version %d\n", st.Dialect(), v)
	return nil
}
