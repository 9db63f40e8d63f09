package assessment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// Triggers: why a purpose needs an impact assessment (PIPL Art. 55).
const (
	TriggerSensitive = "sensitive_data"     // Art. 55(1)
	TriggerAutomated = "automated_decision" // Art. 55(2)
	TriggerAbroad    = "transfer_abroad"    // Art. 55(4)
)

// Abroad is a recipient abroad a purpose feeds.
type Abroad struct {
	Recipient string   `json:"recipient"`
	Countries []string `json:"countries"`
	Mechanism string   `json:"mechanism"`
	Kind      string   `json:"kind"`
}

// Facts are what an impact assessment of a purpose covers: change any and the assessment
// no longer fits.
type Facts struct {
	Purpose           string   `json:"purpose"`
	Basis             string   `json:"basis"`
	AutomatedDecision bool     `json:"automated_decision"`
	Sensitive         []string `json:"sensitive_categories"`
	Abroad            []Abroad `json:"abroad"`
}

// FactsOf reads a purpose's facts off a manifest.
func FactsOf(m *manifest.Manifest, purpose string) Facts {
	f := Facts{Purpose: purpose, Sensitive: []string{}, Abroad: []Abroad{}}
	p, ok := m.Taxonomy.Purpose(purpose)
	if !ok {
		return f
	}
	f.Basis, f.AutomatedDecision = string(p.Basis), p.AutomatedDecision
	for _, c := range CategoriesOf(m, purpose) {
		if m.Sensitive(c) {
			f.Sensitive = append(f.Sensitive, c)
		}
	}
	for _, rc := range m.Recipients {
		if !rc.Serves(purpose) {
			continue
		}
		var abroad []string
		for _, c := range rc.Countries {
			if m.Abroad(c) {
				abroad = append(abroad, strings.ToUpper(c))
			}
		}
		if len(abroad) == 0 {
			continue
		}
		slices.Sort(abroad)
		a := Abroad{Recipient: rc.Name, Countries: abroad, Mechanism: rc.Transfer}
		if t, ok := m.Transfers[rc.Transfer]; ok {
			a.Kind = t.Kind
		}
		f.Abroad = append(f.Abroad, a)
	}
	slices.SortFunc(f.Abroad, func(a, b Abroad) int { return strings.Compare(a.Recipient, b.Recipient) })
	return f
}

// CategoriesOf lists, sorted, the categories of every field a purpose may read (the
// purpose itself or one it falls under is listed for the field).
func CategoriesOf(m *manifest.Manifest, purpose string) []string {
	seen := map[string]bool{}
	add := func(fs map[string]manifest.Field) {
		for _, f := range fs {
			for _, p := range f.Purposes {
				if taxonomy.Beneath(purpose, p) {
					seen[f.Category] = true
				}
			}
		}
	}
	add(m.Common)
	for _, e := range m.Events {
		add(e.Fields)
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Triggers lists why the purpose needs an impact assessment; none means it does not.
func (f Facts) Triggers() []string {
	var out []string
	if len(f.Sensitive) > 0 {
		out = append(out, TriggerSensitive)
	}
	if f.AutomatedDecision {
		out = append(out, TriggerAutomated)
	}
	if len(f.Abroad) > 0 || f.Purpose == taxonomy.PurposeCrossBorderTransfer {
		out = append(out, TriggerAbroad)
	}
	return out
}

// Fingerprint is the hex sha256 of the facts' JSON (fields in a fixed order, lists sorted).
func (f Facts) Fingerprint() string {
	b, _ := json.Marshal(f)
	h := sha256.Sum256(append([]byte("steward/assessment/facts/v1\x00"), b...))
	return hex.EncodeToString(h[:])
}

// Need is a purpose of a manifest that needs an approved impact assessment.
type Need struct {
	Purpose     string   `json:"purpose"`
	Triggers    []string `json:"triggers"`
	Fingerprint string   `json:"fingerprint"`
}

// Needs lists the purposes of a manifest that need an impact assessment, by key.
func Needs(m *manifest.Manifest) []Need {
	var out []Need
	for _, p := range m.Taxonomy.Purposes() {
		f := FactsOf(m, p.Key)
		if t := f.Triggers(); len(t) > 0 {
			out = append(out, Need{Purpose: p.Key, Triggers: t, Fingerprint: f.Fingerprint()})
		}
	}
	return out
}
