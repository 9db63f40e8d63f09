// Package consent owns the consent ledger's meaning (issue 4; REQUIREMENTS.md NC rows):
// recording grants and withdrawals per purpose with the notice version and hash they were
// given under, deriving the state in force at any instant (the latest record per purpose
// at or before it), "accept all", "reject all" and "turn off personalisation" as single
// atomic appends, Global Privacy Control as a sticky signal, Google Consent Mode v2
// values, and ISO/IEC TS 27560 consent records for export.
//
// Signals that are not purposes live in the same ledger under reserved keys (see the
// Signal constants), so "what had this person asked for on date D" has one answer from one
// history. The store keeps the ledger append-only; nothing here updates or deletes.
//
// The ledger owns the re-consent rule (Effective: a grant given under a notice older than
// its purpose's last change counts as not given, NC-03) and records every choice as a
// processing act itself — a choice made through Record, and the signals the collector
// appends in its own transaction (Recorded).
//
// Several nodes on one store: Follow reads the consent records every node appends (by seq,
// late commits included, store.Follower) and tells the OnChange listeners, so a withdrawal
// recorded anywhere drops this node's cached consent states, tags and memberships within a
// tick.
package consent
