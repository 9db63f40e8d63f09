package cli

import "flag"

// flagSet lets subcommands add their own flags to the shared store flags.
type flagSet struct{ *flag.FlagSet }
