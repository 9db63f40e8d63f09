package collect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/vault"

	"github.com/stewardhq/steward/internal/gate"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/store"
)

// Indexer returns the keyed blind index of an outside identifier of the given kind
// (store.IdentityUserID or store.IdentityAnonymousID).
type Indexer interface {
	Index(kind, value string) ([]byte, error)
}

// Sealer encrypts a payload for a subject, bound to a table and field. keys is the
// ingest transaction, so a data key created for a new subject commits with its events.
type Sealer interface {
	Seal(ctx context.Context, keys store.KeyAccess, subjectID string, b vault.Binding, plaintext []byte) ([]byte, error)
}

// Gate decides what of a message may be stored. It sees the subject the message resolved
// to and the request-level signals (GPC header).
type Gate interface {
	Check(ctx context.Context, subjectID string, m *segmentspec.Message, req *segmentspec.Request) (gate.Verdict, error)
}

// Prefetcher is an optional Gate extension: told every subject of a request before the
// per-message checks, it can load their consent state in one query instead of one each.
type Prefetcher interface {
	Prefetch(ctx context.Context, subjectIDs []string) error
}

// Config is what a Collector needs. Store, Index, Gate and Seal are required.
type Config struct {
	Store store.Store
	Index Indexer
	Gate  Gate
	Seal  Sealer
	// Recorded, when set, is told the consent records a request's messages added to the
	// ledger, after they committed: the ledger records them as processing acts.
	Recorded func(ctx context.Context, records []store.ConsentRecord) error
	// Stored, when set, is told the events a request kept, after they committed (a client's
	// retry tells them again: listeners must be idempotent). The campaign engine measures
	// conversions and starts triggered sends and journeys from it; it is not a place for
	// slow work, as the request waits for it.
	Stored func(ctx context.Context, events []store.Event)
	// Suppressed, when set, says which userIds belong to erased people: their messages are
	// dropped with reason "suppressed" until the shop lifts it.
	Suppressed func(ctx context.Context, keys []store.IdentityKey) (map[store.IdentityKey]bool, error)
	// Recorder, when set, records operators' decisions on held links in the audit log.
	Recorder Recorder
	// Registerer receives the pipeline's counters; nil skips registration.
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// Collector is the ingestion pipeline.
type Collector struct {
	cfg     Config
	stored  prometheus.Counter
	dropped *prometheus.CounterVec
	strip   *prometheus.CounterVec
	dups    prometheus.Counter
	group   groupCommit
}

// New returns a Collector.
func New(cfg Config) (*Collector, error) {
	if cfg.Store == nil || cfg.Index == nil || cfg.Gate == nil || cfg.Seal == nil {
		return nil, errors.New("new collector: Store, Index, Gate and Seal are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Collector{cfg: cfg,
		stored: prometheus.NewCounter(prometheus.CounterOpts{Name: "steward_events_stored_total", Help: "Events committed to the store."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "steward_events_dropped_total",
			Help: "Events not stored, by reason (e.g. no purpose with a legal basis)."}, []string{"reason"}),
		strip: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "steward_fields_stripped_total",
			Help: "Fields removed before storage, by reason (minimisation, consent)."}, []string{"reason"}),
		dups: prometheus.NewCounter(prometheus.CounterOpts{Name: "steward_events_duplicate_total",
			Help: "Events already stored under the same source and messageId (client retries)."}),
	}
	if cfg.Registerer != nil {
		for _, col := range []prometheus.Collector{c.stored, c.dropped, c.strip, c.dups} {
			if err := cfg.Registerer.Register(col); err != nil {
				return nil, fmt.Errorf("new collector: %w", err)
			}
		}
	}
	return c, nil
}

// Result reports what happened to a request's messages.
type Result struct {
	Received   int
	Stored     int
	Duplicates int
	Dropped    int
	// Kept counts messages kept (stored now or already stored by an earlier retry);
	// DroppedBy counts the others by reason; Stripped counts the fields removed before
	// storage by reason.
	Kept      int
	DroppedBy map[string]int
	Stripped  map[string]int
}

