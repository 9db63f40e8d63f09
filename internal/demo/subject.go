package demo

import (
	"time"
)

// Band is an age band as of Config.Now. Birthdays are drawn so that a
// subject stays in the same band for the whole generated window.
type Band string

// Age bands. Under14 matters for PIPL Art. 31 (SG-03), 14-17 for minors'
// rules and CCPA's under-16 opt-in (SG-05), 65+ for ARP Art. 19 (SG-04).
const (
	BandUnder14 Band = "under14"
	Band14to17  Band = "14-17"
	BandAdult   Band = "18-64"
	BandSenior  Band = "65+"
	BandUnknown Band = "unknown" // no birthday trait is sent
)

// Bands lists every band in a stable order.
func Bands() []Band {
	return []Band{BandUnder14, Band14to17, BandAdult, BandSenior, BandUnknown}
}

// Region is the legal region a subject lives in.
type Region string

// Regions. USCA is the United States with state California.
const (
	RegionCN    Region = "CN"
	RegionEU    Region = "EU"
	RegionUSCA  Region = "US-CA"
	RegionOther Region = "other"
)

// Regions lists every region in a stable order.
func Regions() []Region {
	return []Region{RegionCN, RegionEU, RegionUSCA, RegionOther}
}

// ConsentKind names the consent story a subject's messages tell; see doc.go
// for exactly what each kind puts on the wire.
type ConsentKind string

// Consent kinds.
const (
	ConsentNone                  ConsentKind = "none"
	ConsentAcceptAll             ConsentKind = "accept_all"
	ConsentRejectAll             ConsentKind = "reject_all"
	ConsentAnalyticsOnly         ConsentKind = "analytics_only"
	ConsentPartial               ConsentKind = "partial"
	ConsentWithdrawn             ConsentKind = "withdrawn"
	ConsentGuardian              ConsentKind = "guardian"
	ConsentGPC                   ConsentKind = "gpc"
	ConsentPersonalisationOff    ConsentKind = "personalisation_off"
	ConsentObjectDirectMarketing ConsentKind = "object_direct_marketing"
)

// ConsentKinds lists every consent kind in a stable order.
func ConsentKinds() []ConsentKind {
	return []ConsentKind{
		ConsentNone, ConsentAcceptAll, ConsentRejectAll, ConsentAnalyticsOnly,
		ConsentPartial, ConsentWithdrawn, ConsentGuardian, ConsentGPC,
		ConsentPersonalisationOff, ConsentObjectDirectMarketing,
	}
}

// changes reports whether the kind changes state part-way through the window.
func (k ConsentKind) changes() bool {
	return k == ConsentWithdrawn || k == ConsentPersonalisationOff || k == ConsentObjectDirectMarketing
}

// Preferences are the five consent categories, exactly as sent in
// context.consent.categoryPreferences.
type Preferences struct {
	Analytics         bool
	Personalization   bool
	Advertising       bool
	ThirdPartySharing bool
	CrossBorder       bool
}

var (
	prefsAll  = Preferences{true, true, true, true, true}
	prefsNone = Preferences{}
)

// Consent is everything a subject's client says about consent over the
// window. State returns what one message at a given time carries.
type Consent struct {
	Kind ConsentKind
	// Given is false when no choice was ever made: messages then carry no
	// context.consent object at all (ConsentNone, and some ConsentGPC).
	Given bool
	// Initial holds from the first message; Final from ChangedAt on. They
	// differ only for ConsentWithdrawn (Final is all false).
	Initial, Final Preferences
	// ChangedAt is when the later choice took effect (ConsentWithdrawn,
	// ConsentPersonalisationOff, ConsentObjectDirectMarketing); zero otherwise.
	ChangedAt time.Time
	// Guardian: context.consent.guardian is true on every message.
	Guardian bool
	// GPC: context.gpc is true on every message.
	GPC bool
	// PersonalisationOff / ObjectDirectMarketing: the flag is true on every
	// message from ChangedAt on.
	PersonalisationOff    bool
	ObjectDirectMarketing bool
}

// State is the consent signal carried by one message.
type State struct {
	Given                 bool // context.consent present
	Preferences           Preferences
	Guardian              bool
	GPC                   bool
	PersonalisationOff    bool
	ObjectDirectMarketing bool
}

// State returns what a message timestamped t carries.
func (c Consent) State(t time.Time) State {
	changed := !c.ChangedAt.IsZero() && !t.Before(c.ChangedAt)
	s := State{Given: c.Given, Preferences: c.Initial, Guardian: c.Guardian, GPC: c.GPC}
	if changed {
		s.Preferences = c.Final
		s.PersonalisationOff = c.PersonalisationOff
		s.ObjectDirectMarketing = c.ObjectDirectMarketing
	}
	return s
}

// Persona steers which categories a subject shops in.
type Persona string

// Personas. Expecting, Parent, Diabetic and SeniorCare shoppers buy
// health-revealing products (SG-01: pregnancy, infant, diabetes).
const (
	PersonaGeneral    Persona = "general"
	PersonaTech       Persona = "tech"
	PersonaFashion    Persona = "fashion"
	PersonaHome       Persona = "home"
	PersonaFoodie     Persona = "foodie"
	PersonaReader     Persona = "reader"
	PersonaParent     Persona = "parent"
	PersonaExpecting  Persona = "expecting"
	PersonaDiabetic   Persona = "diabetic"
	PersonaSeniorCare Persona = "senior_care"
	PersonaKid        Persona = "kid"
	PersonaTeen       Persona = "teen"
)

// Activity is how much a subject shops over the window.
type Activity string

// Activities: dormant subjects have one short session; heavy ones many
// sessions and most of the orders.
const (
	ActivityDormant Activity = "dormant"
	ActivityLight   Activity = "light"
	ActivityRegular Activity = "regular"
	ActivityHeavy   Activity = "heavy"
)

// Subject is one synthetic shopper, as a test elsewhere needs to pick it and
// as its identify message describes it. All personal values are synthetic:
// emails under example.com/.net/.org, fictional phone ranges, no real persons.
type Subject struct {
	Index       int    // position in Subjects(cfg); stable for a seed
	UserID      string // userId after login
	AnonymousID string // anonymousId of the subject's browser, before and after login

	Region  Region
	Country string // ISO 3166-1 alpha-2, also context.location.country
	State   string // traits.address.state: "CA" for US-CA, a province for CN, else ""
	City    string
	Locale  string // context.locale, e.g. zh-CN

	Band     Band
	Birthday string // YYYY-MM-DD; "" when Band is BandUnknown
	Name     string
	Email    string
	Phone    string // E.164; "" when none is sent
	Gender   string // "female", "male" or "" when not sent

	Persona  Persona
	Activity Activity
	Consent  Consent

	// FirstSeen is the first (anonymous) message; IdentifiedAt the identify.
	FirstSeen    time.Time
	IdentifiedAt time.Time
}

// Subjects returns the subjects Generate would produce for cfg, cheaply (no
// events are simulated). Subject i is the same for every cfg.Subjects > i.
func Subjects(cfg Config) ([]Subject, error) {
	c, err := cfg.normalise("subjects")
	if err != nil {
		return nil, err
	}
	out := make([]Subject, c.Subjects)
	for i := range out {
		out[i] = newShopper(c, i).Subject
	}
	return out, nil
}
