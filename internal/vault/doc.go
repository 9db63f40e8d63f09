// Package vault keeps personal data unreadable at rest (DESIGN.md "vault"; REQUIREMENTS.md
// rows on security measures and erasure).
//
// Envelope encryption: every subject has its own 256-bit data key (DEK); payloads are
// sealed with AES-256-GCM under it, with associated data naming the subject, table and
// field, so a ciphertext moved to another row or column fails to open with ErrBinding
// instead of decrypting into the wrong place. DEKs are stored only wrapped (AES-256-GCM)
// by a key-encryption key (KEK) from a keyring (package keyring: files under DIR/keys/ or
// environment variables). Rotating the KEK re-wraps DEKs without touching data.
//
// Erasure is crypto-shredding: Shred deletes the wrapped DEK, after which every ciphertext
// sealed for the subject — including copies in backups taken earlier — is noise.
//
// Lookups by identifier use keyed blind indexes (HMAC-SHA-256 under the keyring's index
// secret over a normalised value), so the store can find a customer by email or userId
// without holding either in clear. Mask renders values for display by kind.
//
// The vault sits below the domain: it knows the store's key interfaces and nothing else.
package vault
