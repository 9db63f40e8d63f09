package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// benchCampaign delivers a campaign to a synthetic audience through the job queue, with
// every send-time check, to a loopback webhook sink, and posts the same bodies to the same
// sink with plain HTTP in the same run (issue 19 item 7).
func benchCampaign(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench campaign", "bench campaign [-n N] [-runs N] [-batch N] [-workers N] [-concurrency N]")
	n := fs.Int("n", 100000, "people in the audience")
	runs := fs.Int("runs", 3, "runs; medians are reported")
	batch := fs.Int("batch", 1000, "people per delivery job")
	workers := fs.Int("workers", 2, "delivery jobs worked at once")
	conc := fs.Int("concurrency", 32, "parallel posts per delivery job")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *runs <= 0 || *batch <= 0 || *workers <= 0 || *conc <= 0 {
		return fmt.Errorf("%w: n, runs, batch, workers and concurrency must be positive", ErrUsage)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(e.Stdout, "campaign: %d people, batches of %d, %d jobs at once × %d posts each; SQLite store and queue\n", *n, *batch, *workers, *conc)
	sk, err := startBenchSink()
	if err != nil {
		return err
	}
	defer sk.close()
	var rates, raws []float64
	for r := 1; r <= *runs; r++ {
		res, err := campaignRun(ctx, sk, *n, *batch, *workers, *conc)
		if err != nil {
			return err
		}
		raw, err := rawPosts(ctx, sk, res.bodies, *workers**conc)
		if err != nil {
			return err
		}
		rate := float64(res.delivered) / res.elapsed.Seconds()
		rates, raws = append(rates, rate), append(raws, raw)
		fmt.Fprintf(e.Stdout, "campaign run %d: %d delivered, %d skipped %v in %.2fs: %.0f messages/s; raw posts %.0f/s\n",
			r, res.delivered, res.skipped, res.reasons, res.elapsed.Seconds(), rate, raw)
	}
	m, rm := median(rates), median(raws)
	fmt.Fprintf(e.Stdout, "campaign: %.0f messages/s (%.2fx raw posts)\n", m, m/rm)
	return nil
}

// benchSink is a webhook receiver on loopback that keeps the bodies of one run.
type benchSink struct {
	srv    *http.Server
	url    string
	mu     sync.Mutex
	keep   bool
	bodies [][]byte
	keys   map[string]bool
	posts  atomic.Int64
}

func startBenchSink() (*benchSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &benchSink{url: "http://" + ln.Addr().String() + "/hook", keys: map[string]bool{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.posts.Add(1)
		if k := r.Header.Get(channel.HeaderIdempotencyKey); k != "" {
			s.mu.Lock()
			if s.keep && !s.keys[k] {
				s.keys[k] = true
				s.bodies = append(s.bodies, b)
			}
			s.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *benchSink) close() { s.srv.Close() }

func (s *benchSink) reset(keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep, s.bodies, s.keys = keep, nil, map[string]bool{}
}

func (s *benchSink) unique() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.keys)
}

type campaignResult struct {
	delivered, skipped int64
	reasons            map[string]int64
	elapsed            time.Duration
	bodies             [][]byte
}

// benchEligibility derives each person's facts from their index, as consent, policy and
// the profile would, so every check has people it stops: about 2% withdrew, 1% objected,
// 0.5% are minors, 1% have no contact, 10% switched personalisation off (plain variant),
// 15% are elderly; people live in three time zones.
type benchEligibility struct{ zones []string }

func (b *benchEligibility) Check(_ context.Context, ids []string, q campaign.Query) ([]campaign.Decision, error) {
	out := make([]campaign.Decision, len(ids))
	for k, id := range ids {
		i, _ := strconv.Atoi(id[1:])
		age := 18 + (i*7)%70
		if i%200 == 0 {
			age = 15
		}
		d := campaign.Decision{Known: true, Allowed: i%50 != 7, Objected: i%100 == 3, Minor: age < 18, Elderly: age >= 65,
			Personalised: i%10 != 0, Timezone: b.zones[i%len(b.zones)], Locale: "zh-CN"}
		if !d.Allowed {
			d.Reason = "no_consent"
		}
		if i%100 != 5 {
			d.Contact = campaign.Contact{ID: "u" + id}
		}
		d.Attributes = map[string]string{"name": "顾客" + id[len(id)-3:]}
		out[k] = d
	}
	return out, nil
}

type campaignSegments struct{ members []string }

func (b *campaignSegments) Members(context.Context, string) ([]string, error) {
	return append([]string(nil), b.members...), nil
}
func (b *campaignSegments) Contains(_ context.Context, _ string, ids []string) ([]bool, error) {
	out := make([]bool, len(ids))
	for i := range out {
		out[i] = true
	}
	return out, nil
}

// benchRecorder does the work RecordAudience will do per batch: a keyed pseudonym per
// person and an RFC 6962 Merkle root over them, one leaf per batch.
type benchRecorder struct {
	ps     *audit.Pseudonymizer
	leaves atomic.Int64
}

func (b *benchRecorder) RecordAudience(_ context.Context, _ audit.Event, ids []string) (uint64, error) {
	h := rfc6962.DefaultHasher
	level := make([][]byte, len(ids))
	for i, id := range ids {
		level[i] = h.HashLeaf([]byte(b.ps.Pseudonym(id)))
	}
	for len(level) > 1 {
		var next [][]byte
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
			} else {
				next = append(next, h.HashChildren(level[i], level[i+1]))
			}
		}
		level = next
	}
	return uint64(b.leaves.Add(1) - 1), nil
}

