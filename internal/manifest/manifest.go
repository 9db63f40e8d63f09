package manifest

import (
	"slices"
	"sort"
	"strings"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// Manifest is a parsed, consistent privacy manifest.
type Manifest struct {
	Name string
	// Seq is the manifest's own version number (the `version:` key): operators bump it, the
	// store keeps every version with its Hash.
	Seq  int
	Home string // ISO country of the deployment; recipients elsewhere are abroad
	// Taxonomy is the published taxonomy with this manifest's categories and purposes applied.
	Taxonomy *taxonomy.Taxonomy
	// Retention is the retention in days the deployment applies per purpose.
	PurposeRetention map[string]int
	// CategoryRetention is the retention in days per category, where the manifest sets one.
	CategoryRetention map[string]int
	// OnExpiry is what retention does with a category's expired data: delete (default) or
	// anonymise (issue 26; see ExpiryOf).
	OnExpiry   map[string]string
	Consent    map[string][]string // Segment categoryPreferences name → purposes
	Common     map[string]Field    // fields every event may carry (context.ip, …)
	Events     map[string]Event    // event type → schema
	Recipients []Recipient
	Transfers  map[string]Transfer
	// Controller is who is responsible, as the manifest declares it.
	Controller Controller
	// Tiers are the privacy tiers offered, from most to least sharing (issue 25).
	Tiers []Tier
	// Subscription is the privacy subscription on offer, nil when none (issue 25).
	Subscription *Subscription
	// Campaigns are the limits on marketing messages (issue 19); nil when the manifest
	// declares none (CampaignLimits gives the defaults then).
	Campaigns *Campaigns
	// Tags are the tags the manifest declares, in file order (issue 8).
	Tags []Tag
	// Hierarchies are the generalisation hierarchies of categorical traits, for anonymised
	// exports (issue 21), in file order.
	Hierarchies []Hierarchy
	// Labels name event types and fields for people (display text only).
	Labels     Labels
	extensions []taxonomy.Category
}

// Field is one allowed field of an event.
type Field struct {
	Path     string   // dotted path: properties.revenue, traits.email, context.ip
	Category string   // data category key
	Purposes []string // purposes this field may serve
	// Type is "number" for numeric values (usable in sum() and trait comparisons with
	// numbers), "date" for ISO 8601 dates and RFC 3339 timestamps (anonymised exports
	// generalise them by month, quarter and year); empty or "string" otherwise.
	Type string
}

// Event is the schema of one event type.
type Event struct {
	Type   string
	Fields map[string]Field
}

// Recipient is a third party that receives data. A separate consent to share with it names
// it with its contact, what it receives and how (PIPL Arts. 23, 39).
type Recipient struct {
	Name      string
	Purposes  []string
	Countries []string
	Transfer  string // key of the transfer mechanism covering recipients abroad
	// Contact is how people reach the recipient; Method how the data is provided (e.g.
	// "hashed identifiers uploaded to its audience API"); Categories what it receives.
	Contact    string   `json:",omitempty"`
	Method     string   `json:",omitempty"`
	Categories []string `json:",omitempty"`
}

// Controller is the organisation responsible for the processing (PIPL Art. 17 and 52: its
// name, contact, and personal-information protection officer; GDPR Art. 13: the DPO).
type Controller struct {
	Name    string `json:",omitempty"`
	Address string `json:",omitempty"`
	Contact string `json:",omitempty"`
	PIPO    string `json:",omitempty"`
	DPO     string `json:",omitempty"`
}

// Transfer is a recorded cross-border transfer mechanism (PIPL Art. 38: CAC security
// assessment, certification, standard contract; GDPR Art. 46: SCCs, BCRs, adequacy).
type Transfer struct {
	Key       string
	Kind      string
	Countries []string
	// Evidence of the mechanism (issue 26): the filing or certificate reference, the day it
	// was filed or granted and the last day it is valid ("2006-01-02"; see InForce).
	Reference  string `json:",omitempty"`
	Filed      string `json:",omitempty"`
	ValidUntil string `json:",omitempty"`
}

// Transfer mechanism kinds.
var transferKinds = []string{"security_assessment", "certification", "standard_contract", "adequacy", "sccs", "bcrs"}

// Version returns the manifest's version number.
func (m *Manifest) Version() int { return m.Seq }

// EventType returns the schema key for a Segment message: the event name for track calls,
// the message type itself for page, screen, identify, group and alias.
func EventType(msgType, event string) string {
	if msgType == "track" {
		return event
	}
	return msgType
}

// FieldFor returns the schema entry for path in events of eventType, falling back to the
// fields common to every event. ok is false for a field the manifest does not allow: the
// collector drops it (PM-01).
func (m *Manifest) FieldFor(eventType, path string) (Field, bool) {
	if ev, ok := m.Events[eventType]; ok {
		if f, ok := ev.Fields[path]; ok {
			return f, true
		}
	} else if eventType != "" {
		return Field{}, false
	}
	f, ok := m.Common[path]
	return f, ok
}

// ConsentPurposes returns the purposes a Segment context.consent.categoryPreferences name
// (Analytics, Personalization, Advertising, ThirdPartySharing, CrossBorder) stands for.
func (m *Manifest) ConsentPurposes(categoryPreference string) []string {
	return m.Consent[categoryPreference]
}

// Consents turns Segment categoryPreferences (name → granted) into purpose consents
// (purpose → granted) for policy.Facts. A purpose named by several preferences is granted
// only if every one of them is: withholding any choice that covers it withholds it.
func (m *Manifest) Consents(prefs map[string]bool) map[string]bool {
	out := map[string]bool{}
	for name, granted := range prefs {
		for _, p := range m.Consent[name] {
			if prev, seen := out[p]; seen {
				out[p] = prev && granted
			} else {
				out[p] = granted
			}
		}
	}
	return out
}

// PurposeKeys returns the manifest's purposes, sorted.
func (m *Manifest) PurposeKeys() []string {
	var out []string
	for _, p := range m.Taxonomy.Purposes() {
		out = append(out, p.Key)
	}
	return out
}

// EventTypes returns the declared event types, sorted.
func (m *Manifest) EventTypes() []string {
	out := make([]string, 0, len(m.Events))
	for k := range m.Events {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Recipient returns the recipient called name.
func (m *Manifest) Recipient(name string) (Recipient, bool) {
	for _, r := range m.Recipients {
		if r.Name == name {
			return r, true
		}
	}
	return Recipient{}, false
}

// Abroad reports whether country lies outside the deployment's home.
func (m *Manifest) Abroad(country string) bool { return !strings.EqualFold(country, m.Home) }

// Serves reports whether r may receive data for purpose.
func (r Recipient) Serves(purpose string) bool { return slices.Contains(r.Purposes, purpose) }