// maxConflictRetries bounds retries when a concurrent batch linked the same identifier.
const maxConflictRetries = 5

// Ingest stores the request's messages for source. It returns only after the kept events
// are committed; on error nothing of the request is stored.
//
// The expensive part — the consent gate, minimisation and sealing — runs before the single
// writer is taken, on identities resolved from what is committed (prepare), so concurrent
// requests do it in parallel and the write transaction only writes. Inside the transaction
// the identities are resolved again, unless the store's identity epoch shows no identity
// changed since prepare looked (store.IdentityEpochs; SQLite keeps one); if anything
// differs (a concurrent request linked or merged one of these identifiers, an erasure ran)
// or a data key raced, the prepared work is thrown away and the gate runs again inside the
// transaction, as it always did.
//
// Ingest treats the request as client-side (the write key is public): see IngestFrom.
func (c *Collector) Ingest(ctx context.Context, sourceID string, req *segmentspec.Request) (Result, error) {
	return c.IngestFrom(ctx, Origin{SourceID: sourceID}, req)
}

// IngestFrom is Ingest for a request whose origin the caller established (the source of
// its write key, and whether that key is server-side): only a server-side origin may
// merge two identified people; from any other, such a link is held for an operator.
func (c *Collector) IngestFrom(ctx context.Context, origin Origin, req *segmentspec.Request) (Result, error) {
	sourceID := origin.SourceID
	res := Result{Received: len(req.Messages)}
	suppressed, err := c.suppress(ctx, req)
	if err != nil {
		return res, fmt.Errorf("ingest: %w", err)
	}
	if len(req.Messages) == 0 {
		res.Dropped, res.DroppedBy = suppressed, map[string]int{ReasonSuppressed: suppressed}
		c.dropped.WithLabelValues(ReasonSuppressed).Add(float64(suppressed))
		return res, nil
	}
	ik, err := c.identityKeys(req.Messages)
	if err != nil {
		return res, fmt.Errorf("ingest: %w", err)
	}
	pre := c.prepare(ctx, origin, req, ik)
	var g *gated
	var txPlan *plan
	// discard drops what the gate cached from an attempt that did not commit, and sends
	// the next run of the transaction to gate inside it.
	discard := func() {
		if pre != nil {
			c.forget(pre.plan)
			pre = nil
		}
		if txPlan != nil {
			c.forget(txPlan)
		}
	}
	for attempt := 0; ; attempt++ {
		err = c.inTx(ctx, func(tx store.Tx) error {
			var p *plan
			if pre != nil && pre.stillCurrent(ctx, tx) {
				p = pre.plan // nothing about identities changed since prepare resolved them
			} else {
				known, err := tx.LookupIdentities(ctx, ik.all)
				if err != nil {
					return err
				}
				ident, err := identified(ctx, tx, ik, known)
				if err != nil {
					return err
				}
				now := c.cfg.Now().UTC().Truncate(time.Microsecond)
				var reuse []string
				if pre != nil {
					now, reuse = pre.now, pre.plan.newIDs()
				}
				p = c.plan(origin, req.Messages, ik, known, ident, now, reuse)
			}
			txPlan = p
			if err := tx.CreateSubjects(ctx, p.subjects); err != nil {
				return err
			}
			if err := tx.LinkIdentities(ctx, p.links); err != nil {
				return err
			}
			for _, m := range p.merges {
				if err := tx.MergeSubjects(ctx, m.from, m.into, m.reason, m.at); err != nil {
					return err
				}
			}
			for _, h := range p.held {
				if err := tx.HoldLink(ctx, h); err != nil {
					return err
				}
			}
			if pre != nil && pre.plan.same(p) {
				for _, k := range pre.keys.created {
					if err := tx.PutSubjectKey(ctx, k); err != nil {
						return err // ErrConflict: another writer gave the subject a key first
					}
				}
				g = pre.g
			} else {
				if pre != nil {
					c.forget(pre.plan, p) // the prepared gate may have cached consent it never recorded
					pre = nil
				}
				keys := &memoKeys{Tx: tx, m: map[string]store.SubjectKey{}, created: map[string]bool{}}
				if g, err = c.gateAndSeal(ctx, keys, sourceID, req, p); err != nil {
					return err
				}
			}
			if len(g.consent) > 0 {
				if err := tx.AppendConsent(ctx, g.consent); err != nil {
					return err
				}
			}
			n, err := tx.InsertEvents(ctx, g.evs)
			if err != nil {
				return err
			}
			if ci, ok := tx.(store.ContactIndexer); ok && len(g.contacts) > 0 {
				if err := ci.IndexContacts(ctx, g.contacts); err != nil {
					return err
				}
			}
			res.Stored, res.Duplicates = n, len(g.evs)-n
			return nil
		}, discard) // the group this ran in failed: it runs again alone
		if err != nil {
			discard() // nothing was recorded; a retry gates inside the transaction
		}
		if errors.Is(err, store.ErrConflict) && attempt < maxConflictRetries {
			continue
		}
		break
	}
	if err != nil {
		return Result{Received: res.Received}, fmt.Errorf("ingest: %w", err)
	}
	res.Dropped, res.DroppedBy, res.Stripped, res.Kept = g.dropped, g.droppedBy, g.stripped, len(g.evs)
	if suppressed > 0 {
		res.Dropped += suppressed
		g.droppedBy[ReasonSuppressed] += suppressed
	}
	c.stored.Add(float64(res.Stored))
	c.dups.Add(float64(res.Duplicates))
	for reason, n := range g.droppedBy {
		c.dropped.WithLabelValues(reason).Add(float64(n))
	}
	for reason, n := range g.stripped {
		c.strip.WithLabelValues(reason).Add(float64(n))
	}
	if len(g.consent) > 0 && c.cfg.Recorded != nil {
		if err := c.cfg.Recorded(ctx, g.consent); err != nil {
			return res, fmt.Errorf("ingest: events stored, but recording their consent signals failed: %w", err)
		}
	}
	if len(g.evs) > 0 && c.cfg.Stored != nil {
		c.cfg.Stored(ctx, g.evs)
	}
	return res, nil
}

