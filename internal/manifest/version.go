package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// canon is the canonical form hashed and diffed: maps (which encoding/json writes with
// sorted keys) and no layout, comments or key order from the YAML.
type canon struct {
	Version    int                          `json:"version"`
	Home       string                       `json:"home"`
	Categories map[string]taxonomy.Category `json:"categories"`
	Purposes   map[string]canonPurpose      `json:"purposes"`
	Consent    map[string][]string          `json:"consent"`
	Common     map[string]Field             `json:"common"`
	Events     map[string]map[string]Field  `json:"events"`
	Retention  map[string]int               `json:"retention"`
	Recipients map[string]Recipient         `json:"recipients"`
	Transfers  map[string]Transfer          `json:"transfers"`
	Controller *Controller                  `json:"controller,omitempty"`
	Tiers      []Tier                       `json:"tiers,omitempty"`
	// Subscription is part of the financial-incentive terms people are told.
	Subscription *Subscription `json:"subscription,omitempty"`
	// Hierarchies by identify field; omitted when there are none, so manifests written
	// before the section existed keep their hash.
	Hierarchies map[string]Hierarchy `json:"hierarchies,omitempty"`
	Campaigns   *Campaigns           `json:"campaigns,omitempty"`
	// OnExpiry by category (issue 26); omitted when unset, as hierarchies.
	OnExpiry map[string]string `json:"on_expiry,omitempty"`
}

type canonPurpose struct {
	taxonomy.Purpose
	RetentionDays int `json:"RetentionDays"`
}

func (m *Manifest) canon() canon {
	c := canon{Version: m.Seq, Home: m.Home, Categories: map[string]taxonomy.Category{}, Purposes: map[string]canonPurpose{},
		Consent: m.Consent, Common: m.Common, Events: map[string]map[string]Field{}, Retention: m.CategoryRetention,
		Recipients: map[string]Recipient{}, Transfers: m.Transfers}
	for _, e := range m.extensions {
		c.Categories[e.Key], _ = m.Taxonomy.Category(e.Key)
	}
	for _, p := range m.Taxonomy.Purposes() {
		c.Purposes[p.Key] = canonPurpose{p, m.PurposeRetention[p.Key]}
	}
	for k, e := range m.Events {
		c.Events[k] = e.Fields
	}
	for _, r := range m.Recipients {
		c.Recipients[r.Name] = r
	}
	c.Tiers = m.Tiers
	c.OnExpiry = m.OnExpiry
	c.Subscription = m.Subscription
	c.Campaigns = m.Campaigns
	if m.Controller != (Controller{}) {
		ctl := m.Controller
		c.Controller = &ctl
	}
	if len(m.Hierarchies) > 0 {
		c.Hierarchies = map[string]Hierarchy{}
		for _, h := range m.Hierarchies {
			c.Hierarchies[h.Field] = h
		}
	}
	return c
}

// Canonical returns the canonical JSON form of the manifest.
func (m *Manifest) Canonical() []byte {
	b, err := json.Marshal(m.canon())
	if err != nil {
		panic("manifest: canonical form: " + err.Error()) // plain data: cannot fail
	}
	return b
}

// Hash returns the hex sha256 of the canonical form: the version identity a consent record
// and an audit entry cite.
func (m *Manifest) Hash() string {
	h := sha256.Sum256(m.Canonical())
	return hex.EncodeToString(h[:])
}

// Change is one difference between two manifest versions.
type Change struct {
	Kind string // "added", "removed", "changed"
	Path string // dotted path into the canonical form, e.g. purposes.analytics.reporting.Basis
	From string // JSON of the old value ("" when added)
	To   string // JSON of the new value ("" when removed)
}

func (c Change) String() string {
	switch c.Kind {
	case "added":
		return fmt.Sprintf("+ %s = %s", c.Path, c.To)
	case "removed":
		return fmt.Sprintf("- %s (was %s)", c.Path, c.From)
	}
	return fmt.Sprintf("~ %s: %s -> %s", c.Path, c.From, c.To)
}

// Diff lists the changes from a to b, sorted by path.
func Diff(a, b *Manifest) []Change {
	fa, fb := flatten(a), flatten(b)
	var out []Change
	for k, va := range fa {
		vb, ok := fb[k]
		switch {
		case !ok:
			out = append(out, Change{Kind: "removed", Path: k, From: va})
		case va != vb:
			out = append(out, Change{Kind: "changed", Path: k, From: va, To: vb})
		}
	}
	for k, vb := range fb {
		if _, ok := fa[k]; !ok {
			out = append(out, Change{Kind: "added", Path: k, To: vb})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// flatten maps every leaf of the canonical form to its JSON text. Objects are walked;
// lists are leaves (a changed purpose list shows as one change).
func flatten(m *Manifest) map[string]string {
	var v any
	if err := json.Unmarshal(m.Canonical(), &v); err != nil {
		panic("manifest: canonical form: " + err.Error())
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if obj, ok := v.(map[string]any); ok && len(obj) > 0 {
			for k, c := range obj {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, c)
			}
			return
		}
		b, _ := json.Marshal(v)
		out[prefix] = string(b)
	}
	walk("", v)
	return out
}
