package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

// ActRetention is the processing act of one retention pass.
const ActRetention audit.Act = "retention"

// Store is what a pass changes and reads besides events' bodies.
type Store interface {
	store.Retention
	store.KeyAccess
	ListCampaigns(ctx context.Context, kind string) ([]store.CampaignDef, error)
	GetSetting(ctx context.Context, name string) (string, error)
	PutSetting(ctx context.Context, name, value string) error
}

// Reader reads stored events (the purpose-scoped reader, as the erasure path reads them).
type Reader interface {
	EventsPage(ctx context.Context, req access.Request) ([]access.Event, access.Page, error)
}

// Sealer seals a pruned body again (the vault).
type Sealer interface {
	Seal(ctx context.Context, keys store.KeyAccess, subjectID string, b vault.Binding, plaintext []byte) ([]byte, error)
}

// Recorder records the pass.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
}

// Derived rebuilds what is derived from people's events (the profile engine: profiles, tag
// values, segment memberships) once their events changed.
type Derived interface {
	Rebuild(ctx context.Context, subjectIDs ...string) error
}

// Config is what a Service needs. Store, Reader, Sealer, Manifest and Recorder are required.
type Config struct {
	Store    Store
	Reader   Reader
	Sealer   Sealer
	Manifest func() *manifest.Manifest
	Recorder Recorder
	Derived  Derived
	// Now is the clock (tests pass a fake one); nil means time.Now.
	Now func() time.Time
	// Batch bounds the events handled per store call (default 500).
	Batch int
}

// Service runs retention passes.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	return &Service{cfg: cfg}
}

// Plan is the plan of the manifest in force.
func (s *Service) Plan() Plan { return PlanFor(s.cfg.Manifest()) }

// Report is what one pass did.
type Report struct {
	At           time.Time `json:"at"`
	ManifestHash string    `json:"manifest_hash"`
	// EventsDeleted counts events deleted, EventsAnonymised those of them that left
	// anonymous aggregates.
	EventsDeleted    int `json:"events_deleted"`
	EventsAnonymised int `json:"events_anonymised"`
	// EventsPruned counts events that lost expired fields, FieldsRemoved the fields.
	EventsPruned  int `json:"events_pruned"`
	FieldsRemoved int `json:"fields_removed"`
	// CampaignMessages counts campaign messages deleted.
	CampaignMessages int64 `json:"campaign_messages_deleted"`
	// Subjects counts the people whose data changed.
	Subjects int `json:"subjects"`
	// ByKind counts deleted events per event type.
	ByKind map[string]int `json:"by_kind"`
	// AuditLeaf is the pass's leaf in the audit log.
	AuditLeaf uint64 `json:"audit_leaf"`
}

// LastRunSetting names the setting holding the instant of the last pass.
const LastRunSetting = "retention.last_run"

// errNoNewKeys stops the vault from making a data key while sealing a pruned body: a
// person whose key is gone was erased, and their events with them.
var errNoNewKeys = errors.New("retention: no data key is made to seal a pruned event")

type noNewKeys struct{ store.KeyAccess }

