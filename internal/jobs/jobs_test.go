package jobs_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/jobs"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

type pingArgs struct {
	N   int    `json:"n" river:"unique"`
	Tag string `json:"tag"`
}

func (pingArgs) Kind() string { return "test.ping" }

// backends opens a migrated store on each backend, with River migrated too.
func backends(t *testing.T) map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"sqlite": func(t *testing.T) store.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return migrated(t, s)
		},
		"postgres": func(t *testing.T) store.Store {
			s, err := postgres.Open(context.Background(), pgtest.Schema(t, pgtest.URL(t)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return migrated(t, s)
		},
	}
}

func migrated(t *testing.T, s store.Store) store.Store {
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := jobs.Migrate(ctx, s)
	if err != nil || n == 0 {
		t.Fatalf("jobs.Migrate = %d, %v; want some migrations", n, err)
	}
	if n, err := jobs.Migrate(ctx, s); err != nil || n != 0 {
		t.Fatalf("second jobs.Migrate = %d, %v; want 0", n, err)
	}
	return s
}

func TestQueue(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			ctx := context.Background()
			var mu sync.Mutex
			seen := map[int]int{}
			done := make(chan struct{}, 100)
			ws := jobs.NewWorkers()
			if err := jobs.RegisterFunc(ws, func(ctx context.Context, j *jobs.Job[pingArgs]) error {
				mu.Lock()
				seen[j.Args.N]++
				mu.Unlock()
				done <- struct{}{}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			q, err := jobs.Open(ctx, jobs.Config{Store: st, Workers: ws, PollInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if q.Dialect() != name {
				t.Fatalf("dialect = %s", q.Dialect())
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer q.Stop(ctx)
			// Unique by the tagged field: the second enqueue of N=1 is a duplicate even
			// with another tag.
			a, err := q.Enqueue(ctx, pingArgs{N: 1, Tag: "a"}, &jobs.Opts{Unique: true})
			if err != nil || a.Duplicate {
				t.Fatalf("first enqueue = %+v, %v", a, err)
			}
			b, err := q.Enqueue(ctx, pingArgs{N: 1, Tag: "b"}, &jobs.Opts{Unique: true})
			if err != nil || !b.Duplicate || b.ID != a.ID {
				t.Fatalf("second enqueue = %+v, %v; want duplicate of %d", b, err, a.ID)
			}
			items := []jobs.Item{}
			for i := 2; i <= 10; i++ {
				items = append(items, jobs.Item{Args: pingArgs{N: i}, Opts: &jobs.Opts{Unique: true}})
			}
			res, err := q.EnqueueMany(ctx, items)
			if err != nil || len(res) != 9 || res[0].Duplicate {
				t.Fatalf("EnqueueMany = %+v, %v", res, err)
			}
			// A key already queued is a duplicate in a later batch (River refuses the
			// same key twice within one batch).
			res, err = q.EnqueueMany(ctx, []jobs.Item{{Args: pingArgs{N: 5}, Opts: &jobs.Opts{Unique: true}}, {Args: pingArgs{N: 11}, Opts: &jobs.Opts{Unique: true}}})
			if err != nil || !res[0].Duplicate || res[1].Duplicate {
				t.Fatalf("EnqueueMany again = %+v, %v", res, err)
			}
			for range 11 {
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					t.Fatalf("jobs not worked: %v", seen)
				}
			}
			time.Sleep(100 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			for i := 1; i <= 11; i++ {
				if seen[i] != 1 {
					t.Errorf("job %d ran %d times", i, seen[i])
				}
			}
		})
	}
}

type tickArgs struct{}

func (tickArgs) Kind() string { return "test.tick" }

func TestPeriodic(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			ctx := context.Background()
			var ticks atomic.Int32
			ws := jobs.NewWorkers()
			jobs.RegisterFunc(ws, func(ctx context.Context, j *jobs.Job[tickArgs]) error { ticks.Add(1); return nil })
			q, err := jobs.Open(ctx, jobs.Config{Store: st, Workers: ws, PollInterval: 50 * time.Millisecond,
				Periodic: []jobs.Periodic{{ID: "tick", Schedule: jobs.Every(200 * time.Millisecond), RunOnStart: true,
					Args: func() jobs.Args { return tickArgs{} }}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer q.Stop(ctx)
			deadline := time.Now().Add(20 * time.Second)
			for ticks.Load() < 3 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if ticks.Load() < 3 {
				t.Fatalf("periodic job ran %d times in 20 s", ticks.Load())
			}
		})
	}
}

type workArgs struct {
	N int `json:"n"`
}

func (workArgs) Kind() string { return "test.work" }

// Several processes on one PostgreSQL database: every job runs exactly once.
func TestSeveralProcessesRunEachJobOnce(t *testing.T) {
	base := pgtest.Schema(t, pgtest.URL(t))
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[int][]string{}
	var total atomic.Int32
	const n = 300
	var queues []*jobs.Queue
	for i, id := range []string{"node-a", "node-b", "node-c"} {
		s, err := postgres.Open(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			migrated(t, s)
		}
		ws := jobs.NewWorkers()
		jobs.RegisterFunc(ws, func(ctx context.Context, j *jobs.Job[workArgs]) error {
			time.Sleep(time.Millisecond)
			mu.Lock()
			seen[j.Args.N] = append(seen[j.Args.N], id)
			mu.Unlock()
			total.Add(1)
			return nil
		})
		q, err := jobs.Open(ctx, jobs.Config{Store: s, Workers: ws, ID: id, PollInterval: 50 * time.Millisecond,
			Queues: map[string]int{jobs.DefaultQueue: 4}})
		if err != nil {
			t.Fatal(err)
		}
		queues = append(queues, q)
	}
	var items []jobs.Item
	for i := range n {
		items = append(items, jobs.Item{Args: workArgs{N: i}})
	}
	if _, err := queues[0].EnqueueMany(ctx, items); err != nil {
		t.Fatal(err)
	}
	for _, q := range queues {
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
	}
	deadline := time.Now().Add(60 * time.Second)
	for total.Load() < n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	nodes := map[string]int{}
	for i := range n {
		if len(seen[i]) != 1 {
			t.Errorf("job %d ran %d times (%v)", i, len(seen[i]), seen[i])
		}
		for _, id := range seen[i] {
			nodes[id]++
		}
	}
	if len(nodes) < 2 {
		t.Errorf("work was not shared: %v", nodes)
	}
	t.Logf("jobs per node: %v", nodes)
}

func TestNoBackend(t *testing.T) {
	if _, err := jobs.Open(context.Background(), jobs.Config{Store: struct{}{}}); err != jobs.ErrNoBackend {
		t.Fatalf("err = %v", err)
	}
	if _, err := jobs.Migrate(context.Background(), struct{}{}); err != jobs.ErrNoBackend {
		t.Fatalf("err = %v", err)
	}
}
