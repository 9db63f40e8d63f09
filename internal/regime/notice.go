package regime

import (
	"errors"
	"fmt"
	"sort"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// ErrUnknownMoment is a just-in-time notice asked for a moment the notices do not know.
var ErrUnknownMoment = errors.New("notice: unknown moment (registration, search, checkout, browsing, location, photo_upload)")

// moments are the just-in-time notices: the instant a purpose starts, the event types that
// carry it (NC-01).
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

// icon names the pictogram of each purpose family in the one-screen summary.
func icon(purpose string) string {
	for _, p := range []struct{ family, icon string }{{"essential", "cart"}, {"analytics", "chart"}, {"personalize", "sparkle"},
		{"marketing", "megaphone"}, {"third_party_sharing", "handshake"}, {"cross_border_transfer", "globe"}} {
		if taxonomy.Beneath(purpose, p.family) {
			return p.icon
		}
	}
	return "info"
}

// NoticeDoc is the layered notice of one manifest version in one language: a one-screen
// summary (what, why, how long, who receives) and the full text, versioned and hashed.
type NoticeDoc struct {
	Version int64          `json:"version"`
	Hash    string         `json:"hash"`
	Lang    string         `json:"lang"`
	Moment  string         `json:"moment"`
	Summary []NoticeLayer1 `json:"summary"`
	Full    []NoticeLayer2 `json:"full"`
	// Incentives is the notice of financial incentive, in the full notice of a manifest
	// that offers privacy tiers (CCPA §7016).
	Incentives *NoticeIncentives `json:"incentives,omitempty"`
}

// NoticeLayer1 is one purpose on the notice's first screen.
type NoticeLayer1 struct {
	Purpose       string   `json:"purpose"`
	Name          string   `json:"name"`
	Icon          string   `json:"icon"`
	What          string   `json:"what"`
	RetentionDays int      `json:"retention_days"`
	Recipients    []string `json:"recipients"`
	NeedsConsent  bool     `json:"needs_consent"`
}

// NoticeLayer2 is one purpose in the notice's full text.
type NoticeLayer2 struct {
	Purpose           string   `json:"purpose"`
	Name              string   `json:"name"`
	Statement         string   `json:"statement"`
	Basis             string   `json:"basis"`
	Data              []string `json:"data"`
	RetentionDays     int      `json:"retention_days"`
	Recipients        []string `json:"recipients"`
	SeparateConsent   bool     `json:"separate_consent"`
	AutomatedDecision bool     `json:"automated_decision"`
	Marketing         bool     `json:"marketing"`
}

// NoticeFor renders the notice in lang, of every purpose or, for a moment, of the purposes
// that start there.
func (r *Regime) NoticeFor(lang, moment string) (NoticeDoc, error) {
	m := r.m
	purposes := m.PurposeKeys()
	if moment != "" {
		ets, ok := moments[moment]
		if !ok {
			return NoticeDoc{}, fmt.Errorf("%w: %q", ErrUnknownMoment, moment)
		}
		set := map[string]bool{}
		for _, et := range ets {
			if et == "location" {
				for c, ps := range r.uses.purposesOf {
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
	doc := NoticeDoc{Version: r.seq, Hash: m.Hash(), Lang: lang, Moment: moment, Summary: []NoticeLayer1{}, Full: []NoticeLayer2{}}
	for _, pk := range purposes {
		p, ok := m.Taxonomy.Purpose(pk)
		if !ok {
			continue
		}
		ret := r.Retention(pk)
		var recips []string
		for _, rc := range m.Recipients {
			if rc.Serves(pk) {
				recips = append(recips, fmt.Sprintf("%s (%v)", rc.Name, rc.Countries))
			}
		}
		var data []string
		seen := map[string]bool{}
		for _, c := range r.uses.categoriesOf[pk] {
			if n := r.CategoryName(c, lang); !seen[n] {
				seen[n] = true
				data = append(data, n)
			}
		}
		sort.Strings(data)
		doc.Summary = append(doc.Summary, NoticeLayer1{Purpose: pk, Name: r.PurposeName(pk, lang), Icon: icon(pk), What: r.Statement(pk, lang),
			RetentionDays: ret, Recipients: recips, NeedsConsent: p.NeedsConsent()})
		doc.Full = append(doc.Full, NoticeLayer2{Purpose: pk, Name: r.PurposeName(pk, lang), Statement: r.Statement(pk, lang), Basis: string(p.Basis),
			Data: data, RetentionDays: ret, Recipients: recips, SeparateConsent: p.SeparateConsent,
			AutomatedDecision: p.AutomatedDecision, Marketing: p.Marketing})
	}
	if moment == "" {
		doc.Incentives = r.incentives(lang)
	}
	return doc, nil
}

// Taxonomy is the categories (with PIPL grades) and purposes (with bases, retention and
// statements) of the manifest in force, named for people in one language.
type Taxonomy struct {
	Categories []TaxonomyCategory `json:"categories"`
	Purposes   []TaxonomyPurpose  `json:"purposes"`
}

// TaxonomyCategory is one data category.
type TaxonomyCategory struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	Grade      string `json:"grade"`
	Art28      string `json:"art28"`
	Identifier bool   `json:"identifier"`
}

// TaxonomyPurpose is one purpose.
type TaxonomyPurpose struct {
	Key               string `json:"key"`
	Name              string `json:"name"`
	Basis             string `json:"basis"`
	RetentionDays     int    `json:"retention_days"`
	Statement         string `json:"statement"`
	SeparateConsent   bool   `json:"separate_consent"`
	Marketing         bool   `json:"marketing"`
	AutomatedDecision bool   `json:"automated_decision"`
	Targeting         bool   `json:"targeting"`
	SaleShare         bool   `json:"sale_share"`
}

// TaxonomyIn returns the taxonomy in lang.
func (r *Regime) TaxonomyIn(lang string) Taxonomy {
	t := Taxonomy{Categories: []TaxonomyCategory{}, Purposes: []TaxonomyPurpose{}}
	for _, c := range r.m.Taxonomy.Categories() {
		t.Categories = append(t.Categories, TaxonomyCategory{Key: c.Key, Name: r.CategoryName(c.Key, lang), Grade: string(c.Grade), Art28: c.Art28, Identifier: c.Identifier})
	}
	for _, p := range r.m.Taxonomy.Purposes() {
		t.Purposes = append(t.Purposes, TaxonomyPurpose{Key: p.Key, Name: r.PurposeName(p.Key, lang), Basis: string(p.Basis), RetentionDays: r.Retention(p.Key),
			Statement: r.Statement(p.Key, lang), SeparateConsent: p.SeparateConsent, Marketing: p.Marketing,
			AutomatedDecision: p.AutomatedDecision, Targeting: p.Targeting, SaleShare: p.SaleShare})
	}
	return t
}