// ReasonSuppressed is the drop reason of a message naming an erased person's userId.
const ReasonSuppressed = "suppressed"

// suppress removes from the request every message whose userId (or, for an alias, whose
// previous userId) belongs to an erased person, and returns how many it removed: after an
// erasure, one tracked event must not bring the person back (issue 16 item 7).
func (c *Collector) suppress(ctx context.Context, req *segmentspec.Request) (int, error) {
	if c.cfg.Suppressed == nil {
		return 0, nil
	}
	keyOf := map[string]store.IdentityKey{}
	var keys []store.IdentityKey
	for i := range req.Messages {
		m := &req.Messages[i]
		for _, id := range []string{m.UserID, aliasUser(m)} {
			if id == "" {
				continue
			}
			if _, ok := keyOf[id]; ok {
				continue
			}
			h, err := c.cfg.Index.Index(store.IdentityUserID, id)
			if err != nil {
				return 0, err
			}
			k := store.IdentityKey{Kind: store.IdentityUserID, Hash: string(h)}
			keyOf[id] = k
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return 0, nil
	}
	found, err := c.cfg.Suppressed(ctx, keys)
	if err != nil || len(found) == 0 {
		return 0, err
	}
	kept := req.Messages[:0]
	n := 0
	for _, m := range req.Messages {
		if found[keyOf[m.UserID]] && m.UserID != "" || aliasUser(&m) != "" && found[keyOf[aliasUser(&m)]] {
			n++
			continue
		}
		kept = append(kept, m)
	}
	req.Messages = kept
	return n, nil
}

func aliasUser(m *segmentspec.Message) string {
	if m.Type == segmentspec.TypeAlias {
		return m.PreviousID
	}
	return ""
}

// prepared is a request gated and sealed outside the write transaction.
type prepared struct {
	now  time.Time
	plan *plan
	keys *pendingKeys
	g    *gated
	// epoch is the store's identity epoch read before the lookup the plan rests on;
	// hasEpoch is false when the store keeps none.
	epoch    int64
	hasEpoch bool
}

// stillCurrent reports whether the transaction sees the identity epoch prepare saw: then
// no identity changed since, and looking the identifiers up again would find what prepare
// found (the plan is deterministic in what it looked up). Any doubt, including an error
// reading the epoch, answers false and the transaction looks up again.
func (p *prepared) stillCurrent(ctx context.Context, tx store.Tx) bool {
	te, ok := tx.(store.IdentityEpochs)
	if !p.hasEpoch || !ok {
		return false
	}
	n, err := te.IdentityEpoch(ctx)
	return err == nil && n == p.epoch
}

// prepare gates and seals the request on identities as committed now. It returns nil when
// it cannot (any error): the transaction then does the work itself and reports the error.
func (c *Collector) prepare(ctx context.Context, origin Origin, req *segmentspec.Request, ik *idKeys) *prepared {
	sourceID := origin.SourceID
	// The epoch first: a change committed between the two reads then shows as a different
	// epoch in the transaction, never as a stale lookup behind an unchanged one.
	var epoch int64
	se, hasEpoch := c.cfg.Store.(store.IdentityEpochs)
	if hasEpoch {
		var err error
		if epoch, err = se.IdentityEpoch(ctx); err != nil {
			hasEpoch = false
		}
	}
	known, err := c.cfg.Store.LookupIdentities(ctx, ik.all)
	if err != nil {
		return nil
	}
	ident, err := identified(ctx, c.cfg.Store, ik, known)
	if err != nil {
		return nil
	}
	now := c.cfg.Now().UTC().Truncate(time.Microsecond)
	p := c.plan(origin, req.Messages, ik, known, ident, now, nil)
	keys := &pendingKeys{st: c.cfg.Store, read: map[string]store.SubjectKey{}, mine: map[string]bool{}}
	g, err := c.gateAndSeal(ctx, keys, sourceID, req, p)
	if err != nil {
		c.forget(p)
		return nil
	}
	return &prepared{now: now, plan: p, keys: keys, g: g, epoch: epoch, hasEpoch: hasEpoch}
}

// Forgetter is an optional Gate extension: it drops what it cached about subjects, so a
// gate run that was thrown away leaves nothing behind (consent signals it saw but that
// were never recorded must be seen again).
type Forgetter interface {
	Forget(subjectIDs []string)
}

func (c *Collector) forget(plans ...*plan) {
	f, ok := c.cfg.Gate.(Forgetter)
	if !ok {
		return
	}
	var ids []string
	for _, p := range plans {
		for _, s := range p.subjectOf {
			ids = append(ids, s, p.final(s))
		}
	}
	f.Forget(ids)
}

// gated is what the gate decided for a request: events to store (sealed), consent records
// to append, and the counts for the metrics (added only once the request commits).
type gated struct {
	evs       []store.Event
	consent   []store.ConsentRecord
	dropped   int
	droppedBy map[string]int
	stripped  map[string]int
	// contacts are blind indexes of the emails and phone numbers kept (contacts.go).
	contacts []store.IdentityLink
}

// gateAndSeal asks the gate about each message and seals what is kept. It writes nothing
// but data keys (through keys).
func (c *Collector) gateAndSeal(ctx context.Context, keys store.KeyAccess, sourceID string, req *segmentspec.Request, p *plan) (*gated, error) {
	g := &gated{evs: make([]store.Event, 0, len(req.Messages)), droppedBy: map[string]int{}, stripped: map[string]int{}}
	if pf, ok := c.cfg.Gate.(Prefetcher); ok {
		seen := map[string]bool{}
		var ids []string
		for i := range req.Messages {
			if sub := p.final(p.subjectOf[i]); !seen[sub] {
				seen[sub] = true
				ids = append(ids, sub)
			}
		}
		if err := pf.Prefetch(ctx, ids); err != nil {
			return nil, err
		}
	}
	for i := range req.Messages {
		m := &req.Messages[i]
		// The event belongs to the surviving subject but is sealed for, and remembers,
		// the subject it first resolved to, so an un-merge can hand it back.
		origin := p.subjectOf[i]
		sub := p.final(origin)
		v, err := c.cfg.Gate.Check(ctx, sub, m, req)
		if err != nil {
			return nil, err
		}
		g.consent = append(g.consent, v.Consent...)
		for reason, n := range v.Stripped {
			g.stripped[reason] += n
		}
		if !v.Keep {
			g.droppedBy[v.Reason]++
			g.dropped++
			continue
		}
		body, err := c.cfg.Seal.Seal(ctx, keys, origin, vault.Binding{Table: "events", Field: "body"}, v.Body)
		if err != nil {
			return nil, err
		}
		g.evs = append(g.evs, store.Event{SourceID: sourceID, MessageID: m.MessageID, SubjectID: sub, OriginSubjectID: origin,
			Type: string(m.Type), Name: eventName(m), OccurredAt: m.Timestamp, ReceivedAt: m.ReceivedAt, Body: body})
		g.contacts = c.contactsOf(g.contacts, m, v.Body, sub)
	}
	return g, nil
}

func eventName(m *segmentspec.Message) string {
	switch m.Type {
	case segmentspec.TypeTrack:
		return m.Event
	case segmentspec.TypePage, segmentspec.TypeScreen:
		return m.Name
	}
	return ""
}

// NewSubjectID returns a fresh internal subject id.
func NewSubjectID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "sub_" + hex.EncodeToString(b)
}

