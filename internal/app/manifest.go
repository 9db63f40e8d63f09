package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

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
}

func newRegime(m *manifest.Manifest, seq int64) *regime {
	return &regime{m: m, d: policy.Compile(m, policy.DefaultConfig()), seq: seq,
		notice: consent.Notice{Version: strconv.FormatInt(seq, 10), Hash: m.Hash()}}
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
	v, err := a.Store.LatestManifestVersion(ctx)
	if errors.Is(err, store.ErrNotFound) {
		m := manifest.Default()
		seq, err := a.Store.AddManifestVersion(ctx, store.ManifestVersion{Hash: m.Hash(), YAML: manifest.DefaultYAML(), Actor: "system", CreatedAt: time.Now().UTC()})
		if err != nil {
			return err
		}
		a.regime.Store(newRegime(m, seq))
		return nil
	}
	if err != nil {
		return err
	}
	m, err := manifest.Parse(fmt.Sprintf("manifest version %d", v.Seq), v.YAML)
	if err != nil {
		return fmt.Errorf("the stored manifest (version %d) no longer loads: %w", v.Seq, err)
	}
	a.regime.Store(newRegime(m, v.Seq))
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
	a.regime.Store(newRegime(m, seq))
	return seq, m, nil
}
