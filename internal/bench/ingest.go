package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/demo"
)

// benchIngest measures events/s end-to-end over HTTP on loopback: batches of 100 consented
// track events from several client goroutines into a full Steward (consent gate, identity
// resolution, vault sealing, SQLite), against raw batched store inserts from the same run.
func benchIngest(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench ingest", "bench ingest [--events N] [--batch N] [--clients N] [--runs N]")
	n := fs.Int("events", 100000, "events per run")
	batch := fs.Int("batch", 100, "events per /v1/batch request")
	clients := fs.Int("clients", 4, "concurrent client goroutines")
	runs := fs.Int("runs", 3, "runs; the median is reported")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the HTTP runs to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *batch <= 0 || *clients <= 0 || *runs <= 0 {
		return fmt.Errorf("%w: events, batch, clients and runs must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	var ours, raws []float64
	for r := 0; r < *runs; r++ {
		raw, err := benchRaw(ctx, r, *n)
		if err != nil {
			return err
		}
		rate, stored, err := profiled(*cpuprofile, r, func() (float64, int64, error) { return ingestRun(ctx, e, r, *n, *batch, *clients) })
		if err != nil {
			return err
		}
		if stored != int64(*n) {
			return fmt.Errorf("bench ingest: %d events acknowledged but %d stored", *n, stored)
		}
		ours, raws = append(ours, rate), append(raws, raw)
		fmt.Fprintf(e.Stdout, "ingest run %d: %.0f events/s over HTTP (%d stored), raw inserts %.0f rows/s\n", r+1, rate, stored, raw)
	}
	o, w := median(ours), median(raws)
	fmt.Fprintf(e.Stdout, "ingest: %.0f events/s (%.2fx raw inserts)\n", o, o/w)
	return nil
}

func benchRaw(ctx context.Context, run, n int) (float64, error) {
	t, err := openBenchSQLite(ctx)
	if err != nil {
		return 0, err
	}
	defer t.cleanup()
	return rawInsertRate(ctx, t.st, run, n, 500)
}

func ingestRun(ctx context.Context, e Env, run, n, batch, clients int) (float64, int64, error) {
	dir, err := os.MkdirTemp("", "steward-bench-ingest-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir, cfg.Addr = dir, "127.0.0.1:0"
	if e.Open == nil {
		return 0, 0, errors.New("bench ingest: no Steward to open")
	}
	a, err := e.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return 0, 0, err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	key, err := os.ReadFile(a.WriteKeyPath())
	if err != nil {
		return 0, 0, err
	}
	url := "http://" + ln.Addr().String() + "/v1/batch"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	bodies := make([][]byte, 0, n/batch+1)
	for i := 0; i < n; i += batch {
		bodies = append(bodies, ingestBatch(run, i, min(batch, n-i)))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				if err := demo.PostBatch(ctx, client, url, strings.TrimSpace(string(key)), bodies[i]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	stored, err := a.Store().CountEvents(ctx)
	return float64(n) / elapsed.Seconds(), stored, err
}

// ingestBatch is a /v1/batch body of consented Product Viewed events from 5,000 visitors.
func ingestBatch(run, from, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"batch":[`)
	for i := 0; i < n; i++ {
		k := from + i
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"track","event":"Product Viewed","messageId":"ib-%d-%09d","anonymousId":"anon-%05d","timestamp":"2026-11-01T10:00:00.000Z",`+
			`"properties":{"product_id":"p-%05d","sku":"SKU-%05d","category":"shoes","price":129.5,"currency":"CNY"},`+
			`"context":{"consent":{"categoryPreferences":{"Analytics":true,"Personalization":true,"Advertising":true,"ThirdPartySharing":false,"CrossBorder":false}},`+
			`"library":{"name":"analytics-node","version":"3.1.0"},"locale":"zh-CN","location":{"country":"CN"}}}`, run, k, k%5000, k%997, k%997)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// profiled runs f under the CPU profiler when file is set, one profile per run
// (file.1, file.2, ... after the first).
func profiled(file string, run int, f func() (float64, int64, error)) (float64, int64, error) {
	if file == "" {
		return f()
	}
	if run > 0 {
		file = fmt.Sprintf("%s.%d", file, run)
	}
	out, err := os.Create(file)
	if err != nil {
		return 0, 0, err
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return 0, 0, err
	}
	defer pprof.StopCPUProfile()
	return f()
}
