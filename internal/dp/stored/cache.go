package stored

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/jsonscan"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// cache keeps, for one purpose, every live person's extract sealed under their own key,
// and where the store stood when it was brought up to date. Each report first brings it
// up to date: it re-reads, through the reader, only the people whose events or consent
// changed, who appeared, or who gained or lost someone by a merge, and drops those erased.
type cache struct {
	purpose string
	mu      sync.Mutex // one refresh at a time; the snapshot handed out is immutable

	built    bool
	builtAt  time.Time
	manifest int64
	version  store.DataVersion
	// Cursors: the last event and consent seqs looked at.
	eventSeq, consentSeq int64
	people               map[string]*entry
	// owner maps a subject merged away into a live one to that one.
	owner map[string]string

	// readyFor is the manifest version the cache was built under (-1: none), readable
	// without waiting for a refresh; building is set while a build runs in the background.
	readyFor atomic.Int64
	building atomic.Bool
	failed   atomic.Pointer[error] // the last background build's error, until the next
}

// entry is one live person: their sealed extract (nil when the purpose may read nothing
// of them) and everyone merged into them.
type entry struct {
	sealed []byte
	family []string
}

// snapEntry is one person of a snapshot.
type snapEntry struct {
	id     string
	sealed []byte
}

// pageSize is how many ids or changes one store call returns.
const pageSize = 5000

// prepare is what Check asks before a report is charged: whether the purpose's cache is
// built for the manifest in force. When it is not, it starts building it in the background
// — reading everyone through the reader takes seconds, and on a busy machine more than an
// HTTP request may — and a report (not a dry run, which reads nothing) is refused with
// dp.ErrSourceUnavailable until it is done.
func (s *Source) prepare(purpose string, dryRun bool) error {
	c := s.cacheFor(purpose)
	_, mv := s.cfg.Manifest()
	if c.readyFor.Load() == mv {
		return nil
	}
	if c.building.CompareAndSwap(false, true) {
		go func() {
			defer c.building.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
			defer cancel()
			if err := s.rebuild(ctx, c); err != nil {
				c.failed.Store(&err)
			}
		}()
	}
	if dryRun {
		return nil
	}
	if e := c.failed.Swap(nil); e != nil {
		return fmt.Errorf("report: preparing the data for %s failed (trying again): %w", purpose, *e)
	}
	return fmt.Errorf("%w (the data for %s is being prepared: everyone read once through the reader)", dp.ErrSourceUnavailable, purpose)
}

// buildTimeout bounds a background build.
const buildTimeout = time.Hour

