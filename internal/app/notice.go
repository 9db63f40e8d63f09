package app

import (
	"context"
	"fmt"
	"sort"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/server"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// moments are the just-in-time notices: the instant a purpose starts, the event types
// that carry it (issue 4 item 1).
var moments = map[string][]string{
	"registration": {"identify"},
	"search":       {"Products Searched"},
	"checkout":     {"Checkout Started", "Order Completed"},
	"browsing":     {"page", "Product Viewed", "Product Added", "Cart Viewed"},
	"location":     {"location"}, // fields whose category is a location, any event
	// A photo upload collects images; the default shop declares no such event, so its
	// notice lists no purpose — the shop has nothing to announce until it does.
	"photo_upload": {"Photo Uploaded"},
}

// icons name the pictogram of each purpose family in the one-screen summary.
func icon(purpose string) string {
	for _, p := range []struct{ family, icon string }{{"essential", "cart"}, {"analytics", "chart"}, {"personalize", "sparkle"},
		{"marketing", "megaphone"}, {"third_party_sharing", "handshake"}, {"cross_border_transfer", "globe"}} {
		if taxonomy.Beneath(purpose, p.family) {
			return p.icon
		}
	}
	return "info"
}

// notice renders the layered notice of a manifest version in a language: a one-screen
// summary (what, why, how long, who receives) and the full text, versioned and hashed.
func (a *App) notice(m *manifest.Manifest, seq int64, lang, moment string) (map[string]any, error) {
	purposes := m.PurposeKeys()
	if moment != "" {
		ets, ok := moments[moment]
		if !ok {
			return nil, server.Errorf(400, server.CodeBadRequest, "unknown moment %q (registration, search, checkout, browsing, location, photo_upload)", moment)
		}
		u := usesOf(m)
		set := map[string]bool{}
		for _, et := range ets {
			if et == "location" {
				for c, ps := range u.purposesOf {
					if taxonomy.Beneath(c, "user.location") {
						for p := range ps {
							set[p] = true
						}
					}
				}
				continue
			}
			for _, f := range m.Events[et].Fields {
				for _, p := range f.Purposes {
					set[p] = true
				}
			}
		}
		purposes = purposes[:0:0]
		for p := range set {
			purposes = append(purposes, p)
		}
		sort.Strings(purposes)
	}
	uses := usesOf(m)
	var summary, full []map[string]any
	for _, pk := range purposes {
		p, ok := m.Taxonomy.Purpose(pk)
		if !ok {
			continue
		}
		ret := p.MaxRetentionDays
		if v, ok := m.PurposeRetention[pk]; ok {
			ret = v
		}
		var recips []string
		for _, r := range m.Recipients {
			if r.Serves(pk) {
				recips = append(recips, fmt.Sprintf("%s (%v)", r.Name, r.Countries))
			}
		}
		var data []string
		seen := map[string]bool{}
		for _, c := range uses.categoriesOf[pk] {
			if n := a.categoryName(c, lang); !seen[n] {
				seen[n] = true
				data = append(data, n)
			}
		}
		sort.Strings(data)
		summary = append(summary, map[string]any{"purpose": pk, "name": a.purposeName(p, lang), "icon": icon(pk), "what": statement(p, lang),
			"retention_days": ret, "recipients": recips, "needs_consent": p.NeedsConsent()})
		full = append(full, map[string]any{"purpose": pk, "name": a.purposeName(p, lang), "statement": statement(p, lang), "basis": string(p.Basis),
			"data": data, "retention_days": ret, "recipients": recips, "separate_consent": p.SeparateConsent,
			"automated_decision": p.AutomatedDecision, "marketing": p.Marketing})
	}
	return map[string]any{"version": seq, "hash": m.Hash(), "lang": lang, "moment": moment, "summary": summary, "full": full}, nil
}

// Notice implements server.Manifests: the notice in force (public, for the SDK and shop
// pages) or of a stored version (seq > 0, operators).
func (m manifests) Notice(ctx context.Context, seq int64, lang, moment string) (any, error) {
	if lang != "zh-CN" {
		lang = "en"
	}
	if seq <= 0 {
		r := m.a.regime.Load()
		return m.a.notice(r.m, r.seq, lang, moment)
	}
	_, mf, err := m.load(ctx, seq)
	if err != nil {
		return nil, err
	}
	return m.a.notice(mf, seq, lang, moment)
}
