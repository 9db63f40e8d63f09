package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// shopper is a Subject plus what only the generator needs.
type shopper struct {
	Subject
	country   *country
	currency  string
	zh        bool // product names and queries in Chinese
	userAgent string
	ip        string
	createdAt time.Time
	hexID     string // userId without its prefix, reused in order and cart ids
	preLogin  int    // actions browsed anonymously before the identify
}

// showcase pins the first subjects so that every combination a test is
// likely to ask for exists even in a small shop.
var showcase = []struct {
	band     Band
	country  string
	kind     ConsentKind
	persona  Persona
	activity Activity
}{
	{BandAdult, "CN", ConsentAcceptAll, PersonaGeneral, ActivityRegular},
	{BandUnder14, "CN", ConsentGuardian, PersonaKid, ActivityRegular},
	{BandUnder14, "CN", ConsentNone, PersonaKid, ActivityLight},
	{BandUnder14, "CN", ConsentAcceptAll, PersonaKid, ActivityLight}, // accepted without a guardian
	{Band14to17, "CN", ConsentAnalyticsOnly, PersonaTeen, ActivityRegular},
	{BandSenior, "CN", ConsentPersonalisationOff, PersonaSeniorCare, ActivityRegular},
	{BandAdult, "CN", ConsentWithdrawn, PersonaExpecting, ActivityRegular},
	{BandAdult, "CN", ConsentPartial, PersonaDiabetic, ActivityRegular},
	{BandAdult, "CN", ConsentObjectDirectMarketing, PersonaParent, ActivityHeavy},
	{BandAdult, "CN", ConsentRejectAll, PersonaGeneral, ActivityRegular},
	{BandAdult, "US", ConsentGPC, PersonaGeneral, ActivityRegular},
	{Band14to17, "US", ConsentAcceptAll, PersonaTeen, ActivityRegular}, // SG-05: a Californian under 16
	{BandUnder14, "US", ConsentGuardian, PersonaKid, ActivityLight},
	{BandAdult, "US", ConsentWithdrawn, PersonaTech, ActivityHeavy},
	{BandAdult, "DE", ConsentRejectAll, PersonaGeneral, ActivityRegular},
	{BandAdult, "FR", ConsentWithdrawn, PersonaFashion, ActivityRegular},
	{BandSenior, "DE", ConsentObjectDirectMarketing, PersonaReader, ActivityRegular},
	{BandAdult, "NL", ConsentNone, PersonaGeneral, ActivityLight},
	{BandUnknown, "GB", ConsentAnalyticsOnly, PersonaGeneral, ActivityLight},
	{BandAdult, "IT", ConsentGPC, PersonaHome, ActivityRegular},
	{BandAdult, "CN", ConsentNone, PersonaParent, ActivityRegular},
	{BandAdult, "US", ConsentPersonalisationOff, PersonaFoodie, ActivityRegular},
	{BandSenior, "US", ConsentAcceptAll, PersonaDiabetic, ActivityHeavy},
	{BandAdult, "CN", ConsentAcceptAll, PersonaExpecting, ActivityHeavy},
}

var (
	regionOrder   = []Region{RegionCN, RegionEU, RegionUSCA, RegionOther}
	regionWeights = []float64{60, 18, 15, 7}
	bandOrder     = []Band{BandUnder14, Band14to17, BandAdult, BandSenior, BandUnknown}
	bandWeights   = []float64{4, 6, 73, 12, 5}
	activities    = []Activity{ActivityDormant, ActivityLight, ActivityRegular, ActivityHeavy}
	activityW     = []float64{12, 35, 43, 10}
)

// bandAges is the inclusive age range drawn for each band.
var bandAges = map[Band][2]int{
	BandUnder14: {6, 13}, Band14to17: {14, 17}, BandAdult: {18, 64}, BandSenior: {65, 92}, BandUnknown: {18, 64},
}

type weightedPersona struct {
	p Persona
	w float64
}

