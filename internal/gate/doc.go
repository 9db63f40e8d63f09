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
// The gate knows the manifest and the policy only through the small interfaces Rules and
// Decider, so collect stays independent of both and the app wires the real ones.
package gate
