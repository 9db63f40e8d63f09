package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Pseudonymizer turns subject ids into keyed pseudonyms (HMAC-SHA256 under a
// per-deployment secret) so leaves never carry a raw identifier.
type Pseudonymizer struct{ key []byte }

// NewPseudonymizer returns a Pseudonymizer keyed by secret.
func NewPseudonymizer(secret []byte) *Pseudonymizer {
	return &Pseudonymizer{key: append([]byte(nil), secret...)}
}

// Pseudonym returns the hex pseudonym for subject id.
func (p *Pseudonymizer) Pseudonym(subject string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(subject))
	return hex.EncodeToString(m.Sum(nil))
}
