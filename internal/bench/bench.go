// Package bench holds the benchmarks behind `steward bench NAME`: each measures one figure
// against a baseline taken in the same run, prints its runs and ends with one summary line
// that BENCHMARKS.md quotes. Domain packages carry no benchmark code; what a benchmark
// needs of them it reaches through their exported API, like any other caller.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// Env is what a benchmark gets from the command line: its streams and environment, and a way
// to open a whole Steward for the end-to-end benchmarks. The composition root is handed in by
// the cli, so this package never imports it.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Open assembles a Steward over cfg with no ingestion rate limit; nil makes the
	// end-to-end benchmarks refuse to run.
	Open func(ctx context.Context, cfg config.Config, log *slog.Logger) (Steward, error)
}

// Steward is an assembled Steward as an end-to-end benchmark drives it.
type Steward interface {
	Serve(ctx context.Context, ln net.Listener) error
	Close() error
	Store() store.Store
	WriteKeyPath() string
	AdminTokenPath() string
}

// ErrUsage marks errors whose message is a usage hint (the cli exits 2 for them).
var ErrUsage = errors.New("usage")

// Bench is one benchmark. It prints progress lines and ends with exactly one line
// "NAME: <figure> <unit>" followed, where it has a baseline, by " (<ratio>x <baseline>)".
type Bench struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, e Env, args []string) error
}

// All lists the benchmarks `steward bench NAME` runs, one file each in this package.
func All() []Bench {
	return []Bench{
		{"store", "batched event inserts per second on SQLite and PostgreSQL (the baseline others compare to)", benchStore},
		{"ingest", "events per second end-to-end over HTTP on loopback (gate, identity, vault, store), against raw inserts", benchIngest},
		{"consent", "consent ledger writes and current-state reads per second on SQLite and PostgreSQL, against raw inserts", benchConsent},
		{"vault", "10-field profiles sealed and opened per second per core, against JSON encode+decode", benchVault},
		{"policy", "policy decisions per second on one core and p99 latency, against one map lookup per decision", benchPolicy},
		{"segments", "3-clause segment over synthetic profiles: bitmap evaluation vs the SQL query", benchSegments},
		{"audit", "audit leaves per second through the batching appender vs raw inserts", benchAudit},
		{"anonymise", "optimal k=5 search on Adult (8 quasi-identifiers, 4320 nodes) vs brute force and one pass over the rows", benchAnonymise},
		{"dp", "bounded DP aggregation vs a plain map count, and DP reports over the demo's events end to end", benchDP},
		{"campaign", "100,000-person campaign through the job queue with every send-time check to a loopback webhook, vs raw posts", benchCampaign},
		{"recommend", "recommendations per second with the request-time consent check vs the same lookup without it", benchRecommend},
		{"storage", "bytes on disk per event stored through the ingestion (SQLite after a WAL checkpoint) vs the same events as zstd-compressed JSON", benchStorage},
		{"psi", "clean-room PSI and PSI-sum, both parties over TCP loopback, against the scalar multiplications they need", benchPsi},
		{"fl", "vertical federated logistic regression on breast cancer over signed loopback HTTP: encrypted epoch vs the same epoch in plaintext, held-out AUC", benchFl},
		{"bids", "encrypted bid ranking (people x advertisers over signed loopback HTTP), people per second, checked against the plaintext ranking", benchBids},
	}
}

// Names lists the benchmarks by name.
func Names() []string {
	var out []string
	for _, b := range All() {
		out = append(out, b.Name)
	}
	return out
}

// Run runs the benchmark args[0] with the rest of args as its flags.
func Run(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.Stderr, "Usage: steward bench NAME [flags]\n\nBenchmarks:")
		for _, b := range All() {
			fmt.Fprintf(e.Stderr, "  %-10s %s\n", b.Name, b.Summary)
		}
		return fmt.Errorf("%w: name a benchmark", ErrUsage)
	}
	for _, b := range All() {
		if b.Name == args[0] {
			return b.Run(ctx, e, args[1:])
		}
	}
	return fmt.Errorf("%w: unknown benchmark %q", ErrUsage, args[0])
}

