package bench

import (
	"bytes"
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
	var ours, raws, outside []float64
	for r := 0; r < *runs; r++ {
		raw, err := benchRaw(ctx, r, *n)
		if err != nil {
			return err
		}
		res, err := ingestRun(ctx, e, r, *n, *batch, *clients, profileFile(*cpuprofile, r))
		if err != nil {
			return err
		}
		if res.stored != int64(*n) {
			return fmt.Errorf("bench ingest: %d events acknowledged but %d stored", *n, res.stored)
		}
		out := res.share.outsidePerEvent(res.cpu.Nanoseconds(), *n)
		ours, raws, outside = append(ours, res.rate), append(raws, raw), append(outside, out)
		cpu := res.cpu.Nanoseconds()
		fmt.Fprintf(e.Stdout, "ingest run %d: %.0f events/s over HTTP (%d stored), raw inserts %.0f rows/s; CPU µs/event: %.1f in all = %.1f store + %.1f bench client + %.1f outside the store (%.1f of it profiles and recommendations kept current)\n",
			r+1, res.rate, res.stored, raw, float64(cpu)/float64(*n)/1e3, res.share.perEvent(res.share.store, cpu, *n),
			res.share.perEvent(res.share.client, cpu, *n), out, res.share.perEvent(res.share.background, cpu, *n))
	}
	o, w := median(ours), median(raws)
	fmt.Fprintf(e.Stdout, "ingest: %.0f events/s (%.2fx raw inserts); %.1f µs CPU/event outside the store\n", o, o/w, median(outside))
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

// ingestResult is one HTTP run: its rate, what was stored, the process CPU time from the
// first post until the process settled after the last, and how the CPU profile of that
// window splits between the store, the bench client and the rest.
type ingestResult struct {
	rate   float64
	stored int64
	cpu    time.Duration
	share  cpuShare
}

func ingestRun(ctx context.Context, e Env, run, n, batch, clients int, profileTo string) (ingestResult, error) {
	var res ingestResult
	dir, err := os.MkdirTemp("", "steward-bench-ingest-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir, cfg.Addr = dir, "127.0.0.1:0"
	if e.Open == nil {
		return res, errors.New("bench ingest: no Steward to open")
	}
	a, err := e.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return res, err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	key, err := os.ReadFile(a.WriteKeyPath())
	if err != nil {
		return res, err
	}
	url := "http://" + ln.Addr().String() + "/v1/batch"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	bodies := make([][]byte, 0, n/batch+1)
	for i := 0; i < n; i += batch {
		bodies = append(bodies, ingestBatch(run, i, min(batch, n-i)))
	}
	settle(2 * time.Second) // start-up work (profiles loading) out of the window
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		return res, err
	}
	cpu0 := processCPU()
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
	// The work events cause after they are acknowledged (profiles, recommendations) is
	// theirs too: the window closes when the process has gone quiet.
	settle(5 * time.Second)
	res.cpu = processCPU() - cpu0
	pprof.StopCPUProfile()
	close(errs)
	if err := <-errs; err != nil {
		return res, err
	}
	if res.share, err = shareOf(prof.Bytes()); err != nil {
		return res, err
	}
	if profileTo != "" {
		if err := os.WriteFile(profileTo, prof.Bytes(), 0o644); err != nil {
			return res, err
		}
	}
	res.rate = float64(n) / elapsed.Seconds()
	res.stored, err = a.Store().CountEvents(ctx)
	return res, err
}

// settle waits until the process uses less than 5% of a core over 100 ms, or at most
// limit: background work caught up.
func settle(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		c := processCPU()
		time.Sleep(100 * time.Millisecond)
		if processCPU()-c < 5*time.Millisecond {
			return
		}
	}
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

// profileFile names the CPU profile file of a run when one is asked for (file.1, file.2,
// ... after the first).
func profileFile(file string, run int) string {
	if file == "" || run == 0 {
		return file
	}
	return fmt.Sprintf("%s.%d", file, run)
}