// refresh brings the purpose's cache up to date and returns the people the purpose may
// read something of. A cache not built for the manifest in force is built here and now
// (Check has normally had it built in the background); on PostgreSQL a periodic rebuild
// runs in the background while reports go on with the cache as it is.
func (s *Source) refresh(ctx context.Context, purpose string) ([]snapEntry, error) {
	c := s.cacheFor(purpose)
	_, mv := s.cfg.Manifest()
	c.mu.Lock()
	stale := !c.built || c.manifest != mv
	c.mu.Unlock()
	if stale {
		if err := s.rebuild(ctx, c); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.cfg.RebuildEvery > 0 && s.cfg.Now().Sub(c.builtAt) >= s.cfg.RebuildEvery && c.building.CompareAndSwap(false, true) {
		go func() {
			defer c.building.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
			defer cancel()
			if err := s.rebuild(ctx, c); err != nil {
				c.failed.Store(&err)
			}
		}()
	}
	v, err := s.cfg.Store.DataVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if v != c.version {
		if err := s.update(ctx, c, v); err != nil {
			return nil, err
		}
	}
	snap := make([]snapEntry, 0, len(c.people))
	for id, e := range c.people {
		if e.sealed != nil {
			snap = append(snap, snapEntry{id, e.sealed})
		}
	}
	return snap, nil
}

// rebuild reads every live person afresh, without holding the cache (reports go on with
// it meanwhile), then puts the result in its place. The cursors start where the store
// stood before the reading, so what is stored meanwhile is read again by the next update.
func (s *Source) rebuild(ctx context.Context, c *cache) error {
	_, mv := s.cfg.Manifest()
	v, err := s.cfg.Store.DataVersion(ctx)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	now := s.cfg.Now()
	live, err := s.live(ctx)
	if err != nil {
		return err
	}
	people, err := s.readAll(ctx, c.purpose, live)
	if err != nil {
		return err
	}
	owner := map[string]string{}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.people, c.owner = people, owner
	for id, e := range people {
		c.own(id, e)
	}
	c.built, c.builtAt, c.manifest, c.version = true, now, mv, v
	c.eventSeq, c.consentSeq = v.EventSeq, v.ConsentSeq
	c.readyFor.Store(mv)
	return nil
}

// update re-reads whoever changed since the cursors: new events, new consent records,
// people who appeared or vanished (merged or erased) and those a merge gave or took events.
func (s *Source) update(ctx context.Context, c *cache, v store.DataVersion) error {
	changed := map[string]bool{}
	for {
		ids, last, err := s.cfg.Store.ChangedSubjects(ctx, c.eventSeq, pageSize)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			changed[id] = true
		}
		c.eventSeq = last
	}
	for {
		ids, last, err := s.cfg.Store.ConsentChanges(ctx, c.consentSeq, pageSize)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			changed[id] = true
		}
		c.consentSeq = last
	}
	live, err := s.live(ctx)
	if err != nil {
		return err
	}
	isLive := make(map[string]bool, len(live))
	for _, id := range live {
		isLive[id] = true
		if _, ok := c.people[id]; !ok {
			changed[id] = true // new, or back from a merge undone
		}
	}
	for id := range c.people {
		if isLive[id] {
			continue
		}
		// Merged into someone (who now holds their events) or erased.
		c.disown(id, c.people[id])
		delete(c.people, id)
		sub, err := s.cfg.Store.Subject(ctx, id)
		switch {
		case err == nil && sub.MergedInto != "":
			changed[sub.MergedInto] = true
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("report: %w", err)
		}
	}
	// Someone merged away changed: their events and consent belong to whoever holds them.
	for id := range changed {
		if o, ok := c.owner[id]; ok {
			changed[o] = true
		}
	}
	var todo []string
	for id := range changed {
		if isLive[id] {
			todo = append(todo, id)
		}
	}
	people, err := s.readAll(ctx, c.purpose, todo)
	if err != nil {
		return err
	}
	for id, e := range people {
		if old, ok := c.people[id]; ok {
			c.disown(id, old)
		}
		c.people[id] = e
		c.own(id, e)
	}
	c.version = v
	return nil
}

func (c *cache) own(id string, e *entry) {
	for _, m := range e.family {
		if m != id {
			c.owner[m] = id
		}
	}
}

func (c *cache) disown(id string, e *entry) {
	for _, m := range e.family {
		if c.owner[m] == id {
			delete(c.owner, m)
		}
	}
}

// live lists every live subject.
func (s *Source) live(ctx context.Context) ([]string, error) {
	var out []string
	after := ""
	for {
		ids, err := s.cfg.Store.LiveSubjects(ctx, after, pageSize)
		if err != nil {
			return nil, fmt.Errorf("report: live subjects: %w", err)
		}
		if len(ids) == 0 {
			return out, nil
		}
		out = append(out, ids...)
		after = ids[len(ids)-1]
	}
}

