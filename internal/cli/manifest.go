package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/stewardhq/steward/internal/manifest"
)

// runManifest implements `steward manifest check FILE` (and `default`, which prints the
// embedded demo manifest to start from).
func runManifest(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "Usage: steward manifest check FILE | steward manifest default")
		return fmt.Errorf("%w: name a subcommand", errUsage)
	}
	switch args[0] {
	case "default":
		_, err := e.stdout.Write(manifest.DefaultYAML())
		return err
	case "check":
		if len(args) != 2 {
			return fmt.Errorf("%w: manifest check takes one FILE", errUsage)
		}
		return manifestCheck(e, args[1])
	}
	return fmt.Errorf("%w: unknown manifest subcommand %q", errUsage, args[0])
}

// manifestCheck prints every located error as FILE:LINE:COL: message, one per line.
func manifestCheck(e *env, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	m, err := manifest.Parse(path, data)
	var list *manifest.ErrorList
	if errors.As(err, &list) {
		for _, le := range list.Errors {
			fmt.Fprintln(e.stdout, le.Error())
		}
		return fmt.Errorf("%s: %d errors", path, len(list.Errors))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ok: %d purposes, %d event types, version %d hash %s\n",
		len(m.PurposeKeys()), len(m.Events), m.Version(), m.Hash())
	return nil
}
