// Package cli implements the steward command: one file per subcommand, each parsing its own
// flags into a config.Config and calling the domain packages. Run is the whole program;
// cmd/steward only calls it, which keeps the CLI testable in-process.
package cli
