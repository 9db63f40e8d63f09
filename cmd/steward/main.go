// Command steward is Steward's single binary; see `steward help`.
package main

import (
	"context"
	"os"

	"github.com/stewardhq/steward/internal/cli"
)

func main() {
	os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
