package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/stewardhq/steward/internal/bench"
	"github.com/stewardhq/steward/internal/config"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env carries the process's streams and environment into commands.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"serve", "run the Steward server", runServe},
		{"demo", "seed a synthetic shop, then serve it", runDemo},
		{"migrate", "apply pending database migrations and exit", runMigrate},
		{"operators", "manage operator accounts (create, list)", runOperators},
		{"tokens", "manage operator API tokens (create, list, revoke)", runTokens},
		{"sources", "manage event sources and their write keys (create, list)", runSources},
		{"keys", "rotate the key-encryption key and re-wrap every data key (keys rotate)", runKeys},
		{"manifest", "check a privacy manifest (check FILE) or print the default one", runManifest},
		{"audit", "verify the tamper-evident audit log (verify)", runAudit},
		{"compliance", "make the signed evidence bundle of a compliance audit (bundle) or verify one offline (verify)", runCompliance},
		{"anonymise", "generalise a CSV file to k-anonymity, l-diversity, t-closeness (optimal, with a risk report)", runAnonymise},
		{"bench", "run a benchmark (" + strings.Join(bench.Names(), ", ") + ")", runBench},
		{"version", "print the version", runVersion},
	}
}

// errUsage marks errors whose message is a usage hint; Run exits 2 for them.
var errUsage = errors.New("usage")

// Run runs the steward command with args (without the program name) and returns the exit
// code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: os.Getenv}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				fmt.Fprintf(stderr, "steward %s: %v\n", c.name, err)
				return 2
			default:
				fmt.Fprintf(stderr, "steward %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "steward: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Steward: privacy-native precision marketing.")
	fmt.Fprintln(w, "\nUsage: steward <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'steward <command> -h' for the flags of a command.")
}

// newFlags returns a flag set that prints to stderr and does not exit.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("steward "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: steward %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// loadConfig returns defaults with STEWARD_* variables applied; flags bound to the result
// afterwards win over the environment.
func loadConfig(e *env) (config.Config, error) {
	return config.FromEnv(config.Default(), e.getenv)
}

func addStoreFlags(fs *flag.FlagSet, cfg *config.Config) {
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (SQLite database, keys, first-start secrets) [STEWARD_DATA]")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database: empty for SQLite in the data directory, or a postgres:// URL [STEWARD_DB, STEWARD_DB_FILE]")
}

func addServeFlags(fs *flag.FlagSet, cfg *config.Config) {
	addStoreFlags(fs, cfg)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address [STEWARD_ADDR]")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error [STEWARD_LOG_LEVEL]")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json [STEWARD_LOG_FORMAT]")
	fs.StringVar(&cfg.WebDir, "web-dir", cfg.WebDir, "serve web templates from this directory (development) [STEWARD_WEB_DIR]")
	fs.StringVar(&cfg.PublicURL, "public-url", cfg.PublicURL, "the URL browsers reach Steward at, for SDK settings and privacy-center links (default: the address a request arrived on, never its Host header) [STEWARD_PUBLIC_URL]")
	fs.StringVar(&cfg.WebhookURL, "webhook-url", cfg.WebhookURL, "where campaign messages on the webhook channel are posted, signed with <data>/webhook-secret [STEWARD_WEBHOOK_URL]")
	fs.IntVar(&cfg.CleanRoomMinIntersection, "cleanroom-min-intersection", cfg.CleanRoomMinIntersection, "withhold clean-room results below this intersection (default 50) [STEWARD_CLEANROOM_MIN_INTERSECTION]")
	addNotifyFlags(fs, cfg)
}

// parse parses args and rejects stray positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func newLogger(w io.Writer, cfg config.Config) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