var bandPersonas = map[Band][]weightedPersona{
	BandUnder14: {{PersonaKid, 70}, {PersonaReader, 15}, {PersonaGeneral, 15}},
	Band14to17:  {{PersonaTeen, 45}, {PersonaFashion, 20}, {PersonaTech, 20}, {PersonaReader, 15}},
	BandAdult: {{PersonaGeneral, 25}, {PersonaTech, 12}, {PersonaFashion, 12}, {PersonaHome, 10}, {PersonaFoodie, 10},
		{PersonaReader, 6}, {PersonaParent, 12}, {PersonaExpecting, 6}, {PersonaDiabetic, 4}, {PersonaSeniorCare, 3}},
	BandSenior: {{PersonaSeniorCare, 30}, {PersonaDiabetic, 15}, {PersonaGeneral, 20}, {PersonaReader, 10},
		{PersonaHome, 10}, {PersonaFoodie, 15}},
	BandUnknown: {{PersonaGeneral, 60}, {PersonaTech, 10}, {PersonaFashion, 10}, {PersonaHome, 10}, {PersonaFoodie, 10}},
}

func newShopper(c config, i int) *shopper {
	r := newRand(c.Seed, i, streamAttributes)
	s := &shopper{}
	s.Index = i
	id := mix(uint64(i) + mix(c.Seed))
	s.hexID = fmt.Sprintf("%016x", id)
	s.UserID = "u" + s.hexID
	s.AnonymousID = uuid4(r)

	var pin *struct {
		band     Band
		country  string
		kind     ConsentKind
		persona  Persona
		activity Activity
	}
	if i < len(showcase) {
		pin = &showcase[i]
	}

	// Where and how old.
	if pin != nil {
		s.country = countryByCode(pin.country)
		s.Band = pin.band
	} else {
		s.country = drawCountry(r, regionOrder[pick(r, regionWeights)])
		s.Band = bandOrder[pick(r, bandWeights)]
	}
	s.Region = s.country.region
	s.Country = s.country.code
	s.currency = s.country.currency
	pl := oneOf(r, s.country.places)
	s.City, s.State = pl.city, pl.state
	s.Locale = oneOf(r, s.country.locales)
	s.zh = s.Locale[:2] == "zh"
	birth, age := drawBirthday(r, c, s.Band)
	if s.Band != BandUnknown {
		s.Birthday = birth.Format(time.DateOnly)
	}

	// Who: name, gender, contact.
	female := chance(r, 0.5)
	if chance(r, 0.65) {
		s.Gender = "male"
		if female {
			s.Gender = "female"
		}
	}
	var first, last string
	if s.country.names == nil {
		sur := oneOf(r, cnSurnames)
		given := oneOf(r, cnGiven(female, age))
		s.Name = sur.han + given.han
		first, last = given.pinyin, sur.pinyin
	} else {
		n := s.country.names
		if female {
			first = oneOf(r, n.female)
		} else {
			first = oneOf(r, n.male)
		}
		last = oneOf(r, n.surnames)
		s.Name = first + " " + last
		first, last = emailPart(first), emailPart(last)
	}
	sep := oneOf(r, []string{".", "", "_"})
	// The trailing index makes every address unique: the local part is
	// letters followed by the decimal index.
	s.Email = first + sep + last + strconv.Itoa(i) + "@" + oneOf(r, emailDomains)
	if s.Band != BandUnder14 && chance(r, 0.85) {
		s.Phone = phoneNumber(r, s.country.phone, i)
	}

	// What they shop for and how much.
	if pin != nil {
		s.Persona, s.Activity = pin.persona, pin.activity
	} else {
		ps := bandPersonas[s.Band]
		w := make([]float64, len(ps))
		for k, p := range ps {
			w[k] = p.w
		}
		s.Persona = ps[pick(r, w)].p
		s.Activity = activities[pick(r, activityW)]
	}

	// Consent.
	kind := drawKind(r, s.Region, s.Band)
	if pin != nil {
		kind = pin.kind
	}
	if kind.changes() && s.Activity == ActivityDormant {
		s.Activity = ActivityLight // a later change needs a later visit
	}
	s.Consent = drawConsent(r, kind)

	// Device.
	switch {
	case s.Consent.GPC:
		s.userAgent = userAgentGPC
	case s.Region == RegionCN && chance(r, 0.6):
		s.userAgent = oneOf(r, userAgentsCN)
	default:
		s.userAgent = oneOf(r, userAgents)
	}
	if chance(r, 0.8) {
		s.ip = oneOf(r, ipv4Nets) + strconv.Itoa(1+r.IntN(254))
	} else {
		s.ip = fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(0x10000), r.IntN(0x10000), 1+r.IntN(0xffff))
	}

	// Timeline: first visit, login, later consent change.
	span := c.end - c.start
	existing := chance(r, 0.65)
	offset := s.country.offset * hour
	var first0 int64
	switch {
	case kind.changes():
		first0 = sessionStart(r, c.start, c.start+span/2, offset)
	case existing:
		first0 = sessionStart(r, c.start, c.start+min(10*day, span/3), offset)
	default:
		first0 = sessionStart(r, c.start, c.end-2*day, offset)
	}
	s.preLogin = 1 + r.IntN(3)
	// Every anonymous message is at most maxGap after the previous one, so
	// the identify comes after all of them (see simulate).
	anonMsgs := int64(2 + 2*s.preLogin)
	identified := first0 + anonMsgs*maxGap + between(r, 5*second, 40*second)
	s.FirstSeen = time.UnixMilli(first0).UTC()
	s.IdentifiedAt = time.UnixMilli(identified).UTC()
	if existing {
		s.createdAt = time.UnixMilli(c.start - between(r, 30*day, 1500*day)).UTC().Truncate(time.Second)
	} else {
		s.createdAt = s.IdentifiedAt.Truncate(time.Second)
	}
	if kind.changes() {
		s.Consent.ChangedAt = time.UnixMilli(sessionStart(r, identified+day, c.end-7*day, offset)).UTC()
	}
	return s
}

