package stored

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
)

// Reader is the purpose-scoped reader (*access.Reader): a person's events as a purpose may
// see them, and extracts sealed under the person's own key.
type Reader interface {
	EventsPage(ctx context.Context, req access.Request) ([]access.Event, access.Page, error)
	SealExtract(ctx context.Context, req access.Request, extract []byte) ([]byte, error)
	OpenExtract(ctx context.Context, req access.Request, sealed []byte) ([]byte, error)
}

// Store is what the source asks the store: who is live, what changed, and ids only (no
// personal data).
type Store interface {
	store.Changes
	LiveSubjects(ctx context.Context, after string, limit int) ([]string, error)
	ChangedSubjects(ctx context.Context, seq int64, limit int) ([]string, int64, error)
	SubjectFamily(ctx context.Context, id string) ([]string, error)
	Subject(ctx context.Context, id string) (store.Subject, error)
	Dialect() string
}

// Memberships are the profile engine's tags and segments (*profile.Engine).
type Memberships interface {
	CheckReady() error
	TagMembers(name string) (purpose string, subjects []string, ok bool)
	SegmentMembers(name string) (purpose string, subjects []string, ok bool)
}

// Config is what a Source needs. Store, Reader and Manifest are required.
type Config struct {
	Store  Store
	Reader Reader
	// Manifest returns the manifest in force and its stored version number.
	Manifest func() (*manifest.Manifest, int64)
	// Profiles answers tags and segments; nil refuses reports that group by them.
	Profiles Memberships
	// Workers read and open people in parallel (default GOMAXPROCS).
	Workers int
	// RebuildEvery re-reads everyone although nothing seems to have changed: on PostgreSQL
	// a transaction may commit a lower seq after a higher one was seen, which no cursor
	// notices. Default: an hour on PostgreSQL, never on SQLite (one writer commits in seq
	// order).
	RebuildEvery time.Duration
	Now          func() time.Time
}

// Source is dp.Source over the stored data, read through the purpose-scoped reader.
type Source struct {
	cfg    Config
	mu     sync.Mutex
	caches map[string]*cache // by purpose
}

var (
	_ dp.Source  = (*Source)(nil)
	_ dp.Checker = (*Source)(nil)
)

