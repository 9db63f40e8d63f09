// Package compliance makes and checks the evidence bundle of a personal-information
// protection compliance audit (issue 26 item 5; AA-03; the PI Protection Compliance Audit
// Measures in force 1 May 2025): one signed archive an auditor takes away and verifies
// offline, with nothing but the archive and the shop's public key.
//
// The archive is a plain POSIX tar, written canonically (fixed order, modes, owners and
// times), holding:
//
//	bundle.json       what the bundle is: when, by which Steward, over which store
//	manifests.json    every manifest version with its hash and text
//	consent.json      grants and withdrawals per purpose and month
//	rights.json       rights requests and their timeliness against their deadlines
//	retention.json    the retention plan in force, the passes that ran, anonymous aggregates
//	transfers.json    the transfer register of this year and last, with the CAC counters
//	assessments.json  records of processing and impact assessments with their workflow
//	incidents.json    the breach register with its notices
//	audit.json        signed checkpoints of the audit log and consistency proofs between them
//	report.html       the readable report (report.pdf too, where a renderer is available)
//	verifier.key      the public key that signed it (the audit log's ed25519 note key)
//	SIGNATURE         a signed note listing every other file's sha256 and size
//
// It is signed with the key Steward already signs audit checkpoints with (DIR/keys/
// audit.key; C2SP signed-note format), so the bundle and the checkpoints inside it answer
// to one identity the auditor pins once; the note's first line ("steward compliance bundle
// v1") keeps a bundle signature from ever reading as a checkpoint, and the reverse.
//
// Verify checks, in order: the archive's structure, the signature under the key inside
// (or the pinned one, which must be the same), that every file is listed with its hash and
// nothing else is there, that the archive's bytes are exactly the canonical ones (so not a
// byte of padding or header can change unnoticed), and then the contents: every checkpoint
// signed by the same key and each consistent with the next (RFC 6962 proofs). Any failure
// names what failed (*VerifyError).
//
// The bundle holds no personal data: counts, pseudonymous audit material (roots, sizes,
// proofs), request ids without subjects, and the manifest.
package compliance
