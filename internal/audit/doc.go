// Package audit owns the tamper-evident processing ledger (issue 7): leaves
// describing each processing act, an RFC 6962 Merkle tree over them, batched
// appending, signed checkpoints and verification. It reaches storage only
// through its own Store interface so it imports no backend or domain package.
package audit
