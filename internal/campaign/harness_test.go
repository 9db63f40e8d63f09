package campaign_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// person is what the fake eligibility knows about someone.
type person struct {
	consent, thirdParty, objected, minor, elderly, personalisedOff bool
	tz, email, phone, contactID                                    string
}

// fakeEligibility answers from a table that tests change between steps, as consent and
// profiles would. It applies no rules itself: the engine must.
type fakeEligibility struct {
	mu     sync.Mutex
	people map[string]*person
	calls  int
}

func (f *fakeEligibility) set(id string, p person) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.people[id] = &p
}

func (f *fakeEligibility) update(id string, fn func(p *person)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.people[id])
}

func (f *fakeEligibility) Check(_ context.Context, ids []string, q campaign.Query) ([]campaign.Decision, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	out := make([]campaign.Decision, len(ids))
	for i, id := range ids {
		p, ok := f.people[id]
		if !ok {
			continue
		}
		d := campaign.Decision{Known: true, Allowed: p.consent, Objected: p.objected, Minor: p.minor, Elderly: p.elderly,
			Personalised: !p.personalisedOff, ThirdParty: p.thirdParty && q.Recipient != "", Timezone: p.tz,
			Contact: campaign.Contact{ID: p.contactID, Email: p.email, Phone: p.phone}, Attributes: map[string]string{"name": "N-" + id}}
		if !p.consent {
			d.Reason = "no_consent"
		}
		out[i] = d
	}
	return out, nil
}

func (f *fakeEligibility) ObjectDirectMarketing(_ context.Context, id string, _ time.Time, via string) error {
	f.update(id, func(p *person) { p.objected = true })
	return nil
}

type fakeSegments struct {
	mu        sync.Mutex
	members   map[string][]string
	onMembers func() // runs after Members answers: the audience is built
}

func (f *fakeSegments) Members(_ context.Context, seg string) ([]string, error) {
	f.mu.Lock()
	out := slices.Clone(f.members[seg])
	hook := f.onMembers
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	return out, nil
}

func (f *fakeSegments) Contains(_ context.Context, seg string, ids []string) ([]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]bool, len(ids))
	for i, id := range ids {
		out[i] = slices.Contains(f.members[seg], id)
	}
	return out, nil
}

type fakeRecorder struct {
	mu      sync.Mutex
	batches [][]string
	events  []audit.Event
}

func (f *fakeRecorder) RecordAudience(_ context.Context, e audit.Event, ids []string) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, slices.Clone(ids))
	f.events = append(f.events, e)
	return uint64(len(f.batches) - 1), nil
}

func (f *fakeRecorder) people() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, b := range f.batches {
		for _, id := range b {
			out[id]++
		}
	}
	return out
}

// sink is a webhook receiver on loopback: it verifies signatures and counts idempotency
// keys, as a real receiver dedupes on them.
type sink struct {
	srv    *httptest.Server
	secret []byte
	mu     sync.Mutex
	keys   map[string]int
	bodies map[string]channel.WebhookBody
	posts  int
	fail   func(key string, body channel.WebhookBody) int // status to answer instead, or 0
}

