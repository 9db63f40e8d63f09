// Package store defines Steward's persistence contract: the domain records every backend
// keeps, the Store interface they implement, and the errors callers may test for.
//
// Backends live in subpackages (sqlite, postgres) and each passes the same conformance suite
// in storetest. Domain packages depend on this package only, never on a backend.
//
// Invariants every backend keeps:
//   - a write that returns nil is committed and durable (SQLite: WAL with synchronous=FULL;
//     PostgreSQL: a committed transaction);
//   - batch writes are all-or-nothing: either every row is stored or none is;
//   - events are idempotent on (source, message id) for a subject: a retried batch stores
//     nothing twice (both stores keep only the key, EventKey; SQLite across the shop,
//     PostgreSQL per subject because its events are partitioned by subject);
//   - secrets are stored only as hashes (token and write-key digests), never in clear;
//   - personal payloads (event bodies, traits) are opaque bytes here: the layers above decide
//     their encoding, so the vault can seal them without a schema change.
//
// Several nodes on one PostgreSQL database follow each other through ChangeLog (the events,
// the consent ledger and the erasure log by seq) with a Follower, which also sees rows whose
// transaction committed after a later seq.
package store
