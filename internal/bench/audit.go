package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// benchAudit measures leaves/s through the group-commit Appender against raw
// batched event inserts measured in the same run on the same store (issue 7).
func benchAudit(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench audit", "bench audit [-n N] [-runs N] [-workers N] [--pg URL|none]")
	n := fs.Int("n", 20000, "leaves (and raw rows) per run")
	runs := fs.Int("runs", 5, "runs per backend; medians are reported")
	workers := fs.Int("workers", 64, "concurrent appending goroutines")
	pg := fs.String("pg", defaultBenchPostgres, "PostgreSQL URL to benchmark as well, or none")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *runs <= 0 || *workers <= 0 {
		return fmt.Errorf("%w: n, runs and workers must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	type res struct{ leaves, raw float64 }
	results := map[string]res{}
	err := eachBenchBackend(ctx, e, "audit", *pg, func(backend string, st store.Store) error {
		ast, ok := st.(audit.Store)
		if !ok {
			return fmt.Errorf("%s store has no audit log", backend)
		}
		var lr, rr []float64
		for r := 0; r < *runs; r++ {
			raw, err := rawInsertRate(ctx, st, r, *n, 256)
			if err != nil {
				return err
			}
			leaves, err := appendRate(ctx, ast, *n, *workers)
			if err != nil {
				return err
			}
			lr, rr = append(lr, leaves), append(rr, raw)
			fmt.Fprintf(e.Stdout, "audit (%s) run %d: %.0f leaves/s, raw %.0f rows/s\n", backend, r+1, leaves, raw)
		}
		results[backend] = res{median(lr), median(rr)}
		if backend == "postgres" {
			p := results[backend]
			fmt.Fprintf(e.Stdout, "audit (postgres): %.0f leaves/s (%.2fx raw inserts) median of %d runs\n", p.leaves, p.leaves/p.raw, *runs)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s := results["sqlite"]
	fmt.Fprintf(e.Stdout, "audit: %.0f leaves/s (%.2fx raw inserts)\n", s.leaves, s.leaves/s.raw)
	return nil
}

// appendRate appends n leaves from workers goroutines and returns leaves/s.
func appendRate(ctx context.Context, st audit.Store, n, workers int) (float64, error) {
	a := audit.NewAppender(st)
	ps := audit.NewPseudonymizer([]byte("bench"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				l := audit.Leaf{Time: time.Now(), Act: audit.ActRead, Actor: "system", Subject: ps.Pseudonym(fmt.Sprint(i % 50000)),
					Purpose: "analytics", Categories: []string{"behaviour"}, LegalBasis: "consent"}
				if _, err := a.Append(ctx, l); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), firstErr
}
