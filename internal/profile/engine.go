package profile

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"golang.org/x/sync/errgroup"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/store"
)

// Config is what an Engine needs.
type Config struct {
	Store  store.Profiles
	Source Source
	// Manifest returns the manifest in force (its tags, fields and purposes).
	Manifest func() *manifest.Manifest
	// Advertising reports whether a purpose is an advertising purpose (minors excluded).
	Advertising func(purpose string) bool
	// Now is the clock; tests pass a fake one.
	Now func() time.Time
	// AdultAge is the age below which a person is a minor for advertising (default 18).
	AdultAge int
	Log      *slog.Logger
	// Recorder receives the engine's processing acts; nil records none (tests).
	Recorder Recorder
	// Transfers checks an audience released to a named recipient (ReleaseTo); nil refuses
	// every release to a recipient (issue 26).
	Transfers Transfers
}

// person is the engine's bookkeeping for one dense id.
type person struct {
	id       string
	live     bool
	lastSeq  int64
	family   []string
	age      int
	ageKnown bool
	standing Standing
}

// Engine keeps profiles, tag values and segment memberships current.
type Engine struct {
	cfg Config
	idx *segment.MemIndex

	// load serialises whole-engine work (Load, Sync, Refresh) so two never interleave.
	load sync.Mutex

	mu         sync.RWMutex
	dense      map[string]uint32
	people     []person
	tags       []*tagState // dependency order: a rule's referenced tags come first
	byName     map[string]*tagState
	segs       map[string]*segState
	suppressed map[string]*roaring.Bitmap // tag → people who deleted it
	basis      map[string]*roaring.Bitmap // purpose → legal basis holds
	objections *roaring.Bitmap
	persOff    *roaring.Bitmap
	adFree     *roaring.Bitmap // privacy subscriptions and ad-free tiers (issue 25)
	minors     *roaring.Bitmap
	cursor     int64
	// follow follows the events log when the store offers one (store.ChangeLog): it sees
	// events that commit out of seq order (several nodes on PostgreSQL), which the cursor
	// alone passes over until the next rebuild. Used under load.
	follow *store.Follower
	// defsPrint fingerprints the stored tag and segment definitions last loaded, so a
	// definition made through another node is noticed (definitions.go).
	defsPrint string
	ready     bool
	prof      profiled      // today's profiling, recorded per purpose per day
	profCarry []profiledDay // earlier days not flushed yet
	entries   entries       // segment entries not yet told (segment_entries.go)
	onEntry   []func(ctx context.Context, segment string, subjectIDs []string)
}

// New returns an engine with the manifest's tags; call Load before use.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Source == nil || cfg.Manifest == nil {
		return nil, fmt.Errorf("new profile engine: Store, Source and Manifest are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AdultAge == 0 {
		cfg.AdultAge = 18
	}
	if cfg.Advertising == nil {
		cfg.Advertising = func(string) bool { return false }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Engine{cfg: cfg, idx: segment.NewMemIndex(), dense: map[string]uint32{}, byName: map[string]*tagState{},
		segs: map[string]*segState{}, suppressed: map[string]*roaring.Bitmap{}, basis: map[string]*roaring.Bitmap{},
		objections: roaring.New(), persOff: roaring.New(), adFree: roaring.New(), minors: roaring.New()}, nil
}

// Index is the engine's profile index (read-only use: segment evaluation, benchmarks).
func (e *Engine) Index() *segment.MemIndex { return e.idx }

// Ready reports whether the first Load finished.
func (e *Engine) Ready() bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.ready
}

// denseID returns (creating) the dense id of a subject. Caller holds e.mu.
func (e *Engine) denseID(subjectID string) uint32 {
	if d, ok := e.dense[subjectID]; ok {
		return d
	}
	d := uint32(len(e.people))
	e.dense[subjectID] = d
	e.people = append(e.people, person{id: subjectID})
	return d
}