// New returns a Source.
func New(cfg Config) (*Source, error) {
	if cfg.Store == nil || cfg.Reader == nil || cfg.Manifest == nil {
		return nil, errors.New("new report source: Store, Reader and Manifest are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.RebuildEvery == 0 && cfg.Store.Dialect() == "postgres" {
		cfg.RebuildEvery = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg, caches: map[string]*cache{}}, nil
}

func (s *Source) cacheFor(purpose string) *cache {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.caches[purpose]
	if c == nil {
		c = &cache{purpose: purpose}
		c.readyFor.Store(-1)
		s.caches[purpose] = c
	}
	return c
}

// Version implements dp.Source: the manifest in force, where the store stands (events,
// consent, live people, data keys) and, for a query grouping by tags or segments, a digest
// of who is in them.
func (s *Source) Version(ctx context.Context, q dp.Query) (string, error) {
	v, err := s.cfg.Store.DataVersion(ctx)
	if err != nil {
		return "", err
	}
	_, mv := s.cfg.Manifest()
	out := fmt.Sprintf("m%d.e%d-%d.c%d-%d.s%d.k%d", mv, v.EventSeq, v.Events, v.ConsentSeq, v.Consents, v.Subjects, v.Keys)
	if len(q.Tags)+len(q.Segments) > 0 {
		ms, err := s.memberships(q)
		if err != nil {
			return "", err
		}
		h := sha256.New()
		for _, m := range ms {
			h.Write([]byte(m.dim + "\x00" + strconv.Itoa(len(m.ids)) + "\x00"))
			for _, id := range m.ids {
				h.Write([]byte(id + "\x00"))
			}
		}
		out += ".g" + hex.EncodeToString(h.Sum(nil)[:8])
	}
	return out, nil
}

// membership is who is in one tag or segment a query groups by.
type membership struct {
	dim  string // "tag:NAME" or "segment:NAME"
	name string
	tag  bool
	ids  []string
	set  map[string]bool
}

// memberships reads the tags and segments q groups by, refusing one built for another
// purpose than the report's.
func (s *Source) memberships(q dp.Query) ([]membership, error) {
	if len(q.Tags)+len(q.Segments) == 0 {
		return nil, nil
	}
	if s.cfg.Profiles == nil {
		return nil, dp.ReportError("group_by", "tags and segments are not available on this server")
	}
	if err := s.cfg.Profiles.CheckReady(); err != nil {
		return nil, fmt.Errorf("%w (%w)", dp.ErrSourceUnavailable, err)
	}
	var out []membership
	add := func(kind, name string, members func(string) (string, []string, bool)) error {
		purpose, ids, ok := members(name)
		if !ok {
			return dp.ReportError("group_by", "%s:%s: there is no %s %q", kind, name, kind, name)
		}
		if !beneath(purpose, q.Purpose) {
			return dp.ReportError("group_by", "%s:%s is built for %s; a report under %s may group only by tags and segments built for its own purpose",
				kind, name, purpose, q.Purpose)
		}
		out = append(out, membership{dim: kind + ":" + name, name: name, tag: kind == "tag", ids: ids})
		return nil
	}
	for _, t := range q.Tags {
		if err := add("tag", t, s.cfg.Profiles.TagMembers); err != nil {
			return nil, err
		}
	}
	for _, g := range q.Segments {
		if err := add("segment", g, s.cfg.Profiles.SegmentMembers); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// People implements dp.Source: everyone live whose events the purpose may read, each with
// what the query needs of them. The purpose's cache is brought up to date with the store
// first; extracts are opened by several workers and handed to fn one at a time.
func (s *Source) People(ctx context.Context, q dp.Query, fn func(p *dp.Person) error) error {
	ms, err := s.memberships(q)
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].set = make(map[string]bool, len(ms[i].ids))
		for _, id := range ms[i].ids {
			ms[i].set[id] = true
		}
	}
	snap, err := s.refresh(ctx, q.Purpose)
	if err != nil {
		return err
	}
	f := newFilter(q)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan int)
	out := make(chan *item, 4*s.cfg.Workers)
	free := make(chan *item, 5*s.cfg.Workers)
	for range cap(free) {
		free <- &item{p: dp.Person{Traits: map[string]string{}}}
	}
	g.Go(func() error {
		defer close(jobs)
		for i := range snap {
			select {
			case jobs <- i:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	var workers sync.WaitGroup
	for range s.cfg.Workers {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			d := personDecoder{in: interner{}, f: f, ms: ms}
			for i := range jobs {
				b, err := s.cfg.Reader.OpenExtract(gctx, access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem,
					Purpose: q.Purpose, SubjectID: snap[i].id}, snap[i].sealed)
				if err != nil {
					return fmt.Errorf("report: open extract: %w", err)
				}
				if b == nil {
					continue // erased since the cache was brought up to date
				}
				var it *item
				select {
				case it = <-free:
				case <-gctx.Done():
					return gctx.Err()
				}
				if err := d.person(b, snap[i].id, it); err != nil {
					return fmt.Errorf("report: %w", err)
				}
				clear(b)
				select {
				case out <- it:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	go func() { workers.Wait(); close(out) }()
	var fnErr error
	for it := range out {
		if fnErr == nil {
			if fnErr = fn(&it.p); fnErr != nil {
				cancel()
			}
		}
		it.p.Events = it.p.Events[:0]
		free <- it
	}
	if err := g.Wait(); fnErr == nil && err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if fnErr != nil {
		return fnErr
	}
	return ctx.Err()
}
