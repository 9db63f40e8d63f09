// Package vault keeps personal data unreadable at rest (DESIGN.md "vault"; REQUIREMENTS.md
// rows on security measures and erasure).
//
// Envelope encryption: every subject has its own 256-bit data key (DEK); payloads are
// sealed with AES-256-GCM under it, with associated data naming the subject, table and
// field, so a ciphertext moved to another row or column fails to open with ErrBinding
// instead of decrypting into the wrong place. DEKs are stored only wrapped (AES-256-GCM)
// by a key-encryption key (KEK) from a keyring (package keyring: files under DIR/keys/ or
// environment variables). Rotating the KEK re-wraps DEKs without touching data; a retired
// KEK is deleted only once nothing is wrapped under it, and only by a rotation that holds
// the store's exclusive keyring lease, so no live server still wraps under it.
//
// The store keeps a key-check value per KEK (an HMAC of a constant under the key);
// VerifyKeyring compares them, and unwraps a sample of the stored DEKs, before a process
// serves: a wrong keyring is refused at start with ErrWrongKeyring instead of serving and
// wrapping new DEKs under a key no correct keyring can open.
//
// Erasure is crypto-shredding: Shred buries the wrapped DEK in durable tombstones, then
// deletes it, after which every ciphertext sealed for the subject — including copies in
// backups taken earlier — is noise. A vault without tombstones refuses to shred.
//
// Compression (compress.go): payloads of the bindings named in Config.Compress (the app
// names events.body) are compressed with zstd before sealing, with a dictionary trained in
// process on the first payloads sealed; a dictionary keeps only JSON structure and values
// seen for at least Training.MinPeople subjects, so it holds no personal data and is stored
// in clear (store.Dictionaries), immutable, named by id in each sealed row (format 2). Rows
// sealed before, or that zstd does not shrink, are format 1; both open. Erasure is
// unchanged: the per-subject key is what makes a row readable, and shredding it still does.
//
// Lookups by identifier use keyed blind indexes (HMAC-SHA-256 under the keyring's index
// secret over a normalised value), so the store can find a customer by email or userId
// without holding either in clear. Mask renders values for display by kind.
//
// The vault sits below the domain: it knows the store's key interfaces and nothing else.
package vault
