package regime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
)

// Store is what the service keeps manifest versions in.
type Store interface {
	store.Manifests
}

// Recorder records the service's processing acts (manifest changes).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config is what a Service needs. Store is required; Recorder may be set later with
// SetRecorder (the recorder itself reads the regime for categories).
type Config struct {
	Store    Store
	Recorder Recorder
	Now      func() time.Time
}

// Service keeps the manifest in force.
type Service struct {
	st  Store
	rec Recorder
	now func() time.Time
	cur atomic.Pointer[Regime]
	// apply serialises putting a version in force: Publish here and CatchUp of a version
	// published elsewhere.
	apply sync.Mutex

	mu        sync.Mutex
	listeners []func(context.Context, *Regime) error
	gates     []Gate
	hashes    map[int64]string // every stored version's notice hash (versions are immutable)
}

// ErrNotApplied wraps a failure of something that follows a published manifest (tags
// recomputed from it): the new version is stored and in force, its effects are not all
// applied yet.
var ErrNotApplied = errors.New("manifest published, but applying it failed")

// Open loads the latest stored manifest; on first start it stores the default one as
// version 1. Versions are replayed oldest first, so each purpose knows when it last changed.
func Open(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{st: cfg.Store, rec: cfg.Recorder, now: cfg.Now, hashes: map[int64]string{}}
	vs, err := s.st.ManifestVersions(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	for _, v := range vs {
		s.hashes[v.Seq] = v.Hash
	}
	if len(vs) == 0 {
		m := manifest.Default()
		seq, err := s.st.AddManifestVersion(ctx, store.ManifestVersion{Hash: m.Hash(), YAML: manifest.DefaultYAML(), Actor: "system", CreatedAt: s.now().UTC()})
		if err != nil {
			return nil, err
		}
		s.hashes[seq] = m.Hash()
		s.cur.Store(New(m, seq, nil))
		return s, nil
	}
	var r *Regime
	for i := len(vs) - 1; i >= 0; i-- {
		v, err := s.st.ManifestVersion(ctx, vs[i].Seq)
		if err != nil {
			return nil, err
		}
		m, err := manifest.Parse(fmt.Sprintf("manifest version %d", v.Seq), v.YAML)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("the stored manifest (version %d) no longer loads: %w", v.Seq, err)
			}
			continue // an old version this build cannot read: later ones still count
		}
		r = New(m, v.Seq, r)
	}
	s.cur.Store(r)
	return s, nil
}

// SetRecorder sets the recorder of manifest changes.
func (s *Service) SetRecorder(rec Recorder) { s.rec = rec }

// Current returns the regime in force.
func (s *Service) Current() *Regime { return s.cur.Load() }

// OnPublish registers fn to run after each published version is in force (e.g. tags
// recomputed from the manifest's tags section).
func (s *Service) OnPublish(fn func(context.Context, *Regime) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, fn)
}

// Gate decides whether a checked manifest may replace the one in force (cur); an error
// refuses the publish and changes nothing. Impact assessments gate this way (issue 26:
// a purpose processing sensitive data, making automated decisions or sending data abroad
// does not go live without an approved assessment).
type Gate func(ctx context.Context, cur, next *manifest.Manifest) error

// AddGate installs a gate every Publish passes before anything is stored.
func (s *Service) AddGate(g Gate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gates = append(s.gates, g)
}

// Summary describes one manifest version.
type Summary struct {
	Seq        int64    `json:"seq"`
	Version    int      `json:"version"`
	Hash       string   `json:"hash"`
	Home       string   `json:"home"`
	Purposes   []string `json:"purposes"`
	EventTypes []string `json:"event_types"`
	Recipients int      `json:"recipients"`
}

func summaryOf(seq int64, m *manifest.Manifest) Summary {
	return Summary{Seq: seq, Version: m.Version(), Hash: m.Hash(), Home: m.Home, Purposes: m.PurposeKeys(),
		EventTypes: m.EventTypes(), Recipients: len(m.Recipients)}
}

// Version is one stored manifest version with its text.
type Version struct {
	Summary
	YAML      string    `json:"yaml"`
	CreatedAt time.Time `json:"created_at"`
	Actor     string    `json:"actor"`
}

// VersionInfo is one line of the version list.
type VersionInfo struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
	InForce   bool      `json:"in_force"`
}

