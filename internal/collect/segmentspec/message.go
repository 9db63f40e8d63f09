package segmentspec

import (
	"encoding/json"
	"time"
)

// Type is a Segment message type.
type Type string

// The six Segment message types.
const (
	TypeIdentify Type = "identify"
	TypeTrack    Type = "track"
	TypePage     Type = "page"
	TypeScreen   Type = "screen"
	TypeGroup    Type = "group"
	TypeAlias    Type = "alias"
)

// Valid reports whether t is one of the six types.
func (t Type) Valid() bool {
	switch t {
	case TypeIdentify, TypeTrack, TypePage, TypeScreen, TypeGroup, TypeAlias:
		return true
	}
	return false
}

// Message is one decoded, validated Segment message. Object-valued fields hold
// what json.Decoder.UseNumber produces (map[string]any, []any, string,
// json.Number, bool, nil), so large integers survive untouched. Absent and
// null fields are zero values.
type Message struct {
	Type Type
	// MessageID is the client's messageId, or one the decoder derived from the
	// message bytes when the client sent none (MessageIDGenerated is then true).
	MessageID          string
	MessageIDGenerated bool

	AnonymousID string
	UserID      string
	PreviousID  string // alias
	GroupID     string // group
	Event       string // track
	Name        string // page, screen

	Properties map[string]any // track, page, screen
	Traits     map[string]any // identify, group

	// Context is the message's context with the batch context merged under it
	// (message keys win).
	Context Context
	// Integrations is the message's integrations with the batch integrations
	// merged under it (message keys win).
	Integrations Integrations

	// Timestamp is when the event happened, corrected for the client's clock
	// skew and never after ReceivedAt. OriginalTimestamp is the client's own
	// claim (its originalTimestamp, else its timestamp), zero when it sent
	// none. SentAt is the client's sentAt (the message's, else the batch's),
	// zero when absent. ReceivedAt is the server's clock.
	Timestamp         time.Time
	OriginalTimestamp time.Time
	SentAt            time.Time
	ReceivedAt        time.Time

	// Extra holds the other top-level members as received (version, channel,
	// category, _metadata, …), for the minimisation step to keep or drop
	// (PM-01: fields not on the event type's allow-list are never stored).
	Extra map[string]json.RawMessage

	// Raw is the message object as the client sent it (before the batch
	// context was merged in): its members in the received order with their
	// original value bytes, minus writeKey, which is a credential.
	Raw json.RawMessage
}

// Context is a message's context object, with typed accessors for the keys
// Steward acts on. The decoder guarantees the accessed keys have the types the
// accessors expect, so an accessor's zero result means "absent".
type Context map[string]any

// Consent returns context.consent.categoryPreferences: the consent category
// names (as the site's consent manager calls them) mapped to granted or not,
// one of the signals the consent gate weighs (NC-02). ok is false when the
// message carries no preferences.
func (c Context) Consent() (prefs map[string]bool, ok bool) {
	consent, _ := c["consent"].(map[string]any)
	raw, isObj := consent["categoryPreferences"].(map[string]any)
	if !isObj {
		return nil, false
	}
	prefs = make(map[string]bool, len(raw))
	for k, v := range raw {
		if b, isBool := v.(bool); isBool {
			prefs[k] = b
		}
	}
	return prefs, true
}

// GPC returns context.gpc, the Global Privacy Control signal the client saw
// (navigator.globalPrivacyControl; NC-08). set is false when the key is absent.
func (c Context) GPC() (on, set bool) {
	on, set = c["gpc"].(bool)
	return on, set
}

// IP returns context.ip as the client sent it.
func (c Context) IP() string { return c.str("ip") }

// UserAgent returns context.userAgent.
func (c Context) UserAgent() string { return c.str("userAgent") }

// Locale returns context.locale (e.g. "zh-CN").
func (c Context) Locale() string { return c.str("locale") }

// Library identifies the SDK that sent a message.
type Library struct {
	Name    string
	Version string
}

// Library returns context.library.
func (c Context) Library() Library {
	m, _ := c["library"].(map[string]any)
	return Library{Name: strOf(m["name"]), Version: strOf(m["version"])}
}

// Page is context.page as analytics.js fills it.
type Page struct {
	Path     string
	Referrer string
	Search   string
	Title    string
	URL      string
}

// Page returns context.page.
func (c Context) Page() Page {
	m, _ := c["page"].(map[string]any)
	return Page{
		Path:     strOf(m["path"]),
		Referrer: strOf(m["referrer"]),
		Search:   strOf(m["search"]),
		Title:    strOf(m["title"]),
		URL:      strOf(m["url"]),
	}
}

// ExternalID is one entry of context.externalIds, Segment's way of naming a
// subject by an identifier other than userId (e.g. {id, type: "email",
// collection: "users", encoding: "none"}).
type ExternalID struct {
	ID         string
	Type       string
	Collection string
	Encoding   string
}

// ExternalIDs returns context.externalIds.
func (c Context) ExternalIDs() []ExternalID {
	list, _ := c["externalIds"].([]any)
	if len(list) == 0 {
		return nil
	}
	out := make([]ExternalID, 0, len(list))
	for _, v := range list {
		m, _ := v.(map[string]any)
		out = append(out, ExternalID{
			ID:         strOf(m["id"]),
			Type:       strOf(m["type"]),
			Collection: strOf(m["collection"]),
			Encoding:   strOf(m["encoding"]),
		})
	}
	return out
}

// Traits returns context.traits (the traits analytics.js attaches to events
// other than identify).
func (c Context) Traits() map[string]any {
	m, _ := c["traits"].(map[string]any)
	return m
}

func (c Context) str(key string) string { return strOf(c[key]) }

func strOf(v any) string {
	s, _ := v.(string)
	return s
}

// Integrations is a message's integrations object: destination names mapped
// to true, false or a per-destination options object, with "All" as the
// default for names not listed.
type Integrations map[string]any

// Enabled reports whether the message may go to the named destination:
// its own entry if it is a boolean (an options object means enabled),
// otherwise "All", otherwise true.
func (in Integrations) Enabled(name string) bool {
	switch v := in[name].(type) {
	case bool:
		return v
	case map[string]any:
		return true
	}
	if all, ok := in["All"].(bool); ok {
		return all
	}
	return true
}