// readAll reads people through the reader in parallel.
func (s *Source) readAll(ctx context.Context, purpose string, ids []string) (map[string]*entry, error) {
	out := make(map[string]*entry, len(ids))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	work := make(chan string)
	g.Go(func() error {
		defer close(work)
		for _, id := range ids {
			select {
			case work <- id:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range s.cfg.Workers {
		g.Go(func() error {
			for id := range work {
				e, err := s.read(gctx, purpose, id)
				if err != nil {
					return err
				}
				mu.Lock()
				out[id] = e
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// read reads one person's events as purpose may see them and seals their extract.
func (s *Source) read(ctx context.Context, purpose, id string) (*entry, error) {
	fam, err := s.cfg.Store.SubjectFamily(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	m, _ := s.cfg.Manifest()
	req := access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem, Purpose: purpose, SubjectID: id, Limit: 1000, Raw: true}
	var x extract
	traits := map[string]string{}
	for {
		evs, pg, err := s.cfg.Reader.EventsPage(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("report: read events: %w", err)
		}
		for i := range evs {
			x.events = append(x.events, extractEvent(m, &evs[i], traits))
		}
		req.After = pg.Last
		if !pg.More {
			break
		}
	}
	e := &entry{family: fam}
	if len(x.events) == 0 {
		return e, nil
	}
	for k, v := range traits {
		x.traits = append(x.traits, trait{k, v})
	}
	sort.Slice(x.traits, func(i, j int) bool { return x.traits[i].key < x.traits[j].key })
	b := encode(&x)
	sealed, err := s.cfg.Reader.SealExtract(ctx, req, b)
	clear(b)
	if errors.Is(err, vault.ErrShredded) {
		return e, nil // erased while being read
	}
	if err != nil {
		return nil, fmt.Errorf("report: seal extract: %w", err)
	}
	e.sealed = sealed
	return e, nil
}

// extractEvent keeps what a report may use of one event as the reader returned it (the
// JSON the purpose may see): its name (the manifest's event type), time, campaign and
// numeric properties; an identify's traits (flattened below traits., the last value
// winning, and under their short name where the manifest has only one trait of that name,
// as segments name them) go to traits.
func extractEvent(m *manifest.Manifest, ev *access.Event, traits map[string]string) xevent {
	x := xevent{name: manifest.EventType(ev.Type, ev.Name), at: ev.OccurredAt.UnixMilli()}
	top, _ := jsonscan.Members(ev.Raw, 0)
	for _, mb := range top {
		switch mb.Name {
		case "traits":
			if ev.Type != "identify" {
				continue
			}
			flatten("", mb.Value, func(path, v string) {
				traits[path] = v
				if i := strings.LastIndexByte(path, '.'); i >= 0 {
					if f, ok := m.TraitField(path[i+1:]); ok && f.Path == "traits."+path {
						traits[path[i+1:]] = v
					}
				}
			})
		case "properties":
			props, _ := jsonscan.Members(mb.Value, 0)
			for _, p := range props {
				if v, ok := number(p.Value); ok {
					x.props = append(x.props, prop{p.Name, v})
				}
			}
			sort.Slice(x.props, func(i, j int) bool { return x.props[i].name < x.props[j].name })
		case "context":
			ctx, _ := jsonscan.Members(mb.Value, 0)
			for _, c := range ctx {
				if c.Name != "campaign" {
					continue
				}
				cp, _ := jsonscan.Members(c.Value, 0)
				for _, f := range cp {
					if f.Name == "name" && len(f.Value) > 0 && f.Value[0] == '"' {
						x.campaign = jsonscan.Unquote(f.Value)
					}
				}
			}
		}
	}
	return x
}

// number reads a JSON number; false for anything else (strings, objects, null).
func number(b []byte) (float64, bool) {
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// flatten walks nested traits, calling fn with each string or number leaf.
func flatten(prefix string, obj []byte, fn func(path, v string)) {
	ms, _ := jsonscan.Members(obj, 0)
	for _, mb := range ms {
		path := mb.Name
		if prefix != "" {
			path = prefix + "." + mb.Name
		}
		switch {
		case len(mb.Value) == 0:
		case mb.Value[0] == '{':
			flatten(path, mb.Value, fn)
		case mb.Value[0] == '"':
			fn(path, jsonscan.Unquote(mb.Value))
		default:
			if v, ok := number(mb.Value); ok {
				fn(path, strconv.FormatFloat(v, 'f', -1, 64))
			}
		}
	}
}
