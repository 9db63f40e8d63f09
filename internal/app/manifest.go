package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/store"
)

// regime is one manifest version in force with its compiled policy.
type regime struct {
	m      *manifest.Manifest
	d      *policy.Decider
	seq    int64
	notice consent.Notice // what consents given now are recorded against
	// changedAt is, per purpose, the manifest version that last changed what the purpose
	// says or does: consents given under an older notice need re-consent.
	changedAt map[string]int64
	uses      fieldUses
}

// fieldUses is the manifest's allow-list seen both ways: which purposes may use each data
// category, and which categories each purpose may use (every event type's fields and the
// fields common to all events).
type fieldUses struct {
	purposesOf   map[string]map[string]bool // category → purposes
	categoriesOf map[string][]string        // purpose → categories, sorted
}

func usesOf(m *manifest.Manifest) fieldUses {
	u := fieldUses{purposesOf: map[string]map[string]bool{}, categoriesOf: map[string][]string{}}
	add := func(f manifest.Field) {
		if u.purposesOf[f.Category] == nil {
			u.purposesOf[f.Category] = map[string]bool{}
		}
		for _, p := range f.Purposes {
			if !u.purposesOf[f.Category][p] {
				u.purposesOf[f.Category][p] = true
				u.categoriesOf[p] = append(u.categoriesOf[p], f.Category)
			}
		}
	}
	for _, e := range m.Events {
		for _, f := range e.Fields {
			add(f)
		}
	}
	for _, f := range m.Common {
		add(f)
	}
	for _, cs := range u.categoriesOf {
		sort.Strings(cs)
	}
	return u
}

func newRegime(m *manifest.Manifest, seq int64, prev *regime) *regime {
	r := &regime{m: m, d: policy.Compile(m, policy.DefaultConfig()), seq: seq,
		notice: consent.Notice{Version: strconv.FormatInt(seq, 10), Hash: m.Hash()}, changedAt: map[string]int64{}, uses: usesOf(m)}
	if prev == nil {
		return r
	}
	for k, v := range prev.changedAt {
		r.changedAt[k] = v
	}
	for _, c := range manifest.Diff(prev.m, m) {
		rest, ok := strings.CutPrefix(c.Path, "purposes.")
		if !ok {
			continue
		}
		for _, p := range m.PurposeKeys() {
			if rest == p || strings.HasPrefix(rest, p+".") {
				r.changedAt[p] = seq
			}
		}
	}
	return r
}

// Effective drops grants given under a notice older than the purpose's last change: the
// person agreed to a text that no longer describes what the purpose does (issue 4 item 1).
// It returns the state to decide with and the purposes needing re-consent.
func (a *App) Effective(st consent.State) (consent.State, map[string]bool) {
	r := a.regime.Load()
	out := make(consent.State, len(st))
	stale := map[string]bool{}
	for k, e := range st {
		if at, ok := r.changedAt[k]; ok && e.Granted {
			if v, err := strconv.ParseInt(e.NoticeVersion, 10, 64); err != nil || v < at {
				stale[k] = true
				e.Granted = false
			}
		}
		out[k] = e
	}
	return out, stale
}

// Manifest returns the manifest in force.
func (a *App) Manifest() *manifest.Manifest { return a.regime.Load().m }

// Policy returns the policy decision point compiled from the manifest in force.
func (a *App) Policy() *policy.Decider { return a.regime.Load().d }

// ManifestSeq returns the stored version number of the manifest in force.
func (a *App) ManifestSeq() int64 { return a.regime.Load().seq }

// loadManifest puts the latest stored manifest in force; on first start it stores the
// default one as version 1.
func (a *App) loadManifest(ctx context.Context) error {
	vs, err := a.Store.ManifestVersions(ctx)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		m := manifest.Default()
		seq, err := a.Store.AddManifestVersion(ctx, store.ManifestVersion{Hash: m.Hash(), YAML: manifest.DefaultYAML(), Actor: "system", CreatedAt: time.Now().UTC()})
		if err != nil {
			return err
		}
		a.regime.Store(newRegime(m, seq, nil))
		return nil
	}
	// Replay the versions oldest first, so each purpose knows when it last changed.
	var r *regime
	for i := len(vs) - 1; i >= 0; i-- {
		v, err := a.Store.ManifestVersion(ctx, vs[i].Seq)
		if err != nil {
			return err
		}
		m, err := manifest.Parse(fmt.Sprintf("manifest version %d", v.Seq), v.YAML)
		if err != nil {
			if i == 0 {
				return fmt.Errorf("the stored manifest (version %d) no longer loads: %w", v.Seq, err)
			}
			continue // an old version this build cannot read: later ones still count
		}
		r = newRegime(m, v.Seq, r)
	}
	a.regime.Store(r)
	return nil
}

// PublishManifest checks a manifest, stores it as a new version and puts it in force at
// once: the next collection and read decisions use it. A manifest that does not check
// changes nothing and returns its located errors (*manifest.ErrorList).
func (a *App) PublishManifest(ctx context.Context, yaml []byte, actor string) (int64, *manifest.Manifest, error) {
	m, err := manifest.Parse("steward.yaml", yaml)
	if err != nil {
		return 0, nil, err
	}
	seq, err := a.Store.AddManifestVersion(ctx, store.ManifestVersion{Hash: m.Hash(), YAML: yaml, Actor: actor, CreatedAt: time.Now().UTC()})
	if err != nil {
		return 0, nil, err
	}
	a.regime.Store(newRegime(m, seq, a.regime.Load()))
	if err := a.Record(ctx, audit.ActManifestChange, "", actor, "", "",
		map[string]string{"version": strconv.FormatInt(seq, 10), "hash": m.Hash()}); err != nil {
		return seq, m, err
	}
	return seq, m, nil
}
