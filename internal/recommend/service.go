package recommend

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
)

// Changes finds people to (re)read: the profile engine's way of polling.
type Changes interface {
	LiveSubjects(ctx context.Context, after string, limit int) ([]string, error)
	ChangedSubjects(ctx context.Context, seq int64, limit int) ([]string, int64, error)
}

// Identities resolves the shop's identifiers to subjects.
type Identities interface {
	LookupIdentities(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]string, error)
}

// Indexer computes the keyed blind index of an identifier (the vault's).
type Indexer interface {
	Index(kind, value string) ([]byte, error)
}

// Permission is the request-time check (ConsentCheck).
type Permission interface {
	Permits(ctx context.Context, subjectID string) (bool, error)
}

// Recorder records the recommender's processing acts.
type Recorder interface {
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
}

// ActRecommendation is the act of using people's histories to recommend: "model" (their
// history entered the model that day) and "served" (they were shown personalised items
// that day), one audience leaf each per day.
const ActRecommendation audit.Act = "recommendation"

// Config is what a Recommender needs. Changes, Source, Identities, Index and Permission are
// required.
type Config struct {
	Changes    Changes
	Source     Source
	Identities Identities
	Index      Indexer
	Permission Permission
	Recorder   Recorder
	Log        *slog.Logger
	Now        func() time.Time
	// Recent is how many recent items of a person the model keeps (default 30); Neighbours
	// how many co-occurring items per item (default 20).
	Recent, Neighbours int
	// MinPeople is how many people must share a pair of items, or an item, before it is
	// recommended on their strength (default 3): an aggregate of fewer would tell one
	// person what another did.
	MinPeople int
	// SensitiveCategories are product categories whose items are never used on a person,
	// as anchor or result (default: health; SG-01).
	SensitiveCategories []string
	// Purpose is the recommending purpose, for the audit log (default personalize.content).
	Purpose string
}

// Recommender serves recommendations and keeps its model current.
type Recommender struct {
	cfg   Config
	model *model

	load  sync.Mutex
	ready atomic.Bool

	mu       sync.Mutex
	cursor   int64
	follow   *store.Follower                // the events log, when the store offers one (used under load)
	pending  map[pendingKey]map[string]bool // to record: people per (day, use)
	recorded map[pendingKey]map[string]bool // recorded today already
}