func (noNewKeys) PutSubjectKey(context.Context, store.SubjectKey) error { return errNoNewKeys }

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// Run applies the plan of the manifest in force once: events past their time are deleted
// (or anonymised), expired fields removed from events that live on, campaign messages past
// their purpose's retention deleted, derived data rebuilt for the people touched; the pass
// is recorded with its counts.
func (s *Service) Run(ctx context.Context) (Report, error) {
	m := s.cfg.Manifest()
	plan := PlanFor(m)
	now := s.cfg.Now().UTC()
	rep := Report{At: now, ManifestHash: plan.ManifestHash, ByKind: map[string]int{}}
	touched := map[string]bool{}
	for _, k := range append(slices.Clone(plan.Kinds), plan.Other) {
		if err := s.expire(ctx, plan, k, now, &rep, touched); err != nil {
			return rep, err
		}
	}
	for _, k := range plan.Kinds {
		for _, d := range k.Prune {
			if err := s.prune(ctx, k, d, now, &rep, touched); err != nil {
				return rep, err
			}
		}
	}
	n, err := s.expireMessages(ctx, plan, now)
	if err != nil {
		return rep, err
	}
	rep.CampaignMessages = n
	subjects := make([]string, 0, len(touched))
	for id := range touched {
		subjects = append(subjects, id)
	}
	slices.Sort(subjects)
	rep.Subjects = len(subjects)
	if s.cfg.Derived != nil && len(subjects) > 0 {
		if err := s.cfg.Derived.Rebuild(ctx, subjects...); err != nil {
			return rep, fmt.Errorf("retention: rebuild derived data: %w", err)
		}
	}
	ev := audit.Event{Act: ActRetention, Actor: "system", LegalBasis: "legal_obligation", Detail: map[string]string{
		"events_deleted": strconv.Itoa(rep.EventsDeleted), "events_anonymised": strconv.Itoa(rep.EventsAnonymised),
		"events_pruned": strconv.Itoa(rep.EventsPruned), "fields_removed": strconv.Itoa(rep.FieldsRemoved),
		"campaign_messages_deleted": strconv.FormatInt(rep.CampaignMessages, 10), "subjects": strconv.Itoa(rep.Subjects),
		"manifest_hash": plan.ManifestHash}}
	if len(subjects) > 0 {
		if rep.AuditLeaf, err = s.cfg.Recorder.RecordAudience(ctx, ev, subjects); err != nil {
			return rep, err
		}
	} else if err := s.cfg.Recorder.Record(ctx, ev); err != nil {
		return rep, err
	}
	if err := s.cfg.Store.PutSetting(ctx, LastRunSetting, now.Format(time.RFC3339Nano)); err != nil {
		return rep, err
	}
	return rep, nil
}

// expire deletes the events of one kind past the kind's time.
func (s *Service) expire(ctx context.Context, plan Plan, k KindRule, now time.Time, rep *Report, touched map[string]bool) error {
	q := store.DueQuery{Kinds: []store.EventKind{k.Kind}, Before: now.Add(-days(k.Days)), Limit: s.cfg.Batch}
	if k.EventType == "" {
		q.Kinds, q.Except = plan.known(), true
	}
	for {
		refs, err := s.cfg.Store.DueEvents(ctx, q)
		if err != nil || len(refs) == 0 {
			return err
		}
		var bodies map[int64]access.Event
		if k.Anonymise {
			if bodies, err = s.read(ctx, refs); err != nil {
				return err
			}
		}
		exps := make([]store.Expiry, len(refs))
		for i, r := range refs {
			exps[i] = store.Expiry{Seq: r.Seq}
			if k.Anonymise {
				exps[i].Aggregates = aggregates(k, r, bodies[r.Seq])
			}
		}
		n, err := s.cfg.Store.ExpireEvents(ctx, exps)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil // nothing changed: another pass got there first
		}
		rep.EventsDeleted += n
		if k.Anonymise {
			rep.EventsAnonymised += n
		}
		name := k.EventType
		if name == "" {
			name = "(undeclared)"
		}
		rep.ByKind[name] += n
		for _, r := range refs {
			touched[r.SubjectID] = true
		}
	}
}

// aggregates are what one expired event of an anonymising kind leaves: a count, and the
// sums of its numeric fields of anonymised categories, for its month.
func aggregates(k KindRule, r store.EventRef, e access.Event) []store.Aggregate {
	month := r.OccurredAt.UTC().Format("2006-01")
	out := []store.Aggregate{{Month: month, EventType: k.EventType, Count: 1}}
	for _, f := range k.Fields {
		if !f.Number || f.OnExpiry != manifest.ExpiryAnonymise {
			continue
		}
		if v, ok := lookup(e.Fields, f.Path).(float64); ok {
			out = append(out, store.Aggregate{Month: month, EventType: k.EventType, Field: f.Path, Count: 1, Sum: v})
		}
	}
	return out
}

