// Package storetest is the conformance suite every store backend must pass. Each backend's
// own test calls Run with a function that opens a fresh, empty, migrated store; the suite
// then checks the behaviour domain packages rely on (sentinel errors, idempotent event
// batches, atomic writes, token revocation) identically on SQLite and PostgreSQL.
package storetest
