package collect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

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
	Seal(ctx context.Context, keys store.KeyAccess, subjectID, table, field string, plaintext []byte) ([]byte, error)
}

// Verdict is the consent gate's answer for one message.
type Verdict struct {
	// Keep is false when no purpose of the event type allows storing it.
	Keep bool
	// Reason is a stable machine-readable reason when Keep is false (a metric label).
	Reason string
	// Body is the minimised message to store (fields no allowed purpose needs removed).
	Body []byte
	// Stripped counts removed fields by reason (a metric label).
	Stripped map[string]int
	// Consent holds ledger records for consent signals the message carried (a changed
	// context.consent, a GPC signal); they are appended in the events' transaction,
	// whether or not the message itself is kept.
	Consent []store.ConsentRecord
}

// Gate decides what of a message may be stored. It sees the subject the message resolved
// to and the request-level signals (GPC header).
type Gate interface {
	Check(ctx context.Context, subjectID string, m *segmentspec.Message, req *segmentspec.Request) (Verdict, error)
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
	// ledger, after they committed (the app writes them to the audit log).
	Recorded func(ctx context.Context, records []store.ConsentRecord) error
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
}

// maxConflictRetries bounds retries when a concurrent batch linked the same identifier.
const maxConflictRetries = 5

// Ingest stores the request's messages for source. It returns only after the kept events
// are committed; on error nothing of the request is stored.
func (c *Collector) Ingest(ctx context.Context, sourceID string, req *segmentspec.Request) (Result, error) {
	res := Result{Received: len(req.Messages)}
	var plan *plan
	var recorded []store.ConsentRecord
	var err error
	for attempt := 0; ; attempt++ {
		err = c.cfg.Store.InTx(ctx, func(tx store.Tx) error {
			plan, err = c.resolve(ctx, tx, sourceID, req.Messages)
			if err != nil {
				return err
			}
			if err := tx.CreateSubjects(ctx, plan.subjects); err != nil {
				return err
			}
			if err := tx.LinkIdentities(ctx, plan.links); err != nil {
				return err
			}
			for _, m := range plan.merges {
				if err := tx.MergeSubjects(ctx, m.from, m.into, m.reason, m.at); err != nil {
					return err
				}
			}
			evs, dropped, recs, err := c.gateAndSeal(ctx, tx, sourceID, req, plan)
			recorded = recs
			if err != nil {
				return err
			}
			res.Dropped = dropped
			n, err := tx.InsertEvents(ctx, evs)
			if err != nil {
				return err
			}
			res.Stored, res.Duplicates = n, len(evs)-n
			return nil
		})
		if errors.Is(err, store.ErrConflict) && attempt < maxConflictRetries {
			continue
		}
		break
	}
	if err != nil {
		return Result{Received: res.Received}, fmt.Errorf("ingest: %w", err)
	}
	c.stored.Add(float64(res.Stored))
	c.dups.Add(float64(res.Duplicates))
	if len(recorded) > 0 && c.cfg.Recorded != nil {
		if err := c.cfg.Recorded(ctx, recorded); err != nil {
			return res, fmt.Errorf("ingest: events stored, but recording their consent signals failed: %w", err)
		}
	}
	return res, nil
}

// gateAndSeal asks the gate about each message and seals what is kept.
func (c *Collector) gateAndSeal(ctx context.Context, tx store.Tx, sourceID string, req *segmentspec.Request, p *plan) ([]store.Event, int, []store.ConsentRecord, error) {
	evs := make([]store.Event, 0, len(req.Messages))
	dropped := 0
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
			return nil, 0, nil, err
		}
	}
	var consent []store.ConsentRecord
	keys := &memoKeys{Tx: tx, m: map[string]store.SubjectKey{}, created: map[string]bool{}}
	for i := range req.Messages {
		m := &req.Messages[i]
		// The event belongs to the surviving subject but is sealed for, and remembers,
		// the subject it first resolved to, so an un-merge can hand it back.
		origin := p.subjectOf[i]
		sub := p.final(origin)
		v, err := c.cfg.Gate.Check(ctx, sub, m, req)
		if err != nil {
			return nil, 0, nil, err
		}
		consent = append(consent, v.Consent...)
		for reason, n := range v.Stripped {
			c.strip.WithLabelValues(reason).Add(float64(n))
		}
		if !v.Keep {
			c.dropped.WithLabelValues(v.Reason).Inc()
			dropped++
			continue
		}
		body, err := c.cfg.Seal.Seal(ctx, keys, origin, "events", "body", v.Body)
		if err != nil {
			return nil, 0, nil, err
		}
		evs = append(evs, store.Event{SourceID: sourceID, MessageID: m.MessageID, SubjectID: sub, OriginSubjectID: origin,
			Type: string(m.Type), Name: eventName(m), OccurredAt: m.Timestamp, ReceivedAt: m.ReceivedAt, Body: body})
	}
	if len(consent) > 0 {
		if err := tx.AppendConsent(ctx, consent); err != nil {
			return nil, 0, nil, err
		}
	}
	return evs, dropped, consent, nil
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
	if v, ok := k.m[id]; ok {
		return v, nil
	}
	v, err := k.Tx.GetSubjectKey(ctx, id)
	if err == nil {
		k.m[id] = v
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
