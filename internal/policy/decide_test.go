package policy_test

import (
	"slices"
	"testing"

	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
)

var decider = policy.Compile(manifest.Default(), policy.DefaultConfig())

const (
	browsing = "user.behavior.browsing_history"
	email    = "user.contact.email"
	health   = "user.health_and_medical"
	payment  = "user.payment"
	ads      = "marketing.advertising.first_party"
	ads3p    = "marketing.advertising.third_party.targeted"
	profile  = "marketing.advertising.profiling"
	perso    = "personalize.content"
	analytic = "analytics.reporting"
	mail     = "marketing.communications.email"
	share    = "third_party_sharing"
	xborder  = "cross_border_transfer"
	fraud    = "essential.fraud_detection"
)

func consents(keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// all is every consent a CN adult can give in the default manifest.
var all = []string{analytic, perso, profile, ads, ads3p, mail, share, xborder,
	policy.RecipientConsent("Alimama Ads"), policy.RecipientConsent("Acme Analytics GmbH"),
	policy.SensitiveConsent(perso, health), policy.SensitiveConsent(profile, health)}

type tcase struct {
	name   string
	facts  policy.Facts
	req    policy.Request // Subject filled from facts
	effect policy.Effect
	reason string
	basis  string
}

func cn(keys ...string) policy.Facts { return policy.Facts{Country: "CN", Consents: consents(keys...)} }

func with(f policy.Facts, mod func(*policy.Facts)) policy.Facts { mod(&f); return f }

func req(purpose string, a policy.Action, cats ...string) policy.Request {
	return policy.Request{Purpose: purpose, Action: a, Categories: cats}
}

func withRecipient(r policy.Request, name string, mech bool) policy.Request {
	r.Recipient, r.MechanismRecorded = name, mech
	return r
}

func age(f policy.Facts, country, region string, years int) policy.Facts {
	f.Country, f.Region, f.AgeKnown, f.Age = country, region, true, years
	return f
}

var cases = []tcase{
	// PM-01, NC-02: default deny for consent purposes; consent allows; other bases need none.
	{"default deny", cn(), req(analytic, policy.Read, browsing), policy.Deny, policy.ReasonNoConsent, "consent"},
	{"consent allows", cn(analytic), req(analytic, policy.Read, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	{"withdrawn", policy.Facts{Country: "CN", Consents: map[string]bool{analytic: false}}, req(analytic, policy.Collect, browsing), policy.Deny, policy.ReasonNoConsent, "consent"},
	{"consent for another purpose", cn(perso), req(analytic, policy.Read, browsing), policy.Deny, policy.ReasonNoConsent, "consent"},
	{"contract needs no consent", cn(), req("essential.service", policy.Read, email, "user.contact.address"), policy.Allow, policy.ReasonBasis, "contract"},
	{"inherited category", cn(analytic), req(analytic, policy.Read, "user.behavior.browsing_history.dwell_time"), policy.Allow, policy.ReasonConsent, "consent"},
	{"unknown purpose", cn(all...), req("marketing.mystery", policy.Read, browsing), policy.Deny, policy.ReasonUnknownPurpose, ""},
	{"unknown category", cn(all...), req(analytic, policy.Read, "secret.sauce"), policy.Deny, policy.ReasonUnknownCategory, ""},
	{"unknown action", cn(all...), req(analytic, 0, browsing), policy.Deny, policy.ReasonUnknownAction, ""},
	// NC-02: legitimate interest only where the jurisdiction has it.
	{"LI unavailable in CN", cn(), req(fraud, policy.Read, "user.device.ip_address"), policy.Deny, policy.ReasonNoLegitimateInterest, "legitimate_interest"},
	{"LI in CN falls back to consent", cn(fraud), req(fraud, policy.Read, "user.device.ip_address"), policy.Allow, policy.ReasonConsent, "consent"},
	{"LI in DE", policy.Facts{Country: "DE"}, req(fraud, policy.Read, "user.device.ip_address"), policy.Allow, policy.ReasonBasis, "legitimate_interest"},
	// SG-01: sensitive data needs separate consent and never feeds marketing.
	{"sensitive without separate consent", cn(perso), req(perso, policy.Read, browsing, health), policy.Deny, policy.ReasonNoSeparateConsent, "consent"},
	{"sensitive with separate consent", cn(perso, policy.SensitiveConsent(perso, health)), req(perso, policy.Read, browsing, health), policy.Allow, policy.ReasonConsent, "consent"},
	{"separate consent covers declared kinds beneath", cn(perso, policy.SensitiveConsent(perso, health)), req(perso, policy.Read, "user.health_and_medical.pregnancy"), policy.Allow, policy.ReasonConsent, "consent"},
	{"narrow separate consent does not cover its parent", cn(perso, policy.SensitiveConsent(perso, "user.health_and_medical.pregnancy")), req(perso, policy.Read, health), policy.Deny, policy.ReasonNoSeparateConsent, "consent"},
	{"separate consent is per category", cn(perso, policy.SensitiveConsent(perso, health)), req(perso, policy.Read, "user.biometric.face"), policy.Deny, policy.ReasonNoSeparateConsent, "consent"},
	{"separate consent is per purpose", cn(analytic, policy.SensitiveConsent(perso, health)), req(analytic, policy.Read, health), policy.Deny, policy.ReasonNoSeparateConsent, "consent"},
	{"sensitive never marketing profiling", cn(all...), req(profile, policy.Profile, browsing, health), policy.Deny, policy.ReasonSensitiveMarketing, "consent"},
	{"inherited sensitive never marketing", cn(all...), req(ads, policy.Activate, "user.location.precise.gps"), policy.Deny, policy.ReasonSensitiveMarketing, "consent"},
	{"sensitive under contract", cn(), req("essential.service", policy.Read, payment), policy.Allow, policy.ReasonBasis, "contract"},
	// SG-02: limit the use of sensitive PI.
	{"limit sensitive", with(cn(perso, policy.SensitiveConsent(perso, health)), func(f *policy.Facts) { f.LimitSensitive = true }), req(perso, policy.Read, health), policy.Deny, policy.ReasonLimitSensitive, "consent"},
	{"limit sensitive keeps contract", with(cn(), func(f *policy.Facts) { f.LimitSensitive = true }), req("essential.service", policy.Read, payment), policy.Allow, policy.ReasonBasis, "contract"},
	{"limit sensitive ignores non-sensitive", with(cn(perso), func(f *policy.Facts) { f.LimitSensitive = true }), req(perso, policy.Read, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	// SG-03, SG-05: children need a guardian; minors never get personalised ads.
	{"CN 13 without guardian", age(cn(analytic), "CN", "", 13), req(analytic, policy.Read, browsing), policy.Deny, policy.ReasonGuardianConsent, "consent"},
	{"CN 13 with guardian", with(age(cn(analytic), "CN", "", 13), func(f *policy.Facts) { f.GuardianConsent = true }), req(analytic, policy.Read, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	{"CN 13 contract still works", age(cn(), "CN", "", 13), req("essential.service", policy.Read, email), policy.Allow, policy.ReasonBasis, "contract"},
	{"CN 14 consents alone", age(cn(analytic), "CN", "", 14), req(analytic, policy.Read, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	{"CN 15 no ads even with consent", age(cn(all...), "CN", "", 15), req(ads, policy.Activate, browsing), policy.Deny, policy.ReasonMinorAds, "consent"},
	{"CN 17 no ad profiling", age(cn(all...), "CN", "", 17), req(profile, policy.Profile, browsing), policy.Deny, policy.ReasonMinorAds, "consent"},
	{"CN 10 guardian still no ads", with(age(cn(all...), "CN", "", 10), func(f *policy.Facts) { f.GuardianConsent = true }), req(ads3p, policy.Activate, browsing), policy.Deny, policy.ReasonMinorAds, "consent"},
	{"CN 15 personalised content allowed", age(cn(perso), "CN", "", 15), req(perso, policy.Read, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	{"CN 18 ads allowed", age(cn(all...), "CN", "", 18), req(ads, policy.Activate, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	{"DE 15 needs guardian (Art. 8 default 16)", age(cn(analytic), "DE", "", 15), req(analytic, policy.Read, browsing), policy.Deny, policy.ReasonGuardianConsent, "consent"},
	{"FR 15 consents alone", age(cn(analytic), "FR", "", 15), req(analytic, policy.Read, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	{"CA 15 sale/share needs opt-in", age(cn(), "US", "CA", 15), withRecipient(req(share, policy.Share, browsing), "Alimama Ads", false), policy.Deny, policy.ReasonMinorSaleShare, "consent"},
	{"CA 15 opted in", age(cn(share, policy.RecipientConsent("Alimama Ads")), "US", "CA", 15), withRecipient(req(share, policy.Share, browsing), "Alimama Ads", false), policy.Allow, policy.ReasonConsent, "consent"},
	{"CA 12 needs parent", age(cn(share, policy.RecipientConsent("Alimama Ads")), "US", "CA", 12), withRecipient(req(share, policy.Share, browsing), "Alimama Ads", false), policy.Deny, policy.ReasonGuardianConsent, "consent"},
	{"TX 15 no CCPA minor rule", age(cn(), "US", "TX", 15), withRecipient(req(share, policy.Share, browsing), "Alimama Ads", false), policy.Deny, policy.ReasonNoConsent, "consent"},
	// PT-07, PT-03: objection and personalisation off stop all targeting.
	{"objection stops marketing email", with(cn(all...), func(f *policy.Facts) { f.ObjectedDirectMarketing = true }), req(mail, policy.Activate, email), policy.Deny, policy.ReasonObjected, "consent"},
	{"objection stops profiling", with(cn(all...), func(f *policy.Facts) { f.ObjectedDirectMarketing = true }), req(profile, policy.Profile, browsing), policy.Deny, policy.ReasonObjected, "consent"},
	{"objection stops personalisation", with(cn(all...), func(f *policy.Facts) { f.ObjectedDirectMarketing = true }), req(perso, policy.Read, browsing), policy.Deny, policy.ReasonObjected, "consent"},
	{"objection keeps analytics", with(cn(all...), func(f *policy.Facts) { f.ObjectedDirectMarketing = true }), req(analytic, policy.Read, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	{"personalisation off stops recommendations", with(cn(all...), func(f *policy.Facts) { f.PersonalisationOff = true }), req(perso, policy.Read, browsing), policy.Deny, policy.ReasonPersonalisationOff, "consent"},
	{"personalisation off stops targeted ads", with(cn(all...), func(f *policy.Facts) { f.PersonalisationOff = true }), req(ads, policy.Activate, browsing), policy.Deny, policy.ReasonPersonalisationOff, "consent"},
	{"personalisation off keeps untargeted email", with(cn(all...), func(f *policy.Facts) { f.PersonalisationOff = true }), req(mail, policy.Activate, email), policy.Allow, policy.ReasonConsent, "consent"},
	// NC-08: GPC opts out of sale, sharing and cross-context targeted ads.
	{"the privacy subscription stops advertising whatever the consents", with(cn(all...), func(f *policy.Facts) { f.AdFree = true }), req(ads3p, policy.Activate, browsing), policy.Deny, policy.ReasonAdFree, "consent"},
	{"the privacy subscription leaves recommendations alone", with(cn(all...), func(f *policy.Facts) { f.AdFree = true }), req(perso, policy.Read, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	{"GPC stops third-party targeting", with(cn(all...), func(f *policy.Facts) { f.GPC = true }), req(ads3p, policy.Activate, browsing), policy.Deny, policy.ReasonGPC, "consent"},
	{"GPC stops sharing", with(cn(all...), func(f *policy.Facts) { f.GPC = true }), withRecipient(req(share, policy.Share, browsing), "Alimama Ads", false), policy.Deny, policy.ReasonGPC, "consent"},
	{"GPC keeps first-party ads", with(cn(all...), func(f *policy.Facts) { f.GPC = true }), req(ads, policy.Activate, browsing), policy.Allow, policy.ReasonConsent, "consent"},
	// RR-05: restriction leaves storage only.
	{"restricted read", with(cn(all...), func(f *policy.Facts) { f.Restricted = true }), req(analytic, policy.Read, browsing), policy.Deny, policy.ReasonRestricted, "consent"},
	{"restricted contract read", with(cn(all...), func(f *policy.Facts) { f.Restricted = true }), req("essential.service", policy.Read, email), policy.Deny, policy.ReasonRestricted, "contract"},
	{"restricted store", with(cn(all...), func(f *policy.Facts) { f.Restricted = true }), req("essential.service", policy.Store, email), policy.Allow, policy.ReasonRestrictedStorage, "contract"},
	// SX-03: cross-border needs separate consent and a recorded mechanism.
	{"transfer without consent", cn(analytic), withRecipient(req(analytic, policy.Transfer, browsing), "Acme Analytics GmbH", true), policy.Deny, policy.ReasonNoTransferConsent, "consent"},
	{"transfer without mechanism", cn(analytic, xborder), withRecipient(req(analytic, policy.Transfer, browsing), "Acme Analytics GmbH", false), policy.Deny, policy.ReasonNoTransferMechanism, "consent"},
	{"transfer allowed", cn(analytic, xborder), withRecipient(req(analytic, policy.Transfer, browsing), "Acme Analytics GmbH", true), policy.Allow, policy.ReasonConsent, "consent"},
	{"transfer purpose needs mechanism", cn(xborder), req(xborder, policy.Read, browsing), policy.Deny, policy.ReasonNoTransferMechanism, "consent"},
	// SX-01, SX-02: sharing needs a declared recipient and consent naming it.
	{"share without recipient consent", cn(share), withRecipient(req(share, policy.Share, browsing), "Alimama Ads", false), policy.Deny, policy.ReasonNoSharingConsent, "consent"},
	{"share consent names another recipient", cn(share, policy.RecipientConsent("Acme Analytics GmbH")), withRecipient(req(share, policy.Share, browsing), "Alimama Ads", false), policy.Deny, policy.ReasonNoSharingConsent, "consent"},
	{"share allowed", cn(share, policy.RecipientConsent("Alimama Ads")), withRecipient(req(share, policy.Share, browsing), "Alimama Ads", false), policy.Allow, policy.ReasonConsent, "consent"},
	{"share to undeclared recipient", cn(all...), withRecipient(req(share, policy.Share, browsing), "Nobody Ltd", false), policy.Deny, policy.ReasonUnknownRecipient, "consent"},
	{"share to recipient not serving purpose", cn(all...), withRecipient(req(share, policy.Share, browsing), "SF Express", false), policy.Deny, policy.ReasonUnknownRecipient, "consent"},
	{"share for a contract purpose", cn(), withRecipient(req("essential.order_delivery", policy.Share, email, "user.contact.address"), "SF Express", false), policy.Deny, policy.ReasonNoSharingConsent, "contract"},
	// PT-06: marketing activation and sharing mask direct identifiers.
	{"ads export masks email", cn(all...), withRecipient(req(ads3p, policy.Share, email, browsing), "Alimama Ads", false), policy.AllowMasked, policy.ReasonMasked, "consent"},
	{"ad activation masks email", cn(all...), req(ads, policy.Activate, email, browsing), policy.AllowMasked, policy.ReasonMasked, "consent"},
	{"marketing email keeps the address", cn(all...), req(mail, policy.Activate, email), policy.Allow, policy.ReasonConsent, "consent"},
	// Combinations: the first rule in Decide's order gives the reason; every path denies.
	{"restricted beats everything", with(age(cn(), "CN", "", 10), func(f *policy.Facts) { f.Restricted, f.GPC, f.ObjectedDirectMarketing = true, true, true }), req(ads3p, policy.Activate, health), policy.Deny, policy.ReasonRestricted, "consent"},
	{"minor beats objection and GPC", with(age(cn(all...), "CN", "", 16), func(f *policy.Facts) { f.GPC, f.ObjectedDirectMarketing = true, true }), req(ads3p, policy.Activate, browsing), policy.Deny, policy.ReasonMinorAds, "consent"},
	{"objection beats personalisation off", with(cn(all...), func(f *policy.Facts) { f.PersonalisationOff, f.ObjectedDirectMarketing = true, true }), req(perso, policy.Read, browsing), policy.Deny, policy.ReasonObjected, "consent"},
	{"GPC beats missing consent", with(cn(), func(f *policy.Facts) { f.GPC = true }), req(ads3p, policy.Activate, browsing), policy.Deny, policy.ReasonGPC, "consent"},
	{"sensitive marketing beats consent", cn(all...), req(mail, policy.Activate, email, health), policy.Deny, policy.ReasonSensitiveMarketing, "consent"},
	{"child guardian beats sensitive", age(cn(all...), "CN", "", 12), req(perso, policy.Read, health), policy.Deny, policy.ReasonGuardianConsent, "consent"},
	{"child with guardian still needs separate consent", with(age(cn(perso), "CN", "", 12), func(f *policy.Facts) { f.GuardianConsent = true }), req(perso, policy.Read, health), policy.Deny, policy.ReasonNoSeparateConsent, "consent"},
	{"transfer and share together", cn(analytic, xborder, policy.RecipientConsent("Acme Analytics GmbH")), withRecipient(req(analytic, policy.Share, browsing), "Acme Analytics GmbH", true), policy.Allow, policy.ReasonConsent, "consent"},
	{"transfer-purpose share needs transfer consent", cn(analytic, policy.RecipientConsent("Acme Analytics GmbH")), withRecipient(req(xborder, policy.Share, browsing), "Acme Analytics GmbH", true), policy.Deny, policy.ReasonNoConsent, "consent"},
}

func TestDecide(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req
			r.Subject = decider.Subject(tc.facts)
			got := decider.Decide(r)
			if got.Effect != tc.effect || got.Reason != tc.reason || got.Basis != tc.basis {
				t.Fatalf("got %s/%s/%q, want %s/%s/%q", got.Effect, got.Reason, got.Basis, tc.effect, tc.reason, tc.basis)
			}
			if (got.Effect == policy.AllowMasked) != (len(got.Mask) > 0) {
				t.Fatalf("mask %v with effect %s", got.Mask, got.Effect)
			}
		})
	}
}

// Every documented reason is exercised by the table.
func TestEveryReasonTested(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.reason] = true
	}
	seen[policy.ReasonStaleSubject] = true // TestStaleSubject
	for _, r := range policy.Reasons {
		if !seen[r] {
			t.Errorf("reason %q has no test case", r)
		}
	}
	if len(seen) != len(policy.Reasons) {
		t.Errorf("%d reasons tested, %d declared", len(seen), len(policy.Reasons))
	}
}

// NC-04: withdrawal applies to the very next decision.
func TestWithdrawalNextDecision(t *testing.T) {
	f := cn(analytic)
	r := req(analytic, policy.Read, browsing)
	r.Subject = decider.Subject(f)
	if d := decider.Decide(r); d.Effect != policy.Allow {
		t.Fatalf("before: %+v", d)
	}
	f.Consents[analytic] = false
	r.Subject = decider.Subject(f)
	if d := decider.Decide(r); d.Effect != policy.Deny || d.Reason != policy.ReasonNoConsent {
		t.Fatalf("after withdrawal: %+v", d)
	}
}

func TestMask(t *testing.T) {
	r := withRecipient(req(ads3p, policy.Share, email, browsing, "user.contact.phone_number"), "Alimama Ads", false)
	r.Subject = decider.Subject(cn(all...))
	d := decider.Decide(r)
	if !slices.Equal(d.Mask, []string{email, "user.contact.phone_number"}) {
		t.Fatalf("mask %v", d.Mask)
	}
}

func TestDecideAllocationFree(t *testing.T) {
	s := decider.Subject(cn(all...))
	reqs := []policy.Request{
		{Subject: s, Purpose: perso, Categories: []string{browsing, health}, Action: policy.Read},
		{Subject: s, Purpose: "nope", Categories: []string{browsing}, Action: policy.Read},
		{Subject: s, Purpose: share, Categories: []string{browsing}, Action: policy.Share, Recipient: "Alimama Ads"},
		{Subject: s, Purpose: mail, Categories: []string{email}, Action: policy.Activate},
	}
	for _, r := range reqs {
		if n := testing.AllocsPerRun(100, func() { decider.Decide(r) }); n != 0 {
			t.Errorf("%s: %v allocs per decision", r.Purpose, n)
		}
	}
}

// NC-03: a subject state from another manifest version is not trusted.
func TestStaleSubject(t *testing.T) {
	other := policy.Compile(manifest.Default(), policy.DefaultConfig())
	r := req(analytic, policy.Read, browsing)
	r.Subject = other.Subject(cn(all...))
	if d := decider.Decide(r); d.Effect != policy.Deny || d.Reason != policy.ReasonStaleSubject {
		t.Fatalf("foreign state: %+v", d)
	}
	r.Subject = policy.SubjectState{}
	if d := decider.Decide(r); d.Effect != policy.Deny || d.Reason != policy.ReasonStaleSubject {
		t.Fatalf("zero state: %+v", d)
	}
}

func TestParseAction(t *testing.T) {
	for _, n := range []string{"collect", "store", "read", "profile", "share", "transfer", "activate"} {
		a, ok := policy.ParseAction(n)
		if !ok || a.String() != n {
			t.Errorf("%s: %v %v", n, a, ok)
		}
	}
	if _, ok := policy.ParseAction("delete"); ok {
		t.Error("unknown action parsed")
	}
}
