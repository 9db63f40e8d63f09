package bench

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

func benchPolicy(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench policy", "bench policy [-n N] [-runs N]")
	n := fs.Int("n", 5_000_000, "decisions per run")
	runs := fs.Int("runs", 5, "runs; the median is reported")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *runs <= 0 {
		return fmt.Errorf("%w: n and runs must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s; one core (GOMAXPROCS 1), precomputed subject states\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	var rates, ratios, p99s []float64
	for r := 0; r < *runs; r++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		res := policyWork(*n)
		fmt.Fprintf(e.Stdout, "policy run %d: %.0f decisions/s, %.0f map lookups/s, p99 %s\n",
			r+1, res.DecisionsPerSec, res.MapLookupsPerSec, res.P99)
		rates = append(rates, res.DecisionsPerSec)
		ratios = append(ratios, res.Ratio)
		p99s = append(p99s, float64(res.P99))
	}
	fmt.Fprintf(e.Stdout, "policy: p99 %s median of %d runs of %d decisions\n", time.Duration(median(p99s)), *runs, *n)
	fmt.Fprintf(e.Stdout, "policy: %.0f decisions/s (%.1fx map lookup)\n", median(rates), median(ratios))
	return nil
}
