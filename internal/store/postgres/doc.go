// Package postgres is Steward's PostgreSQL store, for deployments past one machine: several
// stateless `steward serve` nodes share it, and every personal table is keyed by subject so
// it can be distributed by subject (Citus).
//
// It uses pgx v5 with a connection pool. SQL is written for PostgreSQL here (no dialect
// rewriting). Migrations take a transaction-scoped advisory lock, so nodes starting together
// apply each step once. Open accepts a search_path query parameter, which the tests use to
// give every test its own schema.
//
// # Past one machine
//
// Every table that grows with people is hash-partitioned, 16 ways, on vanilla PostgreSQL
// (declarative partitioning, migration 0026): events, consent_records, subject_keys,
// subjects, tag_suppressions, points_entries, subscriptions, campaign_messages and
// journey_states by subject; identities by the identifier's hash, its key. A partitioned
// table's primary key and unique constraints must include the partition key, so each does:
// where rows are looked up by an id alone (a seq, a message id) the id leads the key, and a
// retried event is recognised per subject, (msg, subject_id), which MergeSubjects keeps true
// by dropping a merged subject's copy of an event the survivor already holds. The same
// keys are what Citus needs of a distribution column: citus/distribute.sql (beside the
// migrations, never run by Steward) distributes the personal tables co-located by subject,
// identities by hash, and makes the small global tables reference tables; its header lists
// what the store's SQL must still change before it runs on Citus (distribution-column
// updates in merges, a recursive CTE, per-node sequences). The tables that stay whole
// (sessions, merges history, held links, rights requests, the audit log and compliance
// registers) are small or read in order.
package postgres
