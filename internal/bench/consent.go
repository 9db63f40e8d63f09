package bench

import (
	"context"
	"fmt"
	"runtime"

	"github.com/stewardhq/steward/internal/store"
)

func benchConsent(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench consent", "bench consent [--records N] [--reads N] [--runs N] [--pg URL|none]")
	n := fs.Int("records", 50000, "ledger records per run")
	reads := fs.Int("reads", 5000, "current-state reads per run")
	runs := fs.Int("runs", 3, "runs per backend; the median is reported")
	pg := fs.String("pg", defaultBenchPostgres, "PostgreSQL URL to benchmark as well, or none")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *reads <= 0 || *runs <= 0 {
		return fmt.Errorf("%w: records, reads and runs must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	var sqliteWrites, sqliteRaw float64
	err := eachBenchBackend(ctx, e, "consent", *pg, func(backend string, st store.Store) error {
		var ws, rs, raws []float64
		for r := 0; r < *runs; r++ {
			raw, err := rawInsertRate(ctx, st, r, *n, 500)
			if err != nil {
				return err
			}
			res, err := consentWork(ctx, st, r, *n, 500, *reads)
			if err != nil {
				return err
			}
			ws, rs, raws = append(ws, res.WritesPerSec), append(rs, res.ReadsPerSec), append(raws, raw)
			fmt.Fprintf(e.Stdout, "consent (%s) run %d: %.0f writes/s, %.0f state reads/s, raw inserts %.0f rows/s\n", backend, r+1, res.WritesPerSec, res.ReadsPerSec, raw)
		}
		w, rd, raw := median(ws), median(rs), median(raws)
		fmt.Fprintf(e.Stdout, "consent (%s): %.0f writes/s (%.2fx raw inserts), %.0f state reads/s\n", backend, w, w/raw, rd)
		if backend == "sqlite" {
			sqliteWrites, sqliteRaw = w, raw
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "consent: %.0f writes/s (%.2fx raw inserts)\n", sqliteWrites, sqliteWrites/sqliteRaw)
	return nil
}