func campaignRun(ctx context.Context, sk *benchSink, n, batch, workers, conc int) (campaignResult, error) {
	var res campaignResult
	dir, err := os.MkdirTemp("", "steward-bench-campaign-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return res, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return res, err
	}
	if _, err := jobs.Migrate(ctx, st); err != nil {
		return res, err
	}
	members := make([]string, n)
	for i := range members {
		members[i] = fmt.Sprintf("s%07d", i)
	}
	wh, err := channel.NewWebhook(channel.WebhookConfig{URL: sk.url, Secret: []byte("bench-webhook-secret-0123456789"), Concurrency: conc})
	if err != nil {
		return res, err
	}
	ws := jobs.NewWorkers()
	q, err := jobs.Open(ctx, jobs.Config{Store: st, Workers: ws, Queues: map[string]int{campaign.Queue: workers}, PollInterval: 50 * time.Millisecond})
	if err != nil {
		return res, err
	}
	// A fixed instant at which all three zones are in daytime, so quiet hours are checked
	// for everyone and defer no one: the figure does not depend on the hour it runs.
	base, began := time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC), time.Now()
	svc, err := campaign.New(campaign.Config{Store: st, Queue: q,
		Eligibility: &benchEligibility{zones: []string{"Asia/Shanghai", "Asia/Tokyo", "Asia/Bangkok"}},
		Segments:    &campaignSegments{members: members}, Recorder: &benchRecorder{ps: audit.NewPseudonymizer([]byte("bench"))},
		Channels: map[string]channel.Sender{"webhook": wh}, Sender: "Demo Shop", WhyURL: "https://shop.example/privacy/why",
		UnsubscribeURL: "https://shop.example/u", Secret: []byte("bench-campaign-secret-0123456789abcdef"), BatchSize: batch,
		Now: func() time.Time { return base.Add(time.Since(began)) }})
	if err != nil {
		return res, err
	}
	if err := svc.Register(ws); err != nil {
		return res, err
	}
	spec := `{"id": "bench", "purpose": "marketing.communications.push", "audience": {"segment": "all"}, "channel": {"type": "webhook"},
		"sender": "Demo Shop", "holdout": 0.05, "conversion": {"event": "Order Completed", "window": "7d"}, "caps": {"max": 2, "window": "7d"},
		"content": {"personalised": {"body": "{{.name}}，您关注的宝宝用品降价了，点击查看。"}, "plain": {"body": "宝宝用品春季促销，全场八折。"}},
		"schedule": {"kind": "once", "at": "2026-05-01T04:00:00Z"}}`
	if _, err := svc.Define(ctx, []byte(spec), "bench"); err != nil {
		return res, err
	}
	if err := svc.Activate(ctx, "bench"); err != nil {
		return res, err
	}
	if err := q.Start(ctx); err != nil {
		return res, err
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(c)
	}()
	sk.reset(true)
	start := time.Now()
	if err := svc.Run(ctx, "bench", "r1"); err != nil {
		return res, err
	}
	// Done when no job is left to work: the run job enqueues the batches before it
	// completes, so the count never touches zero in between. (Polling the results
	// instead would scan every message each time, on the same two cores.)
	deadline := start.Add(10 * time.Minute)
	for {
		if time.Now().After(deadline) {
			return res, fmt.Errorf("bench campaign: not finished after 10 minutes (%d delivered)", sk.unique())
		}
		time.Sleep(100 * time.Millisecond)
		left, err := q.Count(ctx, "", jobs.StateAvailable, jobs.StateRunning, jobs.StateRetryable, jobs.StateScheduled)
		if err != nil {
			return res, err
		}
		if left == 0 {
			break
		}
	}
	r, err := svc.Results(ctx, "bench")
	if err != nil {
		return res, err
	}
	for _, v := range r.Skipped {
		res.skipped += v
	}
	if res.skipped+r.Delivered+r.Holdout != int64(n) {
		return res, fmt.Errorf("bench campaign: %d delivered, %d skipped, %d held out of %d", r.Delivered, res.skipped, r.Holdout, n)
	}
	res.elapsed = time.Since(start)
	res.delivered, res.reasons = r.Delivered, r.Skipped
	sk.mu.Lock()
	res.bodies = sk.bodies
	sk.mu.Unlock()
	sk.reset(false)
	if int64(len(res.bodies)) != r.Delivered || r.Dead != 0 {
		return res, fmt.Errorf("bench campaign: sink saw %d distinct messages, store says %d delivered, %d dead", len(res.bodies), r.Delivered, r.Dead)
	}
	return res, nil
}

// rawPosts posts bodies to the sink with plain HTTP at the given parallelism and returns
// posts/s: no queue, no checks, no store, no signature.
func rawPosts(ctx context.Context, sk *benchSink, bodies [][]byte, parallel int) (float64, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2 * parallel
	client := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	defer tr.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(bodies)) {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, sk.url, bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return float64(len(bodies)) / time.Since(start).Seconds(), nil
}

var _ store.Campaigns = (*sqlite.Store)(nil)
