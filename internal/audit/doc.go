// Package audit owns the tamper-evident processing ledger (issue 7): leaves
// describing each processing act, an RFC 6962 Merkle tree over them, batched
// appending, signed checkpoints and verification. It reaches storage only
// through its own Store interface so it imports no backend or domain package.
//
// Owners record their own acts through a Recorder (it pseudonymises the subject, stamps the
// time and names the categories the purpose may use). An act about many people at once — an
// audience released, a campaign batch, a day of profiling — is one leaf committing to a
// Merkle root over their pseudonyms (RecordAudience); the membership is kept beside the log,
// a person's transparency report (Log.Report) proves their inclusion, and Verify recomputes
// every audience root.
package audit
