package app

import (
	"context"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/gate"
	"github.com/stewardhq/steward/internal/store"
)

// consentTTL bounds how stale the gate's view of the ledger may be: a withdrawal is in
// force for collection on every node at most this long after it was recorded (issue 4
// item 2 asks for at most 1 s).
const consentTTL = time.Second

// newLedger builds the consent ledger over the manifest in force.
func (a *App) newLedger() *consent.Ledger {
	var targeting []string
	for _, p := range a.Manifest().Taxonomy.Purposes() {
		if p.Targeting {
			targeting = append(targeting, p.Key)
		}
	}
	m := a.Manifest()
	// The notice is the manifest version in force, hashed once per version.
	return consent.New(a.Store, consent.Config{
		Notice:       func() consent.Notice { return a.regime.Load().notice },
		Targeting:    targeting,
		Jurisdiction: m.Home,
	})
}

// consentReader gives the gate the ledger's state with a short cache and turns message
// signals into ledger records.
type consentReader struct {
	l *consent.Ledger
	a *App

	mu    sync.Mutex
	cache map[string]cachedStored
}

type cachedStored struct {
	s  gate.Stored
	at time.Time
}

func storedOf(st consent.State) gate.Stored {
	return gate.Stored{Consents: st.Purposes(), PersonalisationOff: st.Granted(consent.SignalPersonalisationOff),
		ObjectDirectMarketing: st.Granted(consent.SignalObjectDirectMarketing), GPC: st.Granted(consent.SignalGPC),
		Guardian: st.Granted(consent.SignalGuardian)}
}

func (c *consentReader) Stored(ctx context.Context, subjectID string) (gate.Stored, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.cache[subjectID]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < consentTTL {
		return e.s, nil
	}
	st, err := c.l.State(ctx, subjectID)
	if err != nil {
		return gate.Stored{}, err
	}
	st, _ = c.a.Effective(st)
	s := storedOf(st)
	c.put(subjectID, s, now)
	return s, nil
}

func (c *consentReader) put(subjectID string, s gate.Stored, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cache) > 100_000 {
		c.cache = map[string]cachedStored{}
	}
	c.cache[subjectID] = cachedStored{s, at}
}

// Records implements gate.ConsentReader: only changes are recorded, GPC with method gpc
// (it is sticky: a later message without it never clears it), the rest with method sdk.
func (c *consentReader) Records(subjectID string, seen, stored gate.Stored, evidence map[string]any) ([]store.ConsentRecord, error) {
	var choices []consent.Choice
	merged := gate.Stored{Consents: map[string]bool{}, PersonalisationOff: stored.PersonalisationOff,
		ObjectDirectMarketing: stored.ObjectDirectMarketing, GPC: stored.GPC, Guardian: stored.Guardian}
	for p, v := range stored.Consents {
		merged.Consents[p] = v
	}
	for p, v := range seen.Consents {
		if cur, ok := stored.Consents[p]; !ok || cur != v {
			choices = append(choices, consent.Choice{Key: p, Granted: v})
			merged.Consents[p] = v
		}
	}
	flag := func(seenOn, storedOn bool, key string, set *bool) {
		if seenOn && !storedOn {
			choices = append(choices, consent.Choice{Key: key, Granted: true})
			*set = true
		}
	}
	flag(seen.PersonalisationOff, stored.PersonalisationOff, consent.SignalPersonalisationOff, &merged.PersonalisationOff)
	flag(seen.ObjectDirectMarketing, stored.ObjectDirectMarketing, consent.SignalObjectDirectMarketing, &merged.ObjectDirectMarketing)
	flag(seen.Guardian, stored.Guardian, consent.SignalGuardian, &merged.Guardian)
	var out []store.ConsentRecord
	if len(choices) > 0 {
		method := store.MethodSDK
		if _, ok := evidence["tc_string"]; ok {
			method = store.MethodTCF
		}
		recs, err := c.l.Records(subjectID, choices, consent.Meta{Method: method, Actor: "subject", Evidence: evidence})
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	if seen.GPC && !stored.GPC {
		recs, err := c.l.Records(subjectID, []consent.Choice{{Key: consent.SignalGPC, Granted: true}},
			consent.Meta{Method: store.MethodGPC, Actor: "subject", Evidence: evidence})
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
		merged.GPC = true
	}
	if len(out) > 0 {
		c.put(subjectID, merged, time.Now())
	}
	return out, nil
}

// Forget drops cached state: Records caches the state a message's signals lead to before
// they are committed, so an ingest attempt that did not commit must not leave it behind.
func (c *consentReader) Forget(subjectIDs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range subjectIDs {
		delete(c.cache, id)
	}
}

// Prefetch loads the state of every subject not freshly cached, in one query.
func (c *consentReader) Prefetch(ctx context.Context, subjectIDs []string) error {
	now := time.Now()
	var need []string
	c.mu.Lock()
	for _, id := range subjectIDs {
		if e, ok := c.cache[id]; !ok || now.Sub(e.at) >= consentTTL {
			need = append(need, id)
		}
	}
	c.mu.Unlock()
	if len(need) == 0 {
		return nil
	}
	hist, err := c.l.Histories(ctx, need)
	if err != nil {
		return err
	}
	for _, id := range need {
		st, _ := c.a.Effective(consent.Fold(hist[id], now))
		c.put(id, storedOf(st), now)
	}
	return nil
}
