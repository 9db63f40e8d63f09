package bench

import (
	"context"
	"fmt"
	"runtime"
)

func benchVault(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench vault", "bench vault [--profiles N] [--runs N]")
	n := fs.Int("profiles", 50000, "profiles per run")
	runs := fs.Int("runs", 5, "runs; the median is reported")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *runs <= 0 {
		return fmt.Errorf("%w: profiles and runs must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s; one goroutine (per core)\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	var vs, js []float64
	for r := 0; r < *runs; r++ {
		res, err := vaultWork(ctx, *n)
		if err != nil {
			return err
		}
		vs, js = append(vs, res.VaultPerSec), append(js, res.JSONPerSec)
		fmt.Fprintf(e.Stdout, "vault run %d: %.0f profiles/s sealed+opened (10 fields each), json %.0f profiles/s\n", r+1, res.VaultPerSec, res.JSONPerSec)
	}
	v, j := median(vs), median(js)
	fmt.Fprintf(e.Stdout, "vault: %.0f profiles/s (%.2fx json)\n", v, v/j)
	return nil
}