// purposes is every purpose a tag or segment uses. Caller holds e.mu (read).
func (e *Engine) purposes() []string {
	var out []string
	for _, t := range e.tags {
		out = append(out, t.def.Purpose)
	}
	for _, s := range e.segs {
		out = append(out, s.def.Purpose)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Load reads definitions and suppressions from the store, then every live person in full,
// then computes every tag and segment. Run calls it again every RebuildEvery: a rebuild
// repairs what polling by seq cannot see — on PostgreSQL a transaction may commit after a
// later one (a lower seq appearing behind the cursor), and another node may have erased a
// person or recorded a consent change.
func (e *Engine) Load(ctx context.Context) error {
	e.load.Lock()
	defer e.load.Unlock()
	if err := e.reloadDefinitions(ctx); err != nil {
		return err
	}
	// Start the change cursor at the end of the log before reading people, so events
	// stored meanwhile are picked up by the next Sync.
	cursor := int64(0)
	if cl, ok := e.cfg.Store.(store.ChangeLog); ok {
		f := &store.Follower{Log: cl, Kind: store.LogEvents}
		if err := f.Start(ctx); err != nil {
			return err
		}
		e.follow, cursor = f, f.High()
	}
	for e.follow == nil {
		ids, last, err := e.cfg.Store.ChangedSubjects(ctx, cursor, 50_000)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		cursor = last
	}
	e.mu.Lock()
	e.cursor = cursor
	e.mu.Unlock()
	// Reading people is decryption and JSON parsing: spread it over the cores.
	var seenMu sync.Mutex
	seen := map[string]bool{}
	work := make(chan string, 256)
	g, gctx := errgroup.WithContext(ctx)
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			for id := range work {
				if err := e.reload(gctx, id, false, true); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(work)
		after := ""
		for {
			ids, err := e.cfg.Store.LiveSubjects(gctx, after, 1000)
			if err != nil || len(ids) == 0 {
				return err
			}
			for _, id := range ids {
				seenMu.Lock()
				seen[id] = true
				seenMu.Unlock()
				select {
				case work <- id:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			after = ids[len(ids)-1]
		}
	})
	if err := g.Wait(); err != nil {
		return err
	}
	// A rebuild also drops people who are gone (erased or merged through another node).
	e.mu.Lock()
	for id, d := range e.dense {
		if e.people[d].live && !seen[id] {
			e.forget(d)
		}
	}
	e.mu.Unlock()
	if err := e.refresh(ctx, nil); err != nil {
		return err
	}
	e.mu.Lock()
	e.ready = true
	e.mu.Unlock()
	return nil
}

// Sync reloads the people with events stored since the last Sync and re-evaluates their
// tags and segment memberships, until it has caught up. It returns how many reloads it did.
func (e *Engine) Sync(ctx context.Context) (int, error) {
	touched := 0
	for {
		n, err := e.syncRound(ctx)
		touched += n
		if err != nil || n == 0 {
			return touched, err
		}
	}
}

// syncMaxPeople bounds the people one sync round gathers before reloading them.
const syncMaxPeople = 20_000

// syncMaxRows bounds the new events one sync round reads when following the events log.
const syncMaxRows = 100_000

// syncRound gathers the people with events stored since the cursor (every page of
// changes, up to syncMaxPeople people) and reloads each of them once. Under a heavy
// ingest a person appears on page after page of changes; reloading them per page
// repeated the per-person reads (person, family, consent, events) for every page.
func (e *Engine) syncRound(ctx context.Context) (int, error) {
	e.load.Lock()
	defer e.load.Unlock()
	defer e.tellEntries(ctx)
	e.mu.RLock()
	cursor := e.cursor
	e.mu.RUnlock()
	seen := map[string]bool{}
	var people []string
	if e.follow != nil {
		ids, err := e.follow.Next(ctx, syncMaxRows)
		if err != nil {
			return 0, err
		}
		people, cursor = ids, e.follow.High()
	}
	for e.follow == nil && len(people) < syncMaxPeople {
		ids, last, err := e.cfg.Store.ChangedSubjects(ctx, cursor, 5000)
		if err != nil {
			return 0, err
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				people = append(people, id)
			}
		}
		cursor = last
	}
	for _, id := range people {
		if err := e.reload(ctx, id, true, false); err != nil {
			return 0, err
		}
	}
	e.mu.Lock()
	e.cursor = cursor
	e.mu.Unlock()
	return len(people), nil
}

// Touch reloads one person now (after a consent change, a deletion, an erasure).
func (e *Engine) Touch(ctx context.Context, subjectID string) error {
	e.load.Lock()
	defer e.load.Unlock()
	defer e.tellEntries(ctx)
	return e.reload(ctx, subjectID, true, false)
}

// Forget drops people from every profile, tag and segment (erasure).
func (e *Engine) Forget(subjectIDs ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range subjectIDs {
		if d, ok := e.dense[id]; ok {
			e.forget(d)
		}
	}
}

// forget clears a dense id. Caller holds e.mu.
func (e *Engine) forget(d uint32) {
	e.idx.Forget(d)
	p := &e.people[d]
	*p = person{id: p.id}
	for _, t := range e.tags {
		delete(t.values, d)
	}
	for _, s := range e.segs {
		s.live.Forget(d)
	}
	for _, bm := range e.basis {
		bm.Remove(d)
	}
	e.objections.Remove(d)
	e.persOff.Remove(d)
	e.adFree.Remove(d)
	e.minors.Remove(d)
}

// reload reads one person's facts (incrementally when allowed and nothing was merged) and
// standing, applies them and recomputes their tags and memberships.
func (e *Engine) reload(ctx context.Context, subjectID string, compute, full bool) error {
	e.mu.RLock()
	d, known := e.dense[subjectID]
	var prev person
	if known {
		prev = e.people[d]
	}
	purposes := e.purposes()
	e.mu.RUnlock()
	after := int64(0)
	if prev.live && !full {
		after = prev.lastSeq
	}
	f, ok, err := e.cfg.Source.Facts(ctx, subjectID, after)
	if err != nil {
		return fmt.Errorf("profile %s: %w", subjectID, err)
	}
	if ok && after > 0 && !slices.Equal(f.Family, prev.family) {
		// Someone was merged into this person: their older events now belong here too.
		after = 0
		if f, ok, err = e.cfg.Source.Facts(ctx, subjectID, 0); err != nil {
			return fmt.Errorf("profile %s: %w", subjectID, err)
		}
	}
	if !ok {
		if known {
			e.mu.Lock()
			e.forget(d)
			e.mu.Unlock()
		}
		return nil
	}
	if !f.AgeKnown && prev.ageKnown && after > 0 {
		f.Age, f.AgeKnown = prev.age, true
	}
	st, err := e.cfg.Source.Standing(ctx, subjectID, f, purposes)
	if err != nil {
		return fmt.Errorf("profile %s standing: %w", subjectID, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	d = e.denseID(subjectID)
	if after == 0 {
		e.forgetFacts(d)
	}
	for _, other := range f.Family {
		if o, ok := e.dense[other]; ok && other != subjectID {
			e.forget(o)
		}
	}
	e.idx.AddSubject(d)
	for name, v := range f.Traits {
		e.idx.SetTrait(d, name, v)
	}
	for _, ev := range f.Events {
		e.idx.AddEvent(d, ev.Name, ev.At, ev.Props)
	}
	p := &e.people[d]
	p.live, p.family, p.age, p.ageKnown, p.standing = true, f.Family, f.Age, f.AgeKnown, st
	if f.LastSeq > p.lastSeq || after == 0 {
		p.lastSeq = f.LastSeq
	}
	e.applyStanding(d)
	e.noteProfiled(d, st)
	if compute {
		e.computePerson(d, e.cfg.Now())
	}
	return nil
}

// forgetFacts clears a person's index entries but keeps tag values (recomputed next).
func (e *Engine) forgetFacts(d uint32) {
	e.idx.Forget(d)
	for _, t := range e.tags {
		if _, ok := t.values[d]; ok {
			e.idx.AddTag(d, t.def.Name)
		}
	}
}

// applyStanding mirrors a person's standing into the eligibility bitmaps. Caller holds e.mu.
func (e *Engine) applyStanding(d uint32) {
	p := e.people[d]
	for purpose, bm := range e.basis {
		if !p.standing.Basis[purpose] {
			bm.Remove(d)
		}
	}
	for purpose, ok := range p.standing.Basis {
		if !ok {
			continue
		}
		bm := e.basis[purpose]
		if bm == nil {
			bm = roaring.New()
			e.basis[purpose] = bm
		}
		bm.Add(d)
	}
	set := func(bm *roaring.Bitmap, on bool) {
		if on {
			bm.Add(d)
		} else {
			bm.Remove(d)
		}
	}
	set(e.objections, p.standing.Objection)
	set(e.persOff, p.standing.PersonalisationOff)
	set(e.adFree, p.standing.AdFree)
	set(e.minors, p.ageKnown && p.age < e.cfg.AdultAge)
}

// Refresh recomputes every tag (statistical cut-offs included) and segment now.
func (e *Engine) Refresh(ctx context.Context) error {
	e.load.Lock()
	defer e.load.Unlock()
	defer e.tellEntries(ctx)
	return e.refresh(ctx, nil)
}

// refresh recomputes the given tags (nil: all) for everyone, then every segment.
func (e *Engine) refresh(ctx context.Context, only map[string]bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.cfg.Now()
	universe, err := e.idx.Universe(ctx)
	if err != nil {
		return err
	}
	for _, t := range e.tags {
		if only != nil && !only[t.def.Name] {
			continue
		}
		if t.def.Kind == manifest.TagStatistical {
			t.cut = e.statCut(t, universe, now)
		}
		t.lastRefresh = now
	}
	it := universe.Iterator()
	for it.HasNext() {
		e.computePersonTags(it.Next(), now, only)
	}
	for _, s := range e.segs {
		before := s.live.Members()
		if err := s.live.Refresh(ctx, now); err != nil {
			return err
		}
		e.noteEntries(s.def.Name, roaring.AndNot(s.live.Members(), before).ToArray())
	}
	return nil
}

// Due returns the tags whose refresh interval has passed.
func (e *Engine) Due(now time.Time) map[string]bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	due := map[string]bool{}
	for _, t := range e.tags {
		if now.Sub(t.lastRefresh) >= t.refresh {
			due[t.def.Name] = true
		}
	}
	return due
}

// RefreshDue recomputes the tags whose refresh interval has passed (and every segment, if
// any tag was due). It reports how many tags it recomputed.
func (e *Engine) RefreshDue(ctx context.Context) (int, error) {
	due := e.Due(e.cfg.Now())
	if len(due) == 0 {
		return 0, nil
	}
	e.load.Lock()
	defer e.load.Unlock()
	defer e.tellEntries(ctx)
	return len(due), e.refresh(ctx, due)
}

// Expire is the retention job: it removes every tag value older than its tag's TTL, and
// returns how many it removed. Values come back only by being computed again.
func (e *Engine) Expire(now time.Time) int {
	// Deferred first, so it runs after the unlock: a value expiring can let someone into
	// a segment (not tag("x")), and a journey waiting on that segment hears it.
	defer e.tellEntries(context.Background())
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	var touched []uint32
	for _, t := range e.tags {
		for d, at := range t.values {
			if !now.Before(at.Add(t.ttl)) {
				delete(t.values, d)
				e.idx.RemoveTag(d, t.def.Name)
				touched = append(touched, d)
				n++
			}
		}
	}
	for _, s := range e.segs {
		delta, _ := s.live.Recheck(context.Background(), now, touched...)
		e.noteEntries(s.def.Name, delta.Added)
	}
	return n
}

// RebuildEvery is how often Run reloads everyone in full (see Load).
var RebuildEvery = time.Hour

// Run keeps the engine current until ctx ends: a sync round every tick, the retention job and due
// refreshes every minute. Errors are logged (without personal data) and retried.
//
// Each tick runs one sync round, and the pause before the next is at least as long as the
// round took: under a heavy ingest a round reloads thousands of people, a Sync run until
// caught up never ended, and back-to-back rounds would take a whole core from the ingest
// path while reloading the same people over and over. Waiting as long as the work took
// bounds the engine to half a core and lets changes to one person coalesce; freshness stays
// within two round durations (well inside issue 8's 5 s at 5,000 changed people per round
// on this machine).
func (e *Engine) Run(ctx context.Context, tick time.Duration) {
	wait := time.NewTimer(tick)
	defer wait.Stop()
	lastHousekeeping, lastRebuild, lastFlush := time.Time{}, time.Now(), time.Now()
	defer func() {
		// What was profiled since the last flush is recorded before the engine stops.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := e.FlushProfiling(fctx); err != nil {
			e.cfg.Log.Warn("profile: recording profiling failed", "err", err)
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
		if time.Since(lastFlush) >= ProfilingFlushEvery {
			lastFlush = time.Now()
			if err := e.FlushProfiling(ctx); err != nil && ctx.Err() == nil {
				e.cfg.Log.Warn("profile: recording profiling failed", "err", err)
			}
		}
		start := time.Now()
		if err := e.followDefinitions(ctx); err != nil && ctx.Err() == nil {
			e.cfg.Log.Warn("profile: following definitions failed", "err", err)
		}
		if _, err := e.syncRound(ctx); err != nil && ctx.Err() == nil {
			e.cfg.Log.Warn("profile sync failed", "err", err)
		}
		wait.Reset(max(tick, time.Since(start)))
		if time.Since(lastRebuild) >= RebuildEvery {
			lastRebuild = time.Now()
			if err := e.Load(ctx); err != nil && ctx.Err() == nil {
				e.cfg.Log.Warn("profile rebuild failed", "err", err)
			}
		}
		if now := e.cfg.Now(); now.Sub(lastHousekeeping) >= time.Minute {
			lastHousekeeping = now
			e.Expire(now)
			if _, err := e.RefreshDue(ctx); err != nil && ctx.Err() == nil {
				e.cfg.Log.Warn("profile refresh failed", "err", err)
			}
		}
	}
}