// Publish checks a manifest, stores it as a new version and puts it in force at once: the
// next collection and read decisions use it. A manifest that does not check changes
// nothing and returns its located errors (*manifest.ErrorList).
func (s *Service) Publish(ctx context.Context, yaml []byte, actor string) (Summary, error) {
	m, err := manifest.Parse("steward.yaml", yaml)
	if err != nil {
		return Summary{}, err
	}
	s.mu.Lock()
	gates := slices.Clone(s.gates)
	s.mu.Unlock()
	for _, g := range gates {
		if err := g(ctx, s.cur.Load().Manifest(), m); err != nil {
			return Summary{}, err
		}
	}
	s.apply.Lock()
	seq, err := s.st.AddManifestVersion(ctx, store.ManifestVersion{Hash: m.Hash(), YAML: yaml, Actor: actor, CreatedAt: s.now().UTC()})
	if err != nil {
		s.apply.Unlock()
		return Summary{}, err
	}
	r := New(m, seq, s.cur.Load())
	s.mu.Lock()
	s.hashes[seq] = m.Hash()
	s.mu.Unlock()
	s.cur.Store(r)
	s.apply.Unlock()
	sum := summaryOf(seq, m)
	if s.rec != nil {
		if err := s.rec.Record(ctx, audit.Event{Act: audit.ActManifestChange, Actor: actor,
			Detail: map[string]string{"version": strconv.FormatInt(seq, 10), "hash": m.Hash()}}); err != nil {
			return sum, err
		}
	}
	s.mu.Lock()
	ls := slices.Clone(s.listeners)
	s.mu.Unlock()
	for _, fn := range ls {
		if err := fn(ctx, r); err != nil {
			return sum, fmt.Errorf("%w: %v", ErrNotApplied, err)
		}
	}
	return sum, nil
}

// InForce returns the version in force with its text.
func (s *Service) InForce(ctx context.Context) (Version, error) {
	r := s.cur.Load()
	v, err := s.st.ManifestVersion(ctx, r.seq)
	if err != nil {
		return Version{}, err
	}
	return Version{Summary: summaryOf(v.Seq, r.m), YAML: string(v.YAML), CreatedAt: v.CreatedAt, Actor: v.Actor}, nil
}

// Versions lists every stored version, newest first.
func (s *Service) Versions(ctx context.Context) ([]VersionInfo, error) {
	vs, err := s.st.ManifestVersions(ctx)
	if err != nil {
		return nil, err
	}
	in := s.cur.Load().seq
	out := make([]VersionInfo, 0, len(vs))
	for _, v := range vs {
		out = append(out, VersionInfo{Seq: v.Seq, Hash: v.Hash, Actor: v.Actor, CreatedAt: v.CreatedAt, InForce: v.Seq == in})
	}
	return out, nil
}

func (s *Service) load(ctx context.Context, seq int64) (store.ManifestVersion, *manifest.Manifest, error) {
	v, err := s.st.ManifestVersion(ctx, seq)
	if err != nil {
		return v, nil, err
	}
	mf, err := manifest.Parse(fmt.Sprintf("version %d", seq), v.YAML)
	if err != nil {
		return v, nil, fmt.Errorf("stored manifest version %d does not load: %w", seq, err)
	}
	return v, mf, nil
}

// Version returns one stored version with its text.
func (s *Service) Version(ctx context.Context, seq int64) (Version, error) {
	v, mf, err := s.load(ctx, seq)
	if err != nil {
		return Version{}, err
	}
	return Version{Summary: summaryOf(seq, mf), YAML: string(v.YAML), CreatedAt: v.CreatedAt, Actor: v.Actor}, nil
}

// Change is one difference between two manifest versions.
type Change struct {
	Kind string `json:"kind"`
	Path string `json:"path"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Diff is what changed between two versions.
type Diff struct {
	From    int64    `json:"from"`
	To      int64    `json:"to"`
	Changes []Change `json:"changes"`
}

// DiffVersions compares two stored versions.
func (s *Service) DiffVersions(ctx context.Context, from, to int64) (Diff, error) {
	_, a, err := s.load(ctx, from)
	if err != nil {
		return Diff{}, err
	}
	_, b, err := s.load(ctx, to)
	if err != nil {
		return Diff{}, err
	}
	d := Diff{From: from, To: to, Changes: []Change{}}
	for _, c := range manifest.Diff(a, b) {
		d.Changes = append(d.Changes, Change{Kind: c.Kind, Path: c.Path, From: c.From, To: c.To})
	}
	return d, nil
}

// Notice renders the notice in force (seq <= 0) or of a stored version, in lang.
func (s *Service) Notice(ctx context.Context, seq int64, lang, moment string) (NoticeDoc, error) {
	lang = Lang(lang)
	if seq <= 0 {
		return s.cur.Load().NoticeFor(lang, moment)
	}
	_, mf, err := s.load(ctx, seq)
	if err != nil {
		return NoticeDoc{}, err
	}
	return New(mf, seq, nil).NoticeFor(lang, moment)
}

// KnownNotice reports whether a notice a client says it showed is a version this deployment
// published, with that version's hash: a client may show an older notice, never an invented
// one (the write key is public).
func (s *Service) KnownNotice(version, hash string) bool {
	seq, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hashes[seq]
	return ok && h == hash
}
