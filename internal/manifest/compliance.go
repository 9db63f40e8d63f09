package manifest

import (
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// Compliance keys (issue 26).
//
// on_expiry says, per data category, what retention does with data of that category once
// every purpose that could read it has had its time: delete it (the default) or anonymise
// it — the events go, and only anonymous monthly counts and sums of their numeric fields
// remain (RT-01 "anonymise-on-expiry"). A setting covers the category and everything
// beneath it; the nearest one wins.
//
//	on_expiry:
//	  user.behavior.purchase_history: anonymise
//
// A transfer mechanism may carry its evidence: the filing or certificate reference, when
// it was filed or granted, and until when it is valid. The transfer register refuses a
// transfer under a mechanism that is not in force (see package transfer).
//
//	transfers:
//	  cn-standard-contract-2025-01:
//	    kind: standard_contract
//	    countries: [DE]
//	    reference: SH-CAC-SCC-2025-0001
//	    filed: 2025-01-15
//	    valid_until: 2030-12-31

// Expiry actions.
const (
	ExpiryDelete    = "delete"
	ExpiryAnonymise = "anonymise"
)

// ExpiryOf returns what retention does with data of a category: the nearest setting of
// on_expiry at or above it, else delete.
func (m *Manifest) ExpiryOf(category string) string {
	for k := category; k != ""; {
		if a, ok := m.OnExpiry[k]; ok {
			return a
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return ExpiryDelete
}

// CategoryDays returns the retention in days the manifest sets for a category: the
// nearest setting of the retention section at or above it, or 0 when none applies.
func (m *Manifest) CategoryDays(category string) int {
	for k := category; k != ""; {
		if d, ok := m.CategoryRetention[k]; ok {
			return d
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

func (p *parser) onExpiry(m *Manifest, n *yaml.Node) {
	for _, kv := range p.mapping(n, "on_expiry", nil) {
		if _, ok := m.Taxonomy.Category(kv.k.Value); !ok {
			p.errf(kv.k, "on_expiry: unknown category %q", kv.k.Value)
			continue
		}
		v, ok := p.str(kv.v, "on_expiry of "+kv.k.Value)
		if !ok {
			continue
		}
		if v != ExpiryDelete && v != ExpiryAnonymise {
			p.errf(kv.v, "on_expiry of %s: %q is neither delete nor anonymise", kv.k.Value, v)
			continue
		}
		if c, _ := m.Taxonomy.Category(kv.k.Value); v == ExpiryAnonymise && c.Identifier {
			// An identifier summed or counted is still about one person once keyed by
			// itself; anonymising means nothing of it is kept.
			p.errf(kv.v, "on_expiry of %s: an identifier cannot be anonymised, only deleted", kv.k.Value)
			continue
		}
		if m.OnExpiry == nil {
			m.OnExpiry = map[string]string{}
		}
		m.OnExpiry[kv.k.Value] = v
	}
}

// transferKeys are the evidence keys of a transfer mechanism (beside kind and countries).
var transferKeys = []string{"reference", "filed", "valid_until"}

// transferEvidence reads one evidence key of a transfer mechanism.
func (p *parser) transferEvidence(t *Transfer, f pair) {
	v, ok := p.str(f.v, f.k.Value)
	if !ok {
		return
	}
	switch f.k.Value {
	case "reference":
		t.Reference = v
	case "filed", "valid_until":
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			p.errf(f.v, "transfer %s: %s must be a date (YYYY-MM-DD)", t.Key, f.k.Value)
			return
		}
		if f.k.Value == "filed" {
			t.Filed = v
		} else {
			t.ValidUntil = v
		}
	}
	if t.Filed != "" && t.ValidUntil != "" && t.ValidUntil < t.Filed {
		p.errf(f.v, "transfer %s: valid_until %s is before filed %s", t.Key, t.ValidUntil, t.Filed)
	}
}

// CACKinds are the mechanisms PIPL Art. 38 accepts for data leaving China; GDPRKinds those
// GDPR Arts. 45–47 accept for data leaving the EEA.
var (
	CACKinds  = []string{"security_assessment", "certification", "standard_contract"}
	GDPRKinds = []string{"adequacy", "sccs", "bcrs"}
)

// InForce reports whether the mechanism is in force on a day ("2006-01-02"): filed (when a
// date is given) on or before it and valid (when a date is given) through it. Mechanisms the
// CAC files or grants (standard contract, certification, security assessment) need their
// reference to count at all.
func (t Transfer) InForce(day string) (bool, string) {
	if slices.Contains(CACKinds, t.Kind) && t.Reference == "" {
		return false, "no filing or certificate reference recorded"
	}
	if (t.Kind == "security_assessment" || t.Kind == "certification") && t.ValidUntil == "" {
		return false, "no validity recorded (a CAC security assessment or a certification is granted for a limited time)"
	}
	if t.Filed != "" && day < t.Filed {
		return false, "not yet filed on " + day + " (filed " + t.Filed + ")"
	}
	if t.ValidUntil != "" && day > t.ValidUntil {
		return false, "expired on " + t.ValidUntil
	}
	return true, ""
}

// Covers reports whether the mechanism covers a country.
func (t Transfer) Covers(country string) bool {
	for _, c := range t.Countries {
		if strings.EqualFold(c, country) {
			return true
		}
	}
	return false
}

// Sensitive reports whether a category is graded sensitive (PIPL Art. 28).
func (m *Manifest) Sensitive(category string) bool {
	c, ok := m.Taxonomy.Category(category)
	return ok && c.Grade == taxonomy.Sensitive
}