// prune removes, from events of a kind older than d days that are not yet pruned that far,
// every field whose time has passed, and seals what is left again.
func (s *Service) prune(ctx context.Context, k KindRule, d int, now time.Time, rep *Report, touched map[string]bool) error {
	q := store.DueQuery{Kinds: []store.EventKind{k.Kind}, Before: now.Add(-days(d)), PrunedBelow: d, Limit: s.cfg.Batch}
	for {
		refs, err := s.cfg.Store.DueEvents(ctx, q)
		if err != nil || len(refs) == 0 {
			return err
		}
		bodies, err := s.read(ctx, refs)
		if err != nil {
			return err
		}
		ps := make([]store.Prune, 0, len(refs))
		for _, r := range refs {
			p := store.Prune{Seq: r.Seq, PrunedDays: d}
			e, ok := bodies[r.Seq]
			if !ok {
				ps = append(ps, p) // unreadable (erased meanwhile): nothing to remove
				continue
			}
			removed := 0
			for _, f := range k.Fields {
				if f.Days < k.Days && r.OccurredAt.Before(now.Add(-days(f.Days))) && remove(e.Fields, f.Path) {
					removed++
				}
			}
			if removed > 0 {
				body, err := json.Marshal(e.Fields)
				if err != nil {
					return fmt.Errorf("retention: event %d: %w", r.Seq, err)
				}
				origin := r.OriginSubjectID
				if origin == "" {
					origin = r.SubjectID
				}
				sealed, err := s.cfg.Sealer.Seal(ctx, noNewKeys{s.cfg.Store}, origin, vault.Binding{Table: "events", Field: "body"}, body)
				if errors.Is(err, errNoNewKeys) {
					ps = append(ps, p)
					continue
				}
				if err != nil {
					return fmt.Errorf("retention: event %d: %w", r.Seq, err)
				}
				p.Body = sealed
				rep.EventsPruned++
				rep.FieldsRemoved += removed
				touched[r.SubjectID] = true
			}
			ps = append(ps, p)
		}
		n, err := s.cfg.Store.PruneEvents(ctx, ps)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
}

// read returns the bodies of the given events, by sequence, through the reader as the
// erasure path reads them (the person's own access: everything held, nothing masked).
func (s *Service) read(ctx context.Context, refs []store.EventRef) (map[int64]access.Event, error) {
	bySubject := map[string][]int64{}
	for _, r := range refs {
		bySubject[r.SubjectID] = append(bySubject[r.SubjectID], r.Seq)
	}
	out := map[int64]access.Event{}
	for subject, seqs := range bySubject {
		slices.Sort(seqs)
		want := map[int64]bool{}
		for _, q := range seqs {
			want[q] = true
		}
		after := seqs[0] - 1
		for {
			evs, pg, err := s.cfg.Reader.EventsPage(ctx, access.Request{Actor: access.ViewerSystem, Viewer: access.ViewerSystem,
				Purpose: access.PurposeRightsAccess, SubjectID: subject, After: after, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, e := range evs {
				if want[e.Seq] {
					out[e.Seq] = e
				}
			}
			after = pg.Last
			if !pg.More || after >= seqs[len(seqs)-1] {
				break
			}
		}
	}
	return out, nil
}

// lookup returns the value at a dotted path.
func lookup(fields map[string]any, path string) any {
	var cur any = fields
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// remove deletes the value at a dotted path and reports whether there was one; objects
// left empty by it go too.
func remove(fields map[string]any, path string) bool {
	parts := strings.Split(path, ".")
	var walk func(m map[string]any, i int) bool
	walk = func(m map[string]any, i int) bool {
		v, ok := m[parts[i]]
		if !ok {
			return false
		}
		if i == len(parts)-1 {
			delete(m, parts[i])
			return true
		}
		child, ok := v.(map[string]any)
		if !ok || !walk(child, i+1) {
			return false
		}
		if len(child) == 0 {
			delete(m, parts[i])
		}
		return true
	}
	return walk(fields, 0)
}

// expireMessages deletes campaign messages older than their campaign's purpose allows.
func (s *Service) expireMessages(ctx context.Context, plan Plan, now time.Time) (int64, error) {
	defs, err := s.cfg.Store.ListCampaigns(ctx, "")
	if err != nil {
		return 0, err
	}
	var total int64
	for _, d := range defs {
		var spec struct {
			Purpose string `json:"purpose"`
		}
		if json.Unmarshal(d.Spec, &spec) != nil {
			continue
		}
		keep, ok := plan.PurposeDays[spec.Purpose]
		if !ok {
			continue // a purpose the manifest no longer has: its messages wait for one that says
		}
		n, err := s.cfg.Store.ExpireCampaignMessages(ctx, d.ID, now.Add(-days(keep)))
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// LastRun returns when the last pass ran (zero if none).
func (s *Service) LastRun(ctx context.Context) (time.Time, error) {
	v, err := s.cfg.Store.GetSetting(ctx, LastRunSetting)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, v)
}
