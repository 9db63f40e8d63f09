// Package gate is the consent gate at the edge of collection (DESIGN.md "collect"; issue 5;
// REQUIREMENTS.md PM-01, NC-02, NC-08, SG-03). For every incoming message it works out
// what the subject has allowed — the stored consent state, then the message's own signals
// (Segment's context.consent.categoryPreferences, guardian consent, "personalisation off",
// objection to direct marketing, Global Privacy Control from Sec-GPC or context.gpc) — and
// asks the policy decision point, per field category and purpose, whether collecting is
// allowed. The message is stored only if the fact of the event itself may be collected
// for some purpose, and then only with the fields some allowed purpose needs; everything
// else is stripped before it is sealed. Nothing not on the manifest's allow-list for the
// event type is ever stored.
//
// The gate owns its inputs: Open builds it over the regime in force (rules and policy) and
// the consent ledger (LedgerReader, a one-second cache that also turns message signals into
// ledger records). Its seams, Rules, Decider and ConsentReader, keep it testable with fakes.
// Dependencies run collect → gate → policy, consent, tcf: the collector asks the gate for a
// Verdict; the gate never imports the collector. Minimisation is jsonscan.Filter, the same
// walk the purpose-scoped reader makes.
package gate