// New returns a recommender; call Load (or Run) before it recommends personally.
func New(cfg Config) (*Recommender, error) {
	if cfg.Changes == nil || cfg.Source == nil || cfg.Identities == nil || cfg.Index == nil || cfg.Permission == nil {
		return nil, fmt.Errorf("new recommender: Changes, Source, Identities, Index and Permission are required")
	}
	if cfg.Recent <= 0 {
		cfg.Recent = 30
	}
	if cfg.Neighbours <= 0 {
		cfg.Neighbours = 20
	}
	if cfg.MinPeople <= 0 {
		cfg.MinPeople = 3
	}
	if cfg.SensitiveCategories == nil {
		cfg.SensitiveCategories = []string{"health"}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Purpose = or(cfg.Purpose, PurposeRecommend)
	return &Recommender{cfg: cfg, model: newModel(cfg.Recent, cfg.Neighbours, cfg.MinPeople, cfg.SensitiveCategories),
		pending: map[pendingKey]map[string]bool{}, recorded: map[pendingKey]map[string]bool{}}, nil
}

// Ready reports whether the first Load finished.
func (r *Recommender) Ready() bool { return r.ready.Load() }

// Load reads everyone (again), then settles the model. Run repeats it every RebuildEvery:
// it repairs what polling by seq cannot see (commits out of seq order on PostgreSQL,
// changes made through another node, people erased elsewhere).
func (r *Recommender) Load(ctx context.Context) error {
	r.load.Lock()
	defer r.load.Unlock()
	cursor := int64(0)
	if cl, ok := r.cfg.Changes.(store.ChangeLog); ok {
		// Several nodes on PostgreSQL: follow the events log, late commits included.
		f := &store.Follower{Log: cl, Kind: store.LogEvents}
		if err := f.Start(ctx); err != nil {
			return err
		}
		r.follow, cursor = f, f.High()
	}
	for r.follow == nil {
		ids, last, err := r.cfg.Changes.ChangedSubjects(ctx, cursor, 50_000)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		cursor = last
	}
	var seenMu sync.Mutex
	seen := map[string]bool{}
	work := make(chan string, 256)
	g, gctx := errgroup.WithContext(ctx)
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			for id := range work {
				if err := r.reread(gctx, id, true); err != nil {
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
			ids, err := r.cfg.Changes.LiveSubjects(gctx, after, 1000)
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
	for _, id := range r.model.members() {
		if !seen[id] {
			r.model.Forget(id)
		}
	}
	r.model.Settle()
	r.load2(cursor)
	r.ready.Store(true)
	return nil
}

func (r *Recommender) load2(cursor int64) {
	r.mu.Lock()
	r.cursor = cursor
	r.mu.Unlock()
}

// Sync reads the people with events stored since the last Sync, until caught up, and
// returns how many reads it did.
func (r *Recommender) Sync(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := r.syncRound(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// syncRound reads each person with new events once (up to 20,000 people).
func (r *Recommender) syncRound(ctx context.Context) (int, error) {
	r.load.Lock()
	defer r.load.Unlock()
	r.mu.Lock()
	cursor := r.cursor
	r.mu.Unlock()
	seen := map[string]bool{}
	var people []string
	if r.follow != nil {
		ids, err := r.follow.Next(ctx, 100_000)
		if err != nil {
			return 0, err
		}
		people, cursor = ids, r.follow.High()
	}
	for r.follow == nil && len(people) < 20_000 {
		ids, last, err := r.cfg.Changes.ChangedSubjects(ctx, cursor, 5000)
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
		if err := r.reread(ctx, id, false); err != nil {
			return 0, err
		}
	}
	r.model.Settle()
	r.load2(cursor)
	return len(people), nil
}

// Touch reads one person again in full now: their consent changed, so what the model may
// hold of them did too (wired to consent.Ledger.OnChange).
func (r *Recommender) Touch(ctx context.Context, subjectID string) error {
	r.load.Lock()
	defer r.load.Unlock()
	if err := r.reread(ctx, subjectID, true); err != nil {
		return err
	}
	r.model.Settle()
	return nil
}

// Forget removes people from the model at once (erasure).
func (r *Recommender) Forget(subjectIDs ...string) {
	r.model.Forget(subjectIDs...)
	r.model.Settle()
	r.mu.Lock()
	for _, m := range r.pending {
		for _, id := range subjectIDs {
			delete(m, id)
		}
	}
	r.mu.Unlock()
}

// reread reads one person (incrementally unless full, their family changed or their
// permission did) and applies it.
func (r *Recommender) reread(ctx context.Context, subjectID string, full bool) error {
	last, fam, permitted, known := r.model.state(subjectID)
	after := last
	if full || !known {
		after = 0
	}
	rd, ok, err := r.cfg.Source.Read(ctx, subjectID, after)
	if err != nil {
		return fmt.Errorf("recommend: read a person: %w", err)
	}
	if !ok {
		r.model.Forget(subjectID)
		return nil
	}
	if after > 0 && (rd.Permitted != permitted || !slices.Equal(rd.Family, fam)) {
		// Newly permitted (their older history is theirs to use now) or someone merged in.
		after = 0
		if rd, ok, err = r.cfg.Source.Read(ctx, subjectID, 0); err != nil || !ok {
			if err != nil {
				return fmt.Errorf("recommend: read a person: %w", err)
			}
			r.model.Forget(subjectID)
			return nil
		}
	}
	r.model.apply(update{subjectID: subjectID, full: after == 0, lastSeq: rd.LastSeq, family: rd.Family, permitted: rd.Permitted,
		personal: rd.Personal, aggregate: rd.Aggregate, items: rd.Items})
	if rd.Permitted && len(rd.Personal) > 0 {
		r.note("model", subjectID)
	}
	return nil
}

// Request asks for recommendations for one visitor.
type Request struct {
	// UserID or AnonymousID names the visitor as the shop's events do (userId wins).
	UserID, AnonymousID string
	// Slot names where the items go (home, cart, product page…): echoed, never stored.
	Slot string
	// N is how many items (1 to 50; default 10).
	N    int
	Lang string
}

// Item is one recommended item with its label and the reason it is shown.
type Item struct {
	ID           string `json:"id"`
	Name         string `json:"name,omitempty"`
	Category     string `json:"category,omitempty"`
	Personalised bool   `json:"personalised"`
	// Label marks personalised and non-personalised items apart (GB/T 35273 §7.5(a); PT-02).
	Label string `json:"label"`
	// Reason says why this item is shown ("because you viewed …").
	Reason string `json:"reason"`
}

// Result is an answer.
type Result struct {
	Slot string `json:"slot"`
	// Personalised is true when at least one item was chosen from the person's history.
	Personalised bool `json:"personalised"`
	// Label is the slot's label: personalised or not.
	Label string `json:"label"`
	// Explanation is where the algorithm is described (the public register).
	Explanation string `json:"explanation"`
	Items       []Item `json:"items"`
}

// ExplanationPath is the public page that describes the recommender.
const ExplanationPath = "/algorithms#" + AlgorithmID

// Recommend answers a visitor: personalised items only when the policy permits the
// recommending purpose for them now, else the same popular items everyone gets. An
// unknown visitor is not an error: they get the popular items.
func (r *Recommender) Recommend(ctx context.Context, req Request) (Result, error) {
	n := req.N
	if n <= 0 {
		n = 10
	}
	n = min(n, 50)
	subjectID, err := r.resolve(ctx, req.UserID, req.AnonymousID)
	if err != nil {
		return Result{}, err
	}
	personal := false
	if subjectID != "" {
		if personal, err = r.cfg.Permission.Permits(ctx, subjectID); err != nil {
			return Result{}, err
		}
	}
	scored := r.model.Recommend(subjectID, personal, n)
	t := textsIn(req.Lang)
	res := Result{Slot: req.Slot, Label: t.popularLabel, Explanation: ExplanationPath, Items: make([]Item, 0, len(scored))}
	for _, s := range scored {
		it := Item{ID: s.Item, Name: s.Info.Name, Category: s.Info.Category, Personalised: s.Personalised}
		if s.Personalised {
			res.Personalised = true
			it.Label, it.Reason = t.personalLabel, t.because(s.AnchorKind, or(s.AnchorInfo.Name, s.Anchor))
		} else {
			it.Label, it.Reason = t.popularLabel, t.popular
		}
		res.Items = append(res.Items, it)
	}
	if res.Personalised {
		res.Label = t.personalLabel
		r.note("served", subjectID)
	}
	return res, nil
}

// resolve finds the subject a visitor's identifier names ("" when nobody has it).
func (r *Recommender) resolve(ctx context.Context, userID, anonymousID string) (string, error) {
	kind, v := store.IdentityUserID, userID
	if v == "" {
		kind, v = store.IdentityAnonymousID, anonymousID
	}
	if v == "" {
		return "", nil
	}
	h, err := r.cfg.Index.Index(kind, v)
	if err != nil {
		return "", nil
	}
	key := store.IdentityKey{Kind: kind, Hash: string(h)}
	found, err := r.cfg.Identities.LookupIdentities(ctx, []store.IdentityKey{key})
	if err != nil {
		return "", err
	}
	return found[key], nil
}

// note marks a person for today's audience leaf of a use ("model" or "served").
func (r *Recommender) note(use, subjectID string) {
	k := pendingKey{day: r.cfg.Now().UTC().Format(time.DateOnly), use: use}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.recorded[k][subjectID] {
		return
	}
	m := r.pending[k]
	if m == nil {
		m = map[string]bool{}
		r.pending[k] = m
	}
	m[subjectID] = true
}

type pendingKey struct{ day, use string }

// FlushRecords records who was read into the model and who was shown personalised items
// since the last flush: one audience leaf per use and day (each person sees it in their
// transparency report with a proof). Run calls it every FlushEvery and when it stops.
func (r *Recommender) FlushRecords(ctx context.Context) error {
	if r.cfg.Recorder == nil {
		return nil
	}
	r.mu.Lock()
	pending := r.pending
	r.pending = map[pendingKey]map[string]bool{}
	today := r.cfg.Now().UTC().Format(time.DateOnly)
	for k := range r.recorded {
		if k.day != today {
			delete(r.recorded, k) // a person is recorded at most once per use and day
		}
	}
	r.mu.Unlock()
	keys := make([]pendingKey, 0, len(pending))
	for k := range pending {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b pendingKey) int { return strings.Compare(a.day+a.use, b.day+b.use) })
	for i, k := range keys {
		ids := make([]string, 0, len(pending[k]))
		for id := range pending[k] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		_, err := r.cfg.Recorder.RecordAudience(ctx, audit.Event{Act: ActRecommendation, Actor: "system", Purpose: r.cfg.Purpose,
			LegalBasis: "consent", Detail: map[string]string{"day": k.day, "use": k.use, "people": strconv.Itoa(len(ids))}}, ids)
		if err != nil {
			// Put back what was not recorded, so the next flush tries again.
			r.mu.Lock()
			for _, rest := range keys[i:] {
				m := r.pending[rest]
				if m == nil {
					m = map[string]bool{}
					r.pending[rest] = m
				}
				for id := range pending[rest] {
					m[id] = true
				}
			}
			r.mu.Unlock()
			return err
		}
		if k.day == today {
			r.mu.Lock()
			m := r.recorded[k]
			if m == nil {
				m = map[string]bool{}
				r.recorded[k] = m
			}
			for _, id := range ids {
				m[id] = true
			}
			r.mu.Unlock()
		}
	}
	return nil
}

// FlushEvery is how often Run records the day's uses.
const FlushEvery = 5 * time.Minute

// RebuildEvery is how often Run reads everyone again (see Load).
var RebuildEvery = time.Hour

// Run loads the model, then keeps it current until ctx ends: a sync round every tick
// (pausing at least as long as the round took, as the profile engine does), a full
// rebuild every RebuildEvery, the day's uses recorded every FlushEvery and at the end.
func (r *Recommender) Run(ctx context.Context, tick time.Duration) {
	defer func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := r.FlushRecords(fctx); err != nil {
			r.cfg.Log.Warn("recommend: recording uses failed", "err", err)
		}
	}()
	start := time.Now()
	if err := r.Load(ctx); err != nil {
		if ctx.Err() == nil {
			r.cfg.Log.Error("recommend: load failed; recommendations stay non-personalised", "err", err)
		}
		return
	}
	r.cfg.Log.Info("recommender loaded", "took", time.Since(start).Round(time.Millisecond).String())
	wait := time.NewTimer(tick)
	defer wait.Stop()
	lastRebuild, lastFlush := time.Now(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
		if time.Since(lastFlush) >= FlushEvery {
			lastFlush = time.Now()
			if err := r.FlushRecords(ctx); err != nil && ctx.Err() == nil {
				r.cfg.Log.Warn("recommend: recording uses failed", "err", err)
			}
		}
		t0 := time.Now()
		if _, err := r.syncRound(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Log.Warn("recommend: sync failed", "err", err)
		}
		wait.Reset(max(tick, time.Since(t0)))
		if time.Since(lastRebuild) >= RebuildEvery {
			lastRebuild = time.Now()
			if err := r.Load(ctx); err != nil && ctx.Err() == nil {
				r.cfg.Log.Warn("recommend: rebuild failed", "err", err)
			}
		}
	}
}
