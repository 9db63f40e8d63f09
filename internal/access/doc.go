// Package access is the only way to read personal data: every read names a purpose and an
// actor, asks the policy decision point about each field's category for that subject, and
// returns only what the decision allows — masked fields masked, denied fields absent
// (issue 3 item 4, PM rows of REQUIREMENTS.md). The store's raw reads and the vault's
// Open are called from here and nowhere else outside the store and vault themselves; a
// test type-checks the whole module and fails on any other caller.
//
// The rules of a read live here: the policy-backed decider (PolicyDecider, with the profile
// engine's PurposeProfiling read), masking, and masking by role — direct identifiers are
// masked for every viewer but the person, Steward itself, admins and privacy officers
// (ClearIdentifiers). An operator's read is a processing act the reader records itself.
package access