// memoKeys remembers the data keys read or created within one ingest transaction, so a
// batch of a hundred events from one visitor reads their key once.
type memoKeys struct {
	store.Tx
	m       map[string]store.SubjectKey
	created map[string]bool // keys this transaction stored: not committed yet
}

// CommittedKey reports whether a key this transaction can see was committed by someone
// else (implements vault.CommitTracker): only keys it created itself may still roll back.
func (k *memoKeys) CommittedKey(id string) bool {
	_, seen := k.m[id]
	return seen && !k.created[id]
}

func (k *memoKeys) GetSubjectKey(ctx context.Context, id string) (store.SubjectKey, error) {
	return readThrough(ctx, k.m, k.Tx, id)
}

// readThrough returns the key memo holds for id, reading it from src (and remembering it)
// the first time.
func readThrough(ctx context.Context, memo map[string]store.SubjectKey, src store.KeyAccess, id string) (store.SubjectKey, error) {
	if v, ok := memo[id]; ok {
		return v, nil
	}
	v, err := src.GetSubjectKey(ctx, id)
	if err == nil {
		memo[id] = v
	}
	return v, err
}

func (k *memoKeys) PutSubjectKey(ctx context.Context, key store.SubjectKey) error {
	err := k.Tx.PutSubjectKey(ctx, key)
	if err == nil {
		k.m[key.SubjectID] = key
		k.created[key.SubjectID] = true
	}
	return err
}

// pendingKeys is key access for a request prepared outside the transaction: keys are read
// from the store as committed, and keys the vault creates for subjects without one are
// held back, to be stored by the transaction that stores the events sealed under them.
type pendingKeys struct {
	st      store.KeyAccess
	read    map[string]store.SubjectKey
	mine    map[string]bool
	created []store.SubjectKey
}

func (k *pendingKeys) GetSubjectKey(ctx context.Context, id string) (store.SubjectKey, error) {
	return readThrough(ctx, k.read, k.st, id)
}

func (k *pendingKeys) PutSubjectKey(_ context.Context, key store.SubjectKey) error {
	if _, ok := k.read[key.SubjectID]; ok {
		return store.ErrConflict
	}
	k.read[key.SubjectID] = key
	k.mine[key.SubjectID] = true
	k.created = append(k.created, key)
	return nil
}

// CommittedKey implements vault.CommitTracker: keys read here were committed; keys made
// here are not until the transaction stores them.
func (k *pendingKeys) CommittedKey(id string) bool {
	_, seen := k.read[id]
	return seen && !k.mine[id]
}
