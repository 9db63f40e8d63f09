package policy

import "github.com/stewardhq/steward/internal/taxonomy"

// Action is what a request does with the data.
type Action uint8

// Actions.
const (
	Collect  Action = iota + 1 // accept from the SDK or an API
	Store                      // keep at rest
	Read                       // read back for the purpose
	Profile                    // derive tags, scores, segments
	Share                      // hand to a third party
	Transfer                   // send abroad
	Activate                   // act on the subject: send, show, target
)

var actionNames = [...]string{"", "collect", "store", "read", "profile", "share", "transfer", "activate"}

func (a Action) String() string {
	if int(a) < len(actionNames) && a != 0 {
		return actionNames[a]
	}
	return "unknown"
}

// ParseAction returns the action named s.
func ParseAction(s string) (Action, bool) {
	for i, n := range actionNames {
		if i > 0 && n == s {
			return Action(i), true
		}
	}
	return 0, false
}

// Effect is the outcome of a decision.
type Effect uint8

// Effects. The zero value denies.
const (
	Deny Effect = iota
	Allow
	AllowMasked // allowed with the categories in Decision.Mask masked
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "allow"
	case AllowMasked:
		return "allow_masked"
	}
	return "deny"
}

// Request asks whether Subject's data of Categories may be used for Purpose by Action.
type Request struct {
	Subject    SubjectState
	Purpose    string
	Categories []string
	Action     Action
	// Recipient names the third party for Share (and for Transfer to a named recipient).
	Recipient string
	// MechanismRecorded: the caller holds a recorded transfer mechanism for this transfer.
	MechanismRecorded bool
}

// Decision is the answer.
type Decision struct {
	Effect Effect
	Basis  string // legal basis relied on ("" when denied before a basis applies)
	Reason string // one of the Reason constants
	// Mask lists the request categories to mask when Effect is AllowMasked.
	Mask []string
}

func deny(reason string, basis taxonomy.Basis) Decision {
	return Decision{Effect: Deny, Basis: string(basis), Reason: reason}
}

// Decide applies the rules in a fixed order; the first that denies gives the reason. It
// does not allocate unless it must list masked categories that are a strict subset of
// the request's.
func (d *Decider) Decide(r Request) Decision {
	if r.Action < Collect || r.Action > Activate {
		return deny(ReasonUnknownAction, "")
	}
	pi, ok := d.purposeIdx[r.Purpose]
	if !ok {
		return deny(ReasonUnknownPurpose, "")
	}
	p := &d.purposes[pi]
	sensitive, identifiers := 0, 0
	for _, k := range r.Categories {
		c, ok := d.category(k)
		if !ok {
			return deny(ReasonUnknownCategory, "")
		}
		if c.sensitive {
			sensitive++
		}
		if c.identifier {
			identifiers++
		}
	}
	s := &r.Subject
	if s.d != d {
		// Built for another manifest version (or not built): its bits mean other purposes.
		return deny(ReasonStaleSubject, "")
	}
	f := s.flags

	// RR-05: restriction leaves storage only.
	if f&fRestricted != 0 && r.Action != Store {
		return deny(ReasonRestricted, p.basis)
	}
	// SG-03, PT-08: no personalised advertising to minors, whoever consents.
	if p.ads && f&fMinor != 0 {
		return deny(ReasonMinorAds, p.basis)
	}
	// PT-07, PT-03: objection and "personalisation off" stop all targeting at once.
	if f&fObjected != 0 && (p.marketing || p.targeting) {
		return deny(ReasonObjected, p.basis)
	}
	if f&fPersonalisationOff != 0 && p.targeting {
		return deny(ReasonPersonalisationOff, p.basis)
	}
	// The privacy subscription: no advertising at all while it lasts, whatever the consents.
	if f&fAdFree != 0 && p.advertising {
		return deny(ReasonAdFree, p.basis)
	}
	// NC-08: GPC opts out of sale, sharing and cross-context targeted advertising.
	if f&fGPC != 0 && (p.saleShare || (r.Action == Share && p.marketing)) {
		return deny(ReasonGPC, p.basis)
	}
	// SG-01, PT-08: sensitive data never feeds marketing, consent or not.
	if sensitive > 0 && p.marketing {
		return deny(ReasonSensitiveMarketing, p.basis)
	}

	// NC-02: the legal basis. Legitimate interest only where the jurisdiction has it;
	// elsewhere the purpose falls back to consent.
	basis := p.basis
	if basis == taxonomy.LegitimateInterest && p.li&(1<<s.jur) == 0 {
		if !s.has(int(pi)) {
			return deny(ReasonNoLegitimateInterest, basis)
		}
		basis = taxonomy.Consent
	}
	if basis == taxonomy.Consent {
		// SG-03, SG-05: below the consent age only a guardian's consent counts.
		if f&fChild != 0 && f&fGuardian == 0 {
			return deny(ReasonGuardianConsent, basis)
		}
		if !s.has(int(pi)) {
			if f&fCAMinor != 0 && p.saleShare {
				return deny(ReasonMinorSaleShare, basis)
			}
			return deny(ReasonNoConsent, basis)
		}
	}
	if sensitive > 0 {
		// SG-02: after "limit", sensitive data serves only necessary purposes.
		if f&fLimitSensitive != 0 && (basis == taxonomy.Consent || basis == taxonomy.LegitimateInterest) {
			return deny(ReasonLimitSensitive, basis)
		}
		// SG-01: where consent is the basis, each sensitive category needs its own.
		if basis == taxonomy.Consent {
			for _, k := range r.Categories {
				c, _ := d.category(k)
				if c.sensitive && !s.has(d.sensitiveBit(int(pi), int(c.sIdx))) {
					return deny(ReasonNoSeparateConsent, basis)
				}
			}
		}
	}
	// SX-03: cross-border transfer needs separate consent and a recorded mechanism.
	if r.Action == Transfer || r.Purpose == purposeTransfer {
		if d.transferBit < 0 || !s.has(d.transferBit) {
			return deny(ReasonNoTransferConsent, basis)
		}
		if !r.MechanismRecorded {
			return deny(ReasonNoTransferMechanism, basis)
		}
	}
	// SX-01, SX-02: sharing goes only to a declared recipient, with consent naming it.
	if r.Action == Share || r.Purpose == purposeSharing {
		ri, ok := d.recipientIdx[r.Recipient]
		if !ok || !d.recipients[ri].Serves(r.Purpose) {
			return deny(ReasonUnknownRecipient, basis)
		}
		if !s.has(d.recipientBase + int(ri)) {
			return deny(ReasonNoSharingConsent, basis)
		}
	}

	reason := ReasonBasis
	if basis == taxonomy.Consent {
		reason = ReasonConsent
	}
	if f&fRestricted != 0 {
		reason = ReasonRestrictedStorage
	}
	// PT-06: marketing exports and ad activation carry no direct identifiers in the clear
	// (a marketing email, by contrast, needs the address it is sent to).
	if identifiers > 0 && p.marketing && (r.Action == Share || (r.Action == Activate && p.ads)) {
		return Decision{Effect: AllowMasked, Basis: string(basis), Reason: ReasonMasked, Mask: d.maskOf(r.Categories, identifiers)}
	}
	return Decision{Effect: Allow, Basis: string(basis), Reason: reason}
}

func (d *Decider) maskOf(cats []string, n int) []string {
	if n == len(cats) {
		return cats[:n:n]
	}
	out := make([]string, 0, n)
	for _, k := range cats {
		if c, _ := d.category(k); c.identifier {
			out = append(out, k)
		}
	}
	return out
}