func newSink(t testing.TB, secret []byte) *sink {
	s := &sink{secret: secret, keys: map[string]int{}, bodies: map[string]channel.WebhookBody{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := channel.Verify(s.secret, b, r.Header.Get(channel.HeaderSignature), time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var wb channel.WebhookBody
		if err := decodeJSON(b, &wb); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		key := r.Header.Get(channel.HeaderIdempotencyKey)
		s.mu.Lock()
		s.posts++
		hook := s.fail
		s.mu.Unlock()
		if hook != nil {
			if code := hook(key, wb); code != 0 {
				w.WriteHeader(code)
				return
			}
		}
		s.mu.Lock()
		s.keys[key]++
		s.bodies[key] = wb
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) unique() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.keys)
}

func (s *sink) recipients() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, b := range s.bodies {
		out[b.Recipient]++
	}
	return out
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type harness struct {
	st    store.Store
	q     *jobs.Queue
	svc   *campaign.Service
	elig  *fakeEligibility
	segs  *fakeSegments
	rec   *fakeRecorder
	sink  *sink
	clock *clock
}

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

type harnessOpts struct {
	backend   string // sqlite (default) or postgres
	dbPath    string
	sinkURL   string
	clock     *clock
	caps      campaign.CapsConfig
	channels  map[string]channel.Sender
	audiences map[string]channel.AudiencePlatform
	batch     int
	unsubURL  string
	secret    []byte // the engine's Secret (default testSecret)
	start     bool   // start working jobs
}

func openStore(t testing.TB, o harnessOpts) store.Store {
	ctx := context.Background()
	var st store.Store
	switch o.backend {
	case "postgres":
		s, err := postgres.Open(ctx, pgtest.Schema(t, pgtest.URL(t)))
		if err != nil {
			t.Fatal(err)
		}
		st = s
	default:
		path := o.dbPath
		if path == "" {
			path = filepath.Join(t.TempDir(), "steward.db")
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		st = s
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	return st
}

func newHarness(t testing.TB, o harnessOpts) *harness {
	ctx := context.Background()
	h := &harness{elig: &fakeEligibility{people: map[string]*person{}}, segs: &fakeSegments{members: map[string][]string{}},
		rec: &fakeRecorder{}, clock: o.clock}
	h.st = openStore(t, o)
	url := o.sinkURL
	if url == "" {
		h.sink = newSink(t, testSecret)
		url = h.sink.srv.URL
	}
	chans := o.channels
	if chans == nil {
		wh, err := channel.NewWebhook(channel.WebhookConfig{URL: url, Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		chans = map[string]channel.Sender{"webhook": wh}
	}
	ws := jobs.NewWorkers()
	q, err := jobs.Open(ctx, jobs.Config{Store: h.st, Workers: ws, Queues: map[string]int{campaign.Queue: 4},
		PollInterval: 50 * time.Millisecond, JobTimeout: 5 * time.Second, RescueAfter: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.q = q
	cfg := campaign.Config{Store: h.st.(campaign.Store), Queue: q, Eligibility: h.elig, Segments: h.segs, Recorder: h.rec,
		Objector: h.elig, Channels: chans, Audiences: o.audiences, Caps: o.caps, Sender: "Demo Shop",
		WhyURL: "https://shop.example/privacy/why", UnsubscribeURL: "https://shop.example/u", Secret: testSecret,
		BatchSize: o.batch, RetryBase: 100 * time.Millisecond, RetryMax: 400 * time.Millisecond, MaxAttempts: 4}
	if o.clock != nil {
		cfg.Now = o.clock.now
	} else {
		// Real-time tests must not depend on the hour they run at.
		cfg.QuietHours = &campaign.QuietHours{}
	}
	if o.unsubURL != "" {
		cfg.UnsubscribeURL = o.unsubURL
	}
	if o.secret != nil {
		cfg.Secret = o.secret
	}
	h.svc, err = campaign.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Register(ws); err != nil {
		t.Fatal(err)
	}
	if o.start {
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			q.Stop(c)
		})
	}
	return h
}

// define stores and activates a definition.
func (h *harness) define(t testing.TB, spec string) {
	t.Helper()
	ctx := context.Background()
	var id string
	if c, err := campaign.ParseCampaign([]byte(spec)); err == nil {
		if _, err := h.svc.Define(ctx, []byte(spec), "op_test"); err != nil {
			t.Fatal(err)
		}
		id = c.ID
	} else {
		j, jerr := campaign.ParseJourney([]byte(spec))
		if jerr != nil {
			t.Fatalf("definition: %v / %v", err, jerr)
		}
		if _, err := h.svc.DefineJourney(ctx, []byte(spec), "op_test"); err != nil {
			t.Fatal(err)
		}
		id = j.ID
	}
	if err := h.svc.Activate(ctx, id); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