func countryByCode(code string) *country {
	for k := range countries {
		if countries[k].code == code {
			return &countries[k]
		}
	}
	panic("demo: unknown showcase country " + code) // a programming error in the showcase table
}

func drawCountry(r *rand.Rand, region Region) *country {
	var idx []int
	var w []float64
	for k, c := range countries {
		if c.region == region {
			idx = append(idx, k)
			w = append(w, float64(c.weight))
		}
	}
	return &countries[idx[pick(r, w)]]
}

// drawBirthday returns a birthday such that the age is inside the band for
// the whole window: at least lo at its start and at most hi at its end.
func drawBirthday(r *rand.Rand, c config, b Band) (time.Time, int) {
	ages := bandAges[b]
	now := c.Now
	start := time.UnixMilli(c.start).UTC()
	earliest := dateOf(now.AddDate(-(ages[1] + 1), 0, 1))
	latest := dateOf(start.AddDate(-ages[0], 0, 0))
	days := int(latest.Sub(earliest).Hours() / 24)
	birth := earliest.AddDate(0, 0, r.IntN(days+1))
	return birth, ageAt(birth, now)
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ageAt is the age in whole years on t of someone born on birth.
func ageAt(birth, t time.Time) int {
	age := t.Year() - birth.Year()
	if t.Month() < birth.Month() || (t.Month() == birth.Month() && t.Day() < birth.Day()) {
		age--
	}
	return age
}

func cnGiven(female bool, age int) []cnName {
	switch {
	case age >= 55 && female:
		return cnFemaleOld
	case age >= 55:
		return cnMaleOld
	case age <= 20 && female:
		return cnFemaleYoung
	case age <= 20:
		return cnMaleYoung
	case female:
		return cnFemale
	default:
		return cnMale
	}
}

func phoneNumber(r *rand.Rand, plan phonePlan, i int) string {
	switch plan {
	case phoneCN:
		return fmt.Sprintf("+861%c%09d", "3456789"[r.IntN(7)], r.IntN(1_000_000_000))
	case phoneNANP:
		return fmt.Sprintf("+1%s55501%02d", caAreaCodes[(i/100)%len(caAreaCodes)], i%100)
	case phoneGB:
		return fmt.Sprintf("+447700900%03d", i%1000)
	case phoneFR:
		return fmt.Sprintf("+3363998%04d", i%10000)
	default:
		return ""
	}
}

func uuid4(r *rand.Rand) string {
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
		hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// drawKind picks a consent kind; GPC is common in California, guardian
// consent exists only for children under 14.
func drawKind(r *rand.Rand, region Region, band Band) ConsentKind {
	if band == BandUnder14 {
		kinds := []ConsentKind{ConsentGuardian, ConsentNone, ConsentAcceptAll, ConsentRejectAll, ConsentAnalyticsOnly}
		return kinds[pick(r, []float64{60, 20, 10, 5, 5})]
	}
	gpc := map[Region]float64{RegionUSCA: 25, RegionEU: 4, RegionOther: 3, RegionCN: 1}[region]
	persOff := 3.0
	if region == RegionCN {
		persOff = 9 // PT-03: the switch PIPL Art. 24 and the ARP require
	}
	kinds := []ConsentKind{ConsentNone, ConsentAcceptAll, ConsentRejectAll, ConsentAnalyticsOnly, ConsentPartial,
		ConsentWithdrawn, ConsentPersonalisationOff, ConsentObjectDirectMarketing, ConsentGPC}
	return kinds[pick(r, []float64{12, 28, 12, 10, 14, 7, persOff, 5, gpc})]
}

func drawConsent(r *rand.Rand, kind ConsentKind) Consent {
	c := Consent{Kind: kind, Given: true}
	switch kind {
	case ConsentNone:
		c.Given = false
	case ConsentAcceptAll:
		c.Initial = prefsAll
	case ConsentRejectAll:
		c.Initial = prefsNone
	case ConsentAnalyticsOnly:
		c.Initial = Preferences{Analytics: true}
	case ConsentPartial:
		c.Initial = drawPartial(r)
	case ConsentWithdrawn:
		c.Initial = prefsAll
		if chance(r, 0.3) {
			c.Initial = drawPartial(r)
		}
	case ConsentGuardian:
		c.Guardian = true
		c.Initial = Preferences{Analytics: true, Personalization: chance(r, 0.5)}
	case ConsentGPC:
		c.GPC = true
		c.Given = !chance(r, 1.0/3)
		switch x := r.IntN(4); {
		case !c.Given:
		case x < 2:
			c.Initial = prefsAll
		case x == 2:
			c.Initial = Preferences{Analytics: true}
		default:
			c.Initial = drawPartial(r)
		}
	case ConsentPersonalisationOff:
		c.Initial = prefsAll
		c.PersonalisationOff = true
	case ConsentObjectDirectMarketing:
		c.Initial = prefsAll
		if chance(r, 0.3) {
			c.Initial = drawPartial(r)
			c.Initial.Advertising = true
		}
		c.ObjectDirectMarketing = true
	}
	c.Final = c.Initial
	if kind == ConsentWithdrawn {
		c.Final = prefsNone
	}
	return c
}

// drawPartial returns a mix that is neither all, none nor analytics-only.
func drawPartial(r *rand.Rand) Preferences {
	for {
		p := Preferences{chance(r, 0.7), chance(r, 0.5), chance(r, 0.4), chance(r, 0.3), chance(r, 0.4)}
		if p != prefsAll && p != prefsNone && p != (Preferences{Analytics: true}) {
			return p
		}
	}
}
