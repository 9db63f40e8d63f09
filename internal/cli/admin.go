package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/store"
)

// withStore opens the configured store for an administrative subcommand. These commands
// work on the store directly (like `psql`), so they run on the server's machine and need no
// running server.
func withStore(ctx context.Context, e *env, name, synopsis string, args []string, setup func(fsFlags *flagSet), fn func(st store.Store, svc *auth.Service) error) error {
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	fs := newFlags(e, name, synopsis)
	addStoreFlags(fs, &cfg)
	if setup != nil {
		setup(&flagSet{fs})
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, auth.New(st, time.Now))
}

func subcommand(args []string, names ...string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, fmt.Errorf("%w: want one of %s", errUsage, strings.Join(names, ", "))
	}
	for _, n := range names {
		if args[0] == n {
			return n, args[1:], nil
		}
	}
	return "", nil, fmt.Errorf("%w: unknown subcommand %q (want one of %s)", errUsage, args[0], strings.Join(names, ", "))
}

func table(e *env) *tabwriter.Writer { return tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0) }

func runOperators(ctx context.Context, e *env, args []string) error {
	sub, rest, err := subcommand(args, "create", "list")
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		var name, role string
		return withStore(ctx, e, "operators create", "operators create --name NAME --role ROLE [--data DIR] [--db URL]", rest,
			func(f *flagSet) {
				f.StringVar(&name, "name", "", "operator name (required)")
				f.StringVar(&role, "role", "", "admin, marketer, analyst, privacy_officer or auditor (required)")
			},
			func(st store.Store, svc *auth.Service) error {
				r, err := auth.ParseRole(role)
				if err != nil {
					return fmt.Errorf("%w: %v", errUsage, err)
				}
				op, err := svc.CreateOperator(ctx, name, r)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "created operator %s (%s, role %s)\n", op.ID, op.Name, op.Role)
				return nil
			})
	default:
		return withStore(ctx, e, "operators list", "operators list [--data DIR] [--db URL]", rest, nil,
			func(st store.Store, _ *auth.Service) error {
				ops, err := st.ListOperators(ctx)
				if err != nil {
					return err
				}
				tw := table(e)
				fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED")
				for _, op := range ops {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", op.ID, op.Name, op.Role, op.CreatedAt.Format(time.RFC3339))
				}
				return tw.Flush()
			})
	}
}

func runTokens(ctx context.Context, e *env, args []string) error {
	sub, rest, err := subcommand(args, "create", "list", "revoke")
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		var opID, name, scopes string
		var ttl time.Duration
		return withStore(ctx, e, "tokens create", "tokens create --operator ID [--name NAME] [--scopes a,b] [--ttl 720h]", rest,
			func(f *flagSet) {
				f.StringVar(&opID, "operator", "", "operator id (required)")
				f.StringVar(&name, "name", "cli", "a label for the token")
				f.StringVar(&scopes, "scopes", "", "comma-separated scopes; empty means every scope of the operator's role")
				f.DurationVar(&ttl, "ttl", 0, "lifetime; 0 means no expiry")
			},
			func(st store.Store, svc *auth.Service) error {
				var sc []auth.Scope
				if scopes != "" {
					var err error
					if sc, err = auth.ParseScopes(strings.Split(scopes, ",")); err != nil {
						return fmt.Errorf("%w: %v", errUsage, err)
					}
				}
				secret, t, err := svc.IssueToken(ctx, opID, name, sc, ttl)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "created token %s with scopes %s; the secret follows and is not shown again\n", t.ID, strings.Join(t.Scopes, ","))
				fmt.Fprintln(e.stdout, secret)
				return nil
			})
	case "revoke":
		var id string
		return withStore(ctx, e, "tokens revoke", "tokens revoke --id TOKEN_ID", rest,
			func(f *flagSet) { f.StringVar(&id, "id", "", "token id (required)") },
			func(st store.Store, svc *auth.Service) error {
				if err := svc.RevokeToken(ctx, id); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "revoked token %s\n", id)
				return nil
			})
	default:
		var opID string
		return withStore(ctx, e, "tokens list", "tokens list [--operator ID]", rest,
			func(f *flagSet) { f.StringVar(&opID, "operator", "", "only this operator's tokens") },
			func(st store.Store, _ *auth.Service) error {
				ts, err := st.ListTokens(ctx, opID)
				if err != nil {
					return err
				}
				tw := table(e)
				fmt.Fprintln(tw, "ID\tOPERATOR\tNAME\tSTATE\tSCOPES")
				now := time.Now()
				for _, t := range ts {
					state := "active"
					if !t.Usable(now) {
						state = "revoked/expired"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.OperatorID, t.Name, state, strings.Join(t.Scopes, ","))
				}
				return tw.Flush()
			})
	}
}

func runSources(ctx context.Context, e *env, args []string) error {
	sub, rest, err := subcommand(args, "create", "list")
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		var name string
		var server bool
		return withStore(ctx, e, "sources create", "sources create --name NAME [--server-side]", rest,
			func(f *flagSet) {
				f.StringVar(&name, "name", "", "source name (required)")
				f.BoolVar(&server, "server-side", false, "the write key is used only by the shop's servers (never in a browser or app): its calls may merge identified customers")
			},
			func(st store.Store, svc *auth.Service) error {
				key, src, err := svc.CreateSource(ctx, name, server)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "created source %s (%s); its write key follows and is not shown again\n", src.ID, src.Name)
				fmt.Fprintln(e.stdout, key)
				return nil
			})
	default:
		return withStore(ctx, e, "sources list", "sources list", rest, nil,
			func(st store.Store, _ *auth.Service) error {
				srcs, err := st.ListSources(ctx)
				if err != nil {
					return err
				}
				tw := table(e)
				fmt.Fprintln(tw, "ID\tNAME\tSERVER-SIDE\tCREATED")
				for _, s := range srcs {
					fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", s.ID, s.Name, s.ServerSide, s.CreatedAt.Format(time.RFC3339))
				}
				return tw.Flush()
			})
	}
}
