package recommend

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/regime"
)

// Purposes the recommender acts under unless configured otherwise.
const (
	// PurposeRecommend is the purpose personalised recommendations serve.
	PurposeRecommend = "personalize.content"
	// PurposePopularity is the purpose popularity is counted under: aggregate statistics.
	PurposePopularity = "analytics.reporting"
)

// Permits asks the policy in force whether purpose may act on a person with consent state
// st: the categories the recommender reads, shown to the person (policy.Activate). The
// policy knows every reason to say no — no consent, personalisation off, an objection, a
// restriction, and whatever facts it learns later — so nothing here names consent keys.
func Permits(r *regime.Regime, st consent.State, purpose string) bool {
	pd := r.Policy()
	return permits(pd, access.SubjectState(pd, st, false, 0), purpose, categoriesOf(r))
}

func permits(pd *policy.Decider, subj policy.SubjectState, purpose string, cats []string) bool {
	if len(cats) == 0 {
		return false
	}
	return pd.Decide(policy.Request{Subject: subj, Purpose: purpose, Categories: cats, Action: policy.Activate}).Effect != policy.Deny
}

// categoriesOf lists the data categories of the fields the recommender reads, as the
// manifest in force declares them, computed once per regime.
func categoriesOf(r *regime.Regime) []string {
	if c := catsCache.Load(); c != nil && c.r == r {
		return c.cats
	}
	seen := map[string]bool{}
	var cats []string
	for _, f := range inputFields {
		if cat, _, ok := r.Field(r.EventType("track", f.event), f.path); ok && !seen[cat] {
			seen[cat] = true
			cats = append(cats, cat)
		}
	}
	catsCache.Store(&regimeCats{r: r, cats: cats})
	return cats
}

type regimeCats struct {
	r    *regime.Regime
	cats []string
}

var catsCache atomic.Pointer[regimeCats]

// ConsentCheck is the request-time check: may the recommending purpose act on this person
// now? Each person's compiled consent state is cached and dropped the moment the ledger
// records a change for them (Invalidate, wired to consent.Ledger.OnChange and to the
// collector's recorded signals), so turning personalisation off takes effect on the next
// call. A change recorded by another node is dropped by Watch, which follows the store's
// consent-change feed; TTL bounds how long any cached state lives regardless. A new
// manifest version recompiles every entry.
type ConsentCheck struct {
	ledger  Ledger
	regime  func() *regime.Regime
	purpose string
	ttl     time.Duration
	now     func() time.Time

	mu    sync.RWMutex
	cache map[string]checked
	// gen moves on every invalidation: a state read before one is not cached after it.
	gen atomic.Uint64
}

type checked struct {
	r    *regime.Regime
	subj policy.SubjectState
	at   time.Time
}

// CheckConfig configures a ConsentCheck.
type CheckConfig struct {
	Ledger Ledger
	Regime func() *regime.Regime
	// Purpose defaults to PurposeRecommend. TTL is the longest a cached state is used (0:
	// one second, the gate's bound, right when nothing Watches the feed; with Watch running
	// it is only a backstop and may be long; negative reads the ledger on every call).
	Purpose string
	TTL     time.Duration
	Now     func() time.Time
}

// NewConsentCheck returns the request-time check.
func NewConsentCheck(cfg CheckConfig) *ConsentCheck {
	if cfg.TTL == 0 {
		cfg.TTL = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &ConsentCheck{ledger: cfg.Ledger, regime: cfg.Regime, purpose: or(cfg.Purpose, PurposeRecommend), ttl: cfg.TTL,
		now: cfg.Now, cache: map[string]checked{}}
}

// Permits implements Permission.
func (c *ConsentCheck) Permits(ctx context.Context, subjectID string) (bool, error) {
	r := c.regime()
	now := c.now()
	c.mu.RLock()
	e, ok := c.cache[subjectID]
	c.mu.RUnlock()
	if !ok || e.r != r || now.Sub(e.at) >= c.ttl {
		gen := c.gen.Load()
		st, err := c.ledger.Current(ctx, subjectID)
		if err != nil {
			return false, err
		}
		pd := r.Policy()
		e = checked{r: r, subj: access.SubjectState(pd, st, false, 0), at: now}
		if c.ttl > 0 {
			c.mu.Lock()
			if c.gen.Load() == gen {
				if len(c.cache) >= maxCached {
					clear(c.cache)
				}
				c.cache[subjectID] = e
			}
			c.mu.Unlock()
		}
	}
	return permits(r.Policy(), e.subj, c.purpose, categoriesOf(r)), nil
}

// maxCached bounds the cache; past it the cache starts again empty.
const maxCached = 200_000

// Invalidate drops what is cached about people (the ledger recorded a change for them).
func (c *ConsentCheck) Invalidate(subjectIDs ...string) {
	if len(subjectIDs) == 0 {
		return
	}
	c.gen.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range subjectIDs {
		delete(c.cache, id)
	}
}

// ChangeFeed lists who had consent records appended after a seq (store.ConsentChanges).
type ChangeFeed interface {
	ConsentChangesSince(ctx context.Context, seq int64, limit int) ([]string, int64, error)
}

// watchOverlap is how many records back Watch reads again each time: on PostgreSQL a record
// may commit after one with a higher seq, and must not be passed over.
const watchOverlap = 256

// Watch follows the consent-change feed every interval until ctx ends, dropping the cached
// state of everyone whose consent changed (through any node). It starts at the feed's end:
// nothing was cached before. It returns ctx's error, or the feed's first error.
func (c *ConsentCheck) Watch(ctx context.Context, feed ChangeFeed, every time.Duration) error {
	cursor := int64(0)
	for {
		ids, last, err := feed.ConsentChangesSince(ctx, cursor, 10_000)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		cursor = last
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		from := max(0, cursor-watchOverlap)
		for {
			ids, last, err := feed.ConsentChangesSince(ctx, from, 5000)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				break // tried again next tick; TTL bounds what a missed change costs
			}
			c.Invalidate(ids...)
			if last == from {
				break
			}
			from, cursor = last, max(cursor, last)
		}
	}
}
