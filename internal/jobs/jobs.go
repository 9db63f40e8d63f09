package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// Args are a job's arguments: a JSON-encodable struct whose Kind names its worker.
type Args = river.JobArgs

// Job is one job as a worker receives it: its arguments, attempt and limits.
type Job[T Args] = river.Job[T]

// Worker works jobs of one kind. Embed WorkerDefaults and implement Work.
type Worker[T Args] = river.Worker[T]

// WorkerDefaults gives a Worker the default NextRetry, Timeout and Middleware.
type WorkerDefaults[T Args] = river.WorkerDefaults[T]

// JobRow is a job as the queue stores it.
type JobRow = rivertype.JobRow

// State is a job's state (available, running, retryable, completed, discarded, …).
type State = rivertype.JobState

// The job states tests and callers look at.
const (
	StateAvailable = rivertype.JobStateAvailable
	StateRunning   = rivertype.JobStateRunning
	StateRetryable = rivertype.JobStateRetryable
	StateScheduled = rivertype.JobStateScheduled
	StateCompleted = rivertype.JobStateCompleted
	StateDiscarded = rivertype.JobStateDiscarded
)

// ErrNoBackend reports a store that offers the job queue no database handle.
var ErrNoBackend = errors.New("jobs: the store offers no job database (want JobDB or JobPool)")

// SQLiteBackend is what the SQLite store offers the queue (sqlite.Store.JobDB).
type SQLiteBackend interface{ JobDB() *sql.DB }

// PostgresBackend is what the PostgreSQL store offers the queue (postgres.Store.JobPool).
type PostgresBackend interface{ JobPool() *pgxpool.Pool }

// Workers collects the workers a Queue runs. Register every kind before Open.
type Workers struct{ w *river.Workers }

// NewWorkers returns an empty set.
func NewWorkers() *Workers { return &Workers{w: river.NewWorkers()} }

// Register adds a worker for its kind; registering a kind twice is an error.
func Register[T Args](ws *Workers, w Worker[T]) error { return river.AddWorkerSafely(ws.w, w) }

// RegisterFunc adds a function as the worker of T's kind.
func RegisterFunc[T Args](ws *Workers, fn func(ctx context.Context, job *Job[T]) error) error {
	return river.AddWorkerSafely(ws.w, river.WorkFunc(fn))
}

// Schedule says when a periodic job runs next after a given instant.
type Schedule interface {
	Next(after time.Time) time.Time
}

// Every is a fixed-interval Schedule.
func Every(d time.Duration) Schedule { return river.PeriodicInterval(d) }

// Periodic is a job enqueued on a schedule. Only the elected leader among the processes
// sharing a database enqueues it, so it runs once per tick however many processes run.
type Periodic struct {
	// ID names the periodic job (unique within a Queue).
	ID       string
	Schedule Schedule
	// Args builds the job to enqueue at each tick; nil skips the tick.
	Args func() Args
	// Opts are the insert options of each tick's job.
	Opts *Opts
	// RunOnStart enqueues one job when a leader starts, besides the schedule.
	RunOnStart bool
}

// Config is what Open needs. Store is required.
type Config struct {
	// Store is an opened Steward store: *sqlite.Store (JobDB) or *postgres.Store (JobPool).
	Store any
	// Workers run the jobs; nil opens an insert-only queue (it enqueues, never works).
	Workers *Workers
	// Queues maps queue names to their concurrent workers in this process; empty means
	// {"default": 8}.
	Queues map[string]int
	// Periodic jobs, enqueued by the leader.
	Periodic []Periodic
	// JobTimeout bounds one attempt (default 1 minute); its context is cancelled then.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before it is taken to have died with
	// its process (kill -9) and is made available again (default JobTimeout + 1 minute).
	RescueAfter time.Duration
	// PollInterval is how often a process looks for new work besides notifications
	// (default 1 s; SQLite has no LISTEN/NOTIFY, so this bounds a job's start latency
	// there when enqueued by another process).
	PollInterval time.Duration
	// FetchCooldown is the least time between two fetches of work (default 10 ms).
	FetchCooldown time.Duration
	// ID names this process among those sharing the database (default: River's).
	ID string
	// Logger receives River's own logs; nil discards them.
	Logger *slog.Logger
}

