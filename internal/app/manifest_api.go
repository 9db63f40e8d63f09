package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/store"
)

// manifests implements server.Manifests.
type manifests struct{ a *App }

func (m manifests) summary(seq int64, mf *manifest.Manifest) map[string]any {
	return map[string]any{"seq": seq, "version": mf.Version(), "hash": mf.Hash(), "home": mf.Home,
		"purposes": mf.PurposeKeys(), "event_types": mf.EventTypes(), "recipients": len(mf.Recipients)}
}

func (m manifests) Current(ctx context.Context) (any, error) {
	v, err := m.a.Store.ManifestVersion(ctx, m.a.ManifestSeq())
	if err != nil {
		return nil, err
	}
	doc := m.summary(v.Seq, m.a.Manifest())
	doc["yaml"] = string(v.YAML)
	doc["created_at"], doc["actor"] = v.CreatedAt, v.Actor
	return doc, nil
}

func (m manifests) Versions(ctx context.Context) (any, error) {
	vs, err := m.a.Store.ManifestVersions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		out = append(out, map[string]any{"seq": v.Seq, "hash": v.Hash, "actor": v.Actor, "created_at": v.CreatedAt, "in_force": v.Seq == m.a.ManifestSeq()})
	}
	return map[string]any{"versions": out}, nil
}

func (m manifests) load(ctx context.Context, seq int64) (store.ManifestVersion, *manifest.Manifest, error) {
	v, err := m.a.Store.ManifestVersion(ctx, seq)
	if err != nil {
		return v, nil, err
	}
	mf, err := manifest.Parse(fmt.Sprintf("version %d", seq), v.YAML)
	if err != nil {
		return v, nil, fmt.Errorf("stored manifest version %d does not load: %w", seq, err)
	}
	return v, mf, nil
}

func (m manifests) Version(ctx context.Context, seq int64) (any, error) {
	v, mf, err := m.load(ctx, seq)
	if err != nil {
		return nil, err
	}
	doc := m.summary(seq, mf)
	doc["yaml"], doc["created_at"], doc["actor"] = string(v.YAML), v.CreatedAt, v.Actor
	return doc, nil
}

func (m manifests) Diff(ctx context.Context, from, to int64) (any, error) {
	_, a, err := m.load(ctx, from)
	if err != nil {
		return nil, err
	}
	_, b, err := m.load(ctx, to)
	if err != nil {
		return nil, err
	}
	changes := manifest.Diff(a, b)
	out := make([]map[string]string, 0, len(changes))
	for _, c := range changes {
		out = append(out, map[string]string{"kind": c.Kind, "path": c.Path, "from": c.From, "to": c.To})
	}
	return map[string]any{"from": from, "to": to, "changes": out}, nil
}

func (m manifests) Publish(ctx context.Context, yaml []byte, actor string) (any, error) {
	seq, mf, err := m.a.PublishManifest(ctx, yaml, actor)
	var el *manifest.ErrorList
	if errors.As(err, &el) {
		le := &server.LocatedErrors{}
		for _, e := range el.Errors {
			le.Errors = append(le.Errors, server.LocatedError{Line: e.Line, Column: e.Col, Message: e.Msg})
		}
		return nil, le
	}
	if err != nil {
		return nil, err
	}
	// The new manifest's tags (added, changed, removed) take effect at once.
	if m.a.Profiles != nil && m.a.Profiles.Ready() {
		if err := m.a.Profiles.Reconfigure(ctx); err != nil {
			return nil, fmt.Errorf("manifest published, but recomputing tags failed: %w", err)
		}
	}
	return m.summary(seq, mf), nil
}

func (m manifests) Taxonomy(ctx context.Context, lang string) (any, error) {
	mf := m.a.Manifest()
	var cats []map[string]any
	for _, c := range mf.Taxonomy.Categories() {
		cats = append(cats, map[string]any{"key": c.Key, "name": m.a.categoryName(c.Key, lang), "grade": string(c.Grade), "art28": c.Art28, "identifier": c.Identifier})
	}
	var ps []map[string]any
	for _, p := range mf.Taxonomy.Purposes() {
		ret := p.MaxRetentionDays
		if v, ok := mf.PurposeRetention[p.Key]; ok {
			ret = v
		}
		ps = append(ps, map[string]any{"key": p.Key, "name": m.a.purposeName(p, lang), "basis": string(p.Basis), "retention_days": ret,
			"statement": statement(p, lang), "separate_consent": p.SeparateConsent, "marketing": p.Marketing,
			"automated_decision": p.AutomatedDecision, "targeting": p.Targeting, "sale_share": p.SaleShare})
	}
	return map[string]any{"categories": cats, "purposes": ps}, nil
}
