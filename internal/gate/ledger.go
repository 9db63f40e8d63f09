package gate

import (
	"context"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// Config is what the real gate needs: the regime in force, the consent ledger, and which
// notices were published (a message may say which one the person saw).
type Config struct {
	Regime  func() *regime.Regime
	Ledger  *consent.Ledger
	Notices func(version, hash string) bool
}

// Open returns the gate over the manifest, policy and consent ledger in force.
func Open(cfg Config) *Gate {
	g := New(regimeRules{cfg.Regime}, policyDecider{cfg.Regime}, NewLedgerReader(cfg.Ledger))
	g.notices = cfg.Notices
	return g
}

// consentTTL bounds how stale the gate's view of the ledger may be: a withdrawal is in
// force for collection on every node at most this long after it was recorded (NC-04).
const consentTTL = time.Second

// LedgerReader gives the gate the ledger's state with a short cache and turns message
// signals into ledger records.
type LedgerReader struct {
	l *consent.Ledger

	mu    sync.Mutex
	cache map[string]cachedStored
}

type cachedStored struct {
	s  Stored
	at time.Time
}

// NewLedgerReader returns the gate's reader of the ledger.
func NewLedgerReader(l *consent.Ledger) *LedgerReader {
	return &LedgerReader{l: l, cache: map[string]cachedStored{}}
}

// StoredOf is what the gate needs of a consent state.
func StoredOf(st consent.State) Stored {
	s := Stored{Consents: st.Purposes(), PersonalisationOff: st.Granted(consent.SignalPersonalisationOff),
		ObjectDirectMarketing: st.Granted(consent.SignalObjectDirectMarketing), GPC: st.Granted(consent.SignalGPC),
		Guardian: st.Granted(consent.SignalGuardian), AdFree: st.Granted(consent.SignalAdFree),
		Restricted: st.Granted(consent.SignalRestricted)}
	for k, e := range st {
		if consent.Verified(e.Method) {
			if s.Verified == nil {
				s.Verified = map[string]bool{}
			}
			s.Verified[k] = true
		}
	}
	return s
}

// Stored implements ConsentReader.
func (c *LedgerReader) Stored(ctx context.Context, subjectID string) (Stored, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.cache[subjectID]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < consentTTL {
		return e.s, nil
	}
	st, err := c.l.Current(ctx, subjectID)
	if err != nil {
		return Stored{}, err
	}
	s := StoredOf(st)
	c.put(subjectID, s, now)
	return s, nil
}

func (c *LedgerReader) put(subjectID string, s Stored, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cache) > 100_000 {
		c.cache = map[string]cachedStored{}
	}
	c.cache[subjectID] = cachedStored{s, at}
}

// Records implements ConsentReader: only changes are recorded, with the method, notice,
// language and jurisdiction the message's origin gives; GPC with method gpc (it is sticky: a
// later message without it never clears it); each separate consent as its own act naming
// its recipient.
func (c *LedgerReader) Records(subjectID string, seen, stored Stored, o Origin) ([]store.ConsentRecord, error) {
	evidence := o.Evidence
	if o.Lang != "" {
		evidence["lang"] = o.Lang
	}
	notice := o.Notice
	if notice == nil {
		notice = consent.NoNotice
	}
	meta := func(method string) consent.Meta {
		return consent.Meta{Method: method, Actor: "subject", Evidence: evidence, Notice: notice, Jurisdiction: o.Jurisdiction}
	}
	var choices []consent.Choice
	merged := Stored{Consents: map[string]bool{}, PersonalisationOff: stored.PersonalisationOff,
		ObjectDirectMarketing: stored.ObjectDirectMarketing, GPC: stored.GPC, Guardian: stored.Guardian, AdFree: stored.AdFree,
		Restricted: stored.Restricted}
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
		recs, err := c.l.Records(subjectID, choices, meta(o.Method))
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	for _, x := range seen.Separate {
		if cur, ok := stored.Consents[x.Purpose]; ok && cur == x.Granted && x.Granted == false {
			continue // already withdrawn
		}
		recs, err := c.l.SeparateRecords(subjectID, x.Purpose, x.Recipient, x.Granted, meta(o.Method))
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
		merged.Consents[x.Purpose] = x.Granted
	}
	if seen.GPC && !stored.GPC {
		recs, err := c.l.Records(subjectID, []consent.Choice{{Key: consent.SignalGPC, Granted: true}}, meta(store.MethodGPC))
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
func (c *LedgerReader) Forget(subjectIDs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range subjectIDs {
		delete(c.cache, id)
	}
}

// Prefetch loads the state of every subject not freshly cached, in one query.
func (c *LedgerReader) Prefetch(ctx context.Context, subjectIDs []string) error {
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
		st, _ := c.l.Effective(consent.Fold(hist[id], now))
		c.put(id, StoredOf(st), now)
	}
	return nil
}