// DefaultQueue is the queue jobs go to unless Opts names another.
const DefaultQueue = river.QueueDefault

// Opts are per-job insert options.
type Opts struct {
	Queue string
	// Priority 1 (first) to 4 (last); 0 means 1.
	Priority int
	// MaxAttempts before the job is discarded; 0 means 25.
	MaxAttempts int
	// At schedules the job; zero means now.
	At time.Time
	// Unique makes the job unique by its arguments: fields tagged `river:"unique"`, or all
	// of them when none is tagged. A second enqueue of the same key, while the first job
	// is pending, running, retryable or completed and not yet cleaned, is a duplicate.
	Unique bool
	// UniqueWithin narrows Unique to the period containing the job's time (e.g. one per
	// hour); zero means for as long as the first job is kept.
	UniqueWithin time.Duration
	// Tags label the job (for listing).
	Tags []string
}

func (o *Opts) river() *river.InsertOpts {
	if o == nil {
		return nil
	}
	io := &river.InsertOpts{Queue: o.Queue, Priority: o.Priority, MaxAttempts: o.MaxAttempts, ScheduledAt: o.At, Tags: o.Tags}
	if o.Unique || o.UniqueWithin > 0 {
		io.UniqueOpts = river.UniqueOpts{ByArgs: o.Unique, ByPeriod: o.UniqueWithin}
	}
	return io
}

// Enqueued is the result of an enqueue.
type Enqueued struct {
	ID int64
	// Duplicate: a unique job with the same key existed; nothing was inserted and ID is
	// the existing job's.
	Duplicate bool
}

// Item is one job of an EnqueueMany.
type Item struct {
	Args Args
	Opts *Opts
}

// client is what Queue uses of a River client; *river.Client[pgx.Tx] and
// *river.Client[*sql.Tx] both have it, so the rest of the package ignores the backend.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// Queue is Steward's durable job queue over the store's own database.
type Queue struct {
	c       client
	dialect string
}

// Open builds a queue over cfg.Store's database. River's tables must exist: call Migrate
// at start first. Start begins working jobs; an insert-only queue (no Workers) needs no Start.
func Open(ctx context.Context, cfg Config) (*Queue, error) {
	// Schema stays empty: River's tables live beside Steward's, found through the
	// connection's search_path on PostgreSQL (so each test schema has its own queue).
	rc := &river.Config{ID: cfg.ID, JobTimeout: cfg.JobTimeout, Logger: cfg.Logger}
	if rc.Logger == nil {
		rc.Logger = slog.New(slog.DiscardHandler)
	}
	if rc.JobTimeout == 0 {
		rc.JobTimeout = time.Minute
	}
	rc.RescueStuckJobsAfter = cfg.RescueAfter
	if rc.RescueStuckJobsAfter == 0 {
		rc.RescueStuckJobsAfter = rc.JobTimeout + time.Minute
	}
	rc.FetchPollInterval = cfg.PollInterval
	if rc.FetchPollInterval == 0 {
		rc.FetchPollInterval = time.Second
	}
	// River waits FetchCooldown between fetches (100 ms by default); a worker that
	// finishes a job idles until the next fetch, which for batches of ~100 ms was a third
	// of the time. 10 ms keeps fetches to at most 100/s per process.
	rc.FetchCooldown = cmp.Or(cfg.FetchCooldown, 10*time.Millisecond)
	if rc.FetchCooldown > rc.FetchPollInterval {
		rc.FetchCooldown = rc.FetchPollInterval
	}
	if cfg.Workers != nil {
		rc.Workers = cfg.Workers.w
		rc.Queues = map[string]river.QueueConfig{}
		for name, n := range cfg.Queues {
			rc.Queues[name] = river.QueueConfig{MaxWorkers: n}
		}
		if len(rc.Queues) == 0 {
			rc.Queues[DefaultQueue] = river.QueueConfig{MaxWorkers: 8}
		}
	}
	for _, p := range cfg.Periodic {
		build, opts := p.Args, p.Opts
		rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(p.Schedule, func() (river.JobArgs, *river.InsertOpts) {
			a := build()
			if a == nil {
				return nil, nil
			}
			return a, opts.river()
		}, &river.PeriodicJobOpts{ID: p.ID, RunOnStart: p.RunOnStart}))
	}
	switch st := cfg.Store.(type) {
	case PostgresBackend:
		c, err := river.NewClient(riverpgxv5.New(st.JobPool()), rc)
		if err != nil {
			return nil, fmt.Errorf("open jobs: %w", err)
		}
		return &Queue{c: c, dialect: "postgres"}, nil
	case SQLiteBackend:
		c, err := river.NewClient(riversqlite.New(st.JobDB()), rc)
		if err != nil {
			return nil, fmt.Errorf("open jobs: %w", err)
		}
		return &Queue{c: c, dialect: "sqlite"}, nil
	}
	return nil, ErrNoBackend
}

