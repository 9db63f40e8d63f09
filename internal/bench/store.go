package bench

import (
	"context"
	"fmt"
	"runtime"

	"github.com/stewardhq/steward/internal/store"
)

// defaultBenchPostgres is the local server the development machines and CI run.
const defaultBenchPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func benchStore(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench store", "bench store [--rows N] [--batch N] [--runs N] [--pg URL|none]")
	rows := fs.Int("rows", 100000, "rows per run")
	batch := fs.Int("batch", 500, "rows per InsertEvents call (one transaction)")
	runs := fs.Int("runs", 5, "runs per backend; the median is reported")
	pg := fs.String("pg", defaultBenchPostgres, "PostgreSQL URL to benchmark as well, or none")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *rows <= 0 || *batch <= 0 || *runs <= 0 {
		return fmt.Errorf("%w: rows, batch and runs must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	results := map[string]float64{}
	err := eachBenchBackend(ctx, e, "store", *pg, func(backend string, st store.Store) error {
		var rates []float64
		for r := 0; r < *runs; r++ {
			rate, err := rawInsertRate(ctx, st, r, *rows, *batch)
			if err != nil {
				return err
			}
			rates = append(rates, rate)
			fmt.Fprintf(e.Stdout, "store (%s) run %d: %.0f rows/s\n", backend, r+1, rate)
		}
		results[backend] = median(rates)
		if backend == "postgres" {
			fmt.Fprintf(e.Stdout, "store (postgres): %.0f rows/s median of %d runs, batches of %d\n", results[backend], *runs, *batch)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "store: %.0f rows/s\n", results["sqlite"])
	return nil
}
