package policy

import (
	"strings"

	"github.com/stewardhq/steward/internal/taxonomy"
)

// Facts are what Steward knows about a subject right now.
type Facts struct {
	// Consents maps consent keys to their latest state (withdrawn = false). A key is a
	// purpose ("analytics.reporting"), or a separate consent scoped with "@": a recipient
	// for sharing ("third_party_sharing@Alimama Ads", see [RecipientConsent]) or a sensitive
	// category for a purpose ("personalize.content@user.health_and_medical", see
	// [SensitiveConsent]).
	Consents map[string]bool
	AgeKnown bool
	Age      int
	Country  string // ISO 3166-1 alpha-2
	Region   string // subdivision, e.g. "CA"
	// Restricted: the subject restricted processing (RR-05).
	Restricted bool
	// ObjectedDirectMarketing: GDPR Art. 21(3) objection (PT-07).
	ObjectedDirectMarketing bool
	// GPC: a Global Privacy Control signal was received (NC-08).
	GPC bool
	// PersonalisationOff: PIPL Art. 24 / ARP Art. 17 switch (PT-03).
	PersonalisationOff bool
	// LimitSensitive: CCPA "limit the use of my sensitive personal information" (SG-02).
	LimitSensitive bool
	// GuardianConsent: a verified guardian gave the consents for a child (SG-03).
	GuardianConsent bool
	// AdFree: the person holds a privacy subscription (paid or with points): no advertising
	// purpose applies to them, whatever their consents (issue 25).
	AdFree bool
}

// RecipientConsent returns the consent key for sharing with a named recipient.
func RecipientConsent(recipient string) string { return purposeSharing + "@" + recipient }

// SensitiveConsent returns the consent key for separately consenting to a sensitive
// category under a purpose.
func SensitiveConsent(purpose, category string) string { return purpose + "@" + category }

// SubjectState is a subject's facts compiled against one Decider. Build it once per change
// of facts and reuse it for every decision; it is immutable and safe to share.
type SubjectState struct {
	d     *Decider // the decider whose indexes bits refer to
	bits  []uint64 // purposes, then recipients, then purpose×sensitive category
	flags uint16
	jur   jurisdiction
}

const (
	fRestricted uint16 = 1 << iota
	fObjected
	fGPC
	fPersonalisationOff
	fLimitSensitive
	fGuardian
	fChild // below the consent age of the jurisdiction: guardian consent needed
	fMinor // below AdultAge: no personalised ads
	fCAMinor
	fAdFree // a privacy subscription runs
)

func (s *SubjectState) has(bit int) bool {
	i := bit >> 6
	return i < len(s.bits) && s.bits[i]&(1<<(bit&63)) != 0
}

// Subject compiles facts. Unknown consent keys are ignored: they cannot grant anything.
func (d *Decider) Subject(f Facts) SubjectState {
	s := SubjectState{d: d, bits: make([]uint64, (d.nbits+63)/64)}
	set := func(bit int) { s.bits[bit>>6] |= 1 << (bit & 63) }
	for k, granted := range f.Consents {
		if !granted {
			continue
		}
		if i, ok := d.purposeIdx[k]; ok {
			set(int(i))
			continue
		}
		at := strings.IndexByte(k, '@')
		if at < 0 {
			continue
		}
		pk, scope := k[:at], k[at+1:]
		if pk == purposeSharing {
			if r, ok := d.recipientIdx[scope]; ok {
				set(d.recipientBase + int(r))
			}
			continue
		}
		if p, ok := d.purposeIdx[pk]; ok {
			// Consent to a sensitive category covers the declared kinds beneath it:
			// "user.health_and_medical" covers "user.health_and_medical.pregnancy".
			for ck, c := range d.sensitiveIdx {
				if taxonomy.Beneath(ck, scope) {
					set(d.sensitiveBit(int(p), int(c)))
				}
			}
		}
	}
	country := strings.ToUpper(f.Country)
	if country == "" {
		country = d.cfg.Home
	}
	s.jur = jurisdictionOf(country)
	flag := func(b bool, v uint16) {
		if b {
			s.flags |= v
		}
	}
	flag(f.Restricted, fRestricted)
	flag(f.ObjectedDirectMarketing, fObjected)
	flag(f.GPC, fGPC)
	flag(f.PersonalisationOff, fPersonalisationOff)
	flag(f.AdFree, fAdFree)
	flag(f.LimitSensitive, fLimitSensitive)
	flag(f.GuardianConsent, fGuardian)
	if f.AgeKnown {
		childAge := d.cfg.OtherChildAge
		switch s.jur {
		case jurCN:
			childAge = d.cfg.PIPLChildAge
		case jurEU, jurGB:
			childAge = d.cfg.GDPRDefaultAge
			if a, ok := d.cfg.GDPRAges[country]; ok {
				childAge = a
			}
		case jurUS:
			childAge = d.cfg.CCPAChildAge
		}
		flag(f.Age < childAge, fChild)
		flag(f.Age < d.cfg.AdultAge, fMinor)
		flag(s.jur == jurUS && strings.EqualFold(f.Region, "CA") && f.Age < d.cfg.CCPAMinorAge, fCAMinor)
	}
	return s
}

// AdFree reports whether a privacy subscription runs: no advertising purpose applies.
func (s SubjectState) AdFree() bool { return s.flags&fAdFree != 0 }