// Dialect names the backend ("sqlite" or "postgres").
func (q *Queue) Dialect() string { return q.dialect }

// Start begins working jobs (and, on the leader, periodic jobs and maintenance). It
// returns at once; Stop ends it.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.c.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	return nil
}

// Stop stops fetching and waits for running jobs until ctx ends, then cancels them.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.c.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = q.c.StopAndCancel(context.Background())
	}
	if err != nil && !errors.Is(err, river.ErrNotFound) {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// Enqueue inserts one job.
func (q *Queue) Enqueue(ctx context.Context, args Args, opts *Opts) (Enqueued, error) {
	r, err := q.c.Insert(ctx, args, opts.river())
	if err != nil {
		return Enqueued{}, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return Enqueued{ID: r.Job.ID, Duplicate: r.UniqueSkippedAsDuplicate}, nil
}

// EnqueueMany inserts jobs together (one transaction): all or none. River refuses one
// unique key twice within a batch; a key already queued comes back as a Duplicate.
func (q *Queue) EnqueueMany(ctx context.Context, items []Item) ([]Enqueued, error) {
	if len(items) == 0 {
		return nil, nil
	}
	ps := make([]river.InsertManyParams, len(items))
	for i, it := range items {
		ps[i] = river.InsertManyParams{Args: it.Args, InsertOpts: it.Opts.river()}
	}
	rs, err := q.c.InsertMany(ctx, ps)
	if err != nil {
		return nil, fmt.Errorf("enqueue %d jobs: %w", len(items), err)
	}
	out := make([]Enqueued, len(rs))
	for i, r := range rs {
		out[i] = Enqueued{ID: r.Job.ID, Duplicate: r.UniqueSkippedAsDuplicate}
	}
	return out, nil
}

// Job returns a job by id.
func (q *Queue) Job(ctx context.Context, id int64) (*JobRow, error) {
	j, err := q.c.JobGet(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", id, err)
	}
	return j, nil
}

// Count returns how many jobs of a kind ("" for all) are in each of the given states.
func (q *Queue) Count(ctx context.Context, kind string, states ...State) (int, error) {
	p := river.NewJobListParams().First(10000)
	if kind != "" {
		p = p.Kinds(kind)
	}
	if len(states) > 0 {
		p = p.States(states...)
	}
	n := 0
	for {
		res, err := q.c.JobList(ctx, p)
		if err != nil {
			return 0, fmt.Errorf("count jobs: %w", err)
		}
		n += len(res.Jobs)
		if len(res.Jobs) < 10000 {
			return n, nil
		}
		p = p.After(res.LastCursor)
	}
}

// ensure both client types fit the interface the Queue uses.
var (
	_ client = (*river.Client[pgx.Tx])(nil)
	_ client = (*river.Client[*sql.Tx])(nil)
)

// Snooze, returned from Work, puts the job back to run again after d without counting an
// attempt (a paused campaign's batches wait this way).
func Snooze(d time.Duration) error { return river.JobSnooze(d) }

// Cancel, returned from Work, stops the job for good (it is not retried).
func Cancel(err error) error { return river.JobCancel(err) }
