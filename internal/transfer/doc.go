// Package transfer owns the register of cross-border transfers and the check every
// exporter makes before personal data leaves for a recipient (issue 26 item 2; SX-01 to
// SX-04; PIPL Arts. 38–40; the CAC Provisions on Promoting and Regulating Cross-Border
// Data Flows of 22 March 2024; GDPR Arts. 44–49).
//
// Check is the one gate: an anonymised export, a segment's audience export, an ad-audience
// sync and a clean-room partner job each call it with the recipient (as the manifest names
// it), the purpose and the people. For a recipient at home it lets everyone through and
// records nothing (the exporter records its own act). For a recipient abroad:
//   - the recipient must be declared for the purpose, and every country it is in must be
//     covered by the transfer mechanism the manifest names for it, in force today (filed,
//     referenced, not expired: manifest.Transfer.InForce), of a kind the home law accepts
//     (from China: CAC standard contract, certification or security assessment; from the
//     EEA: adequacy, SCCs or BCRs) — otherwise the whole transfer is refused (ErrNoMechanism);
//   - each person must have given separate consent to the transfer (the policy decision
//     point's Transfer action: cross_border_transfer granted, and the purpose's own basis);
//     the others are left out, counted by reason, and nobody left means ErrNoConsent;
//   - from China, the people counted since 1 January of the calendar year (home time zone,
//     distinct across recipients and countries, sensitive and other data apart) must stay
//     within what the mechanism covers: a standard contract or certification covers fewer
//     than 1,000,000 people's general data and fewer than 10,000 people's sensitive data;
//     beyond, only a CAC security assessment does (Arts. 7–8), and the transfer is refused
//     (ErrThreshold). Below 100,000 people's general data a transfer would be exempt from
//     any mechanism (Art. 5(4)); Steward still asks for one, since the manifest declares it.
//     Reaching 80 % of a threshold adds a warning to the decision and to the register view.
//
// What goes is entered in the register (store.Transfers: one entry per country, and each
// person counted once per year by a keyed pseudonym that survives their erasure without
// naming them) and recorded as one processing act committing to everyone sent, so each
// person sees it in their transparency report. Counting happens at the check, before the
// exporter sends: a transfer that then fails is still counted, which errs on the side of
// the thresholds.
//
//	dec, err := svc.Check(ctx, transfer.Request{Kind: transfer.KindExport, Recipient: "Acme Analytics GmbH",
//		Purpose: "analytics.reporting", Subjects: ids, Actor: operatorID})
//	// errors.Is(err, transfer.ErrNoMechanism): nothing may go; otherwise send dec.Allowed only.
package transfer
