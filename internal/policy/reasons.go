package policy

// Reasons are the stable, machine-readable explanation of a decision. They are part of
// Steward's contract: logs, audit entries, API answers and the privacy center key on them,
// so an existing string never changes meaning. Each cites the requirement it enforces
// (REQUIREMENTS.md ids).
const (
	// ReasonConsent: allowed because the subject (or their guardian) consented to the
	// purpose, and to each separate consent it needs (NC-02).
	ReasonConsent = "consent_given"
	// ReasonBasis: allowed on a legal basis other than consent (contract, legal obligation,
	// vital interest, public interest, or legitimate interest where the subject's
	// jurisdiction allows it) (NC-02).
	ReasonBasis = "basis_applies"
	// ReasonRestrictedStorage: the subject restricted processing; storage alone continues
	// (RR-05, RR-03).
	ReasonRestrictedStorage = "restricted_storage_only"
	// ReasonMasked: allowed with direct identifiers masked, because marketing activation and
	// sharing carry pseudonymous identifiers only (PT-06).
	ReasonMasked = "identifiers_masked"

	// ReasonUnknownPurpose: the purpose is not in the manifest; undeclared processing is
	// denied (NC-02: a job without a declared purpose fails).
	ReasonUnknownPurpose = "unknown_purpose"
	// ReasonUnknownCategory: a category is not in the taxonomy (PM-01).
	ReasonUnknownCategory = "unknown_category"
	// ReasonUnknownAction: the action is not one of collect, store, read, profile, share,
	// transfer, activate.
	ReasonUnknownAction = "unknown_action"
	// ReasonStaleSubject: the subject state was built by another Decider (an older manifest
	// version) or not built at all; rebuild it with Decider.Subject. Consents given under an
	// older manifest are re-read against the new one, never reused blindly (NC-03).
	ReasonStaleSubject = "subject_state_stale"
	// ReasonNoConsent: the purpose rests on consent and there is none, or it was withdrawn;
	// consent-based purposes are denied by default (PM-01, NC-04).
	ReasonNoConsent = "no_consent"
	// ReasonNoLegitimateInterest: the purpose relies on legitimate interest, which the
	// subject's jurisdiction does not recognise (the PIPL has none), and there is no consent
	// (NC-02).
	ReasonNoLegitimateInterest = "legitimate_interest_unavailable"
	// ReasonRestricted: the subject restricted processing; everything but storage stops
	// (RR-05).
	ReasonRestricted = "restricted"
	// ReasonSensitiveMarketing: a sensitive category never feeds marketing, consent or not
	// (SG-01, PT-08).
	ReasonSensitiveMarketing = "sensitive_never_marketing"
	// ReasonNoSeparateConsent: a sensitive category needs separate consent for this purpose
	// (PIPL Art. 29; SG-01).
	ReasonNoSeparateConsent = "sensitive_needs_separate_consent"
	// ReasonLimitSensitive: the subject asked to limit the use of sensitive personal
	// information; only necessary uses remain (CCPA §7027; SG-02).
	ReasonLimitSensitive = "limit_sensitive"
	// ReasonGuardianConsent: the subject is below the consent age of their jurisdiction
	// (PIPL 14, GDPR Art. 8 member-state age, CCPA 13) and no guardian consented (SG-03,
	// SG-05).
	ReasonGuardianConsent = "guardian_consent_required"
	// ReasonMinorAds: minors never get personalised advertising, whoever consents (SG-03,
	// PT-08).
	ReasonMinorAds = "minor_no_personalised_ads"
	// ReasonMinorSaleShare: a Californian under 16 has no sale or sharing without an
	// affirmative opt-in (CCPA 1798.120(c); SG-05).
	ReasonMinorSaleShare = "minor_sale_share_needs_opt_in"
	// ReasonObjected: the subject objected to direct marketing; all marketing and targeting
	// stop at once and no override exists (GDPR Art. 21(3); PT-07).
	ReasonObjected = "objected_direct_marketing"
	// ReasonPersonalisationOff: the subject switched personalisation off; all targeting stops
	// immediately (PIPL Art. 24, ARP Art. 17; PT-03).
	ReasonPersonalisationOff = "personalisation_off"
	// ReasonAdFree: the person holds a privacy subscription; no advertising purpose applies
	// whatever they consented to (issue 25).
	ReasonAdFree = "ad_free_subscription"
	// ReasonGPC: a Global Privacy Control signal opts out of sale, sharing and cross-context
	// targeted advertising (CCPA §7025; NC-08).
	ReasonGPC = "gpc_opt_out"
	// ReasonNoTransferConsent: cross-border transfer needs separate consent (PIPL Art. 39;
	// SX-03).
	ReasonNoTransferConsent = "cross_border_needs_separate_consent"
	// ReasonNoTransferMechanism: cross-border transfer needs a recorded mechanism (CAC
	// security assessment, certification or standard contract; PIPL Art. 38; SX-03).
	ReasonNoTransferMechanism = "no_transfer_mechanism"
	// ReasonUnknownRecipient: sharing to a recipient the manifest does not list for this
	// purpose (SX-01, SX-02).
	ReasonUnknownRecipient = "recipient_not_declared"
	// ReasonNoSharingConsent: third-party sharing needs separate consent naming the
	// recipient (PIPL Art. 23; SX-02).
	ReasonNoSharingConsent = "sharing_needs_consent_for_recipient"
)

// Reasons lists every reason, for documentation and tests.
var Reasons = []string{
	ReasonConsent, ReasonBasis, ReasonRestrictedStorage, ReasonMasked,
	ReasonUnknownPurpose, ReasonUnknownCategory, ReasonUnknownAction, ReasonStaleSubject, ReasonNoConsent, ReasonNoLegitimateInterest,
	ReasonRestricted, ReasonAdFree, ReasonSensitiveMarketing, ReasonNoSeparateConsent, ReasonLimitSensitive,
	ReasonGuardianConsent, ReasonMinorAds, ReasonMinorSaleShare, ReasonObjected, ReasonPersonalisationOff,
	ReasonGPC, ReasonNoTransferConsent, ReasonNoTransferMechanism, ReasonUnknownRecipient, ReasonNoSharingConsent,
}
