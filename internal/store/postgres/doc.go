// Package postgres is Steward's PostgreSQL store, for deployments past one machine: several
// stateless `steward serve` nodes share it, and every personal table is keyed by subject so
// it can be distributed by subject (Citus).
//
// It uses pgx v5 with a connection pool. SQL is written for PostgreSQL here (no dialect
// rewriting). Migrations take a transaction-scoped advisory lock, so nodes starting together
// apply each step once. Open accepts a search_path query parameter, which the tests use to
// give every test its own schema.
package postgres
