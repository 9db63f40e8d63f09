package partner

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// Identity is an instance's long-term ed25519 key pair. The keyring stores its seed; the
// public key is what partners pin.
type Identity struct {
	key ed25519.PrivateKey
}

// GenerateIdentity returns a new identity drawn from r (nil means crypto/rand).
func GenerateIdentity(r io.Reader) (*Identity, error) {
	if r == nil {
		r = rand.Reader
	}
	seed := make([]byte, ed25519.SeedSize)
	defer clear(seed)
	if _, err := io.ReadFull(r, seed); err != nil {
		return nil, fmt.Errorf("generate identity: %w", err)
	}
	return NewIdentity(seed)
}

// NewIdentity returns the identity of a 32-byte seed (as kept by the keyring).
func NewIdentity(seed []byte) (*Identity, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("new identity: %w: a seed is %d bytes, not %d", ErrKey, ed25519.SeedSize, len(seed))
	}
	return &Identity{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// Seed returns a copy of the seed, for the keyring.
func (id *Identity) Seed() []byte { return bytes.Clone(id.key.Seed()) }

// PublicKey returns the public key partners pin.
func (id *Identity) PublicKey() ed25519.PublicKey {
	return bytes.Clone(id.key.Public().(ed25519.PublicKey))
}

// KeyID returns the identity's key id.
func (id *Identity) KeyID() string { return KeyID(id.key.Public().(ed25519.PublicKey)) }

func (id *Identity) sign(msg []byte) []byte { return ed25519.Sign(id.key, msg) }

// KeyID names a public key on the wire: the unpadded base64url of its 32 bytes (43
// characters). It is the key itself, not a hash of it, so a key id can never name two keys.
func KeyID(pub ed25519.PublicKey) string { return base64.RawURLEncoding.EncodeToString(pub) }

// ParseKeyID returns the public key a key id names.
func ParseKeyID(s string) (ed25519.PublicKey, error) {
	b, err := decodeB64(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("parse key id: %w: not the base64url of a 32-byte key", ErrKey)
	}
	return ed25519.PublicKey(b), nil
}

// pairingLabel separates pairing ids from every other hash Steward takes.
const pairingLabel = "STEWARD-PAIRING-V1"

// PairingID names the pairing of two instances: the same on both sides, whoever invited
// whom. The clean room hashes match keys under a domain built from it
// (cleanroom.NewDomain), so points hashed for one partner mean nothing to another.
func PairingID(a, b ed25519.PublicKey) string {
	if bytes.Compare(a, b) > 0 {
		a, b = b, a
	}
	h := sha256.New()
	h.Write([]byte(pairingLabel))
	h.Write(a)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// decodeB64 decodes unpadded base64url strictly: unlike encoding/base64, which skips '\r'
// and '\n', it refuses any byte outside the alphabet, so one token has one spelling.
func decodeB64(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("byte %d is not base64url", i)
		}
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}
