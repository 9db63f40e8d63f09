package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Prefixes make leaked secrets recognisable to secret scanners and tell the two kinds apart.
const (
	tokenPrefix    = "stw_op_"
	writeKeyPrefix = "stw_wk_"
	sessionPrefix  = "stw_ss_"
)

// newSecret returns prefix + 32 random bytes in base64url (256 bits of entropy).
func newSecret(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Digest is what the store keeps of a secret. A plain SHA-256 suffices: the secrets are
// 256-bit random values, so there is nothing to brute-force and no need for a slow KDF.
func Digest(secret string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return h[:]
}

// NewID returns a random identifier with a kind prefix, e.g. "op_3f9a1c2b7d4e5f60".
func NewID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}
