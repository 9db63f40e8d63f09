package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/stewardhq/steward/internal/app"
)

func runVersion(ctx context.Context, e *env, args []string) error {
	if err := parse(newFlags(e, "version", "version"), args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "steward %s (%s, %s/%s)\n", app.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