// newFlags returns a benchmark's flag set, printing to stderr and never exiting.
func newFlags(e Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("steward "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "Usage: steward %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and rejects stray positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return nil
}

// median returns the median of xs (the mean of the middle two for even lengths).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchStoreTarget is a store opened for a benchmark, removed again afterwards.
type benchStoreTarget struct {
	name    string
	st      store.Store
	cleanup func()
	// relationSize, for PostgreSQL, is the size of a table with its indexes and TOAST,
	// summed over its partitions.
	relationSize func(ctx context.Context, table string) (int64, error)
}

// openBenchSQLite opens a migrated SQLite store in a fresh temporary directory.
func openBenchSQLite(ctx context.Context) (*benchStoreTarget, error) {
	dir, err := os.MkdirTemp("", "steward-bench-")
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	return &benchStoreTarget{name: "sqlite", st: st, cleanup: func() { st.Close(); os.RemoveAll(dir) }}, nil
}

// openBenchPostgres opens a migrated PostgreSQL store in a fresh schema, dropped afterwards.
func openBenchPostgres(ctx context.Context, url string) (*benchStoreTarget, error) {
	schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	admin, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return nil, err
	}
	st, err := postgres.Open(ctx, withSearchPath(url, schema))
	if err == nil {
		_, err = st.Migrate(ctx)
	}
	drop := func() {
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
	if err != nil {
		if st != nil {
			st.Close()
		}
		drop()
		return nil, err
	}
	size := func(ctx context.Context, table string) (int64, error) {
		conn, err := pgx.Connect(ctx, withSearchPath(url, schema))
		if err != nil {
			return 0, err
		}
		defer conn.Close(ctx)
		var n int64
		err = conn.QueryRow(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c)), 0) FROM (
			SELECT inhrelid AS c FROM pg_inherits WHERE inhparent = to_regclass($1) UNION ALL SELECT to_regclass($1)) r`, table).Scan(&n)
		return n, err
	}
	return &benchStoreTarget{name: "postgres", st: st, cleanup: func() { st.Close(); drop() }, relationSize: size}, nil
}

// eachBenchBackend runs fn on a fresh, migrated PostgreSQL store (unless pg is "none"; an
// unreachable server is reported as skipped under name) and then on a fresh SQLite store,
// removing each afterwards.
func eachBenchBackend(ctx context.Context, e Env, name, pg string, fn func(backend string, st store.Store) error) error {
	for _, backend := range []string{"postgres", "sqlite"} {
		var t *benchStoreTarget
		var err error
		if backend == "sqlite" {
			if t, err = openBenchSQLite(ctx); err != nil {
				return err
			}
		} else {
			if pg == "none" {
				continue
			}
			if t, err = openBenchPostgres(ctx, pg); err != nil {
				fmt.Fprintf(e.Stdout, "%s (postgres): skipped, not reachable: %v\n", name, err)
				continue
			}
		}
		err = fn(backend, t.st)
		t.cleanup()
		if err != nil {
			return err
		}
	}
	return nil
}

// syntheticEvents returns n events shaped like real track calls (about 300-byte bodies).
func syntheticEvents(run, from, n int) []store.Event {
	now := time.Now().UTC()
	out := make([]store.Event, n)
	for i := range out {
		k := from + i
		out[i] = store.Event{
			SourceID: "src_bench", MessageID: fmt.Sprintf("bench-%d-%09d", run, k), SubjectID: fmt.Sprintf("sub_%06d", k%50000),
			Type: "track", Name: "Product Viewed", OccurredAt: now.Add(-time.Duration(k) * time.Millisecond), ReceivedAt: now,
			Body: fmt.Appendf(nil, `{"type":"track","event":"Product Viewed","properties":{"product_id":"p-%05d","sku":"SKU-%05d","category":"baby","price":129.5,"currency":"CNY"},"context":{"library":{"name":"analytics-node","version":"3.1.0"},"locale":"zh-CN"},"messageId":"bench-%d-%09d"}`, k%997, k%997, run, k),
		}
	}
	return out
}

// rawInsertRate measures batched InsertEvents throughput (rows/s) over n rows: the raw
// store baseline every other benchmark is compared against in the same run.
func rawInsertRate(ctx context.Context, st store.Store, run, n, batch int) (float64, error) {
	evs := syntheticEvents(run, 0, n)
	start := time.Now()
	for i := 0; i < n; i += batch {
		if _, err := st.InsertEvents(ctx, evs[i:min(i+batch, n)]); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// withSearchPath returns url with search_path set to schema.
func withSearchPath(url, schema string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}
