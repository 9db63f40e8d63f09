package rights

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Records kept under legal hold after an erasure (order facts, under accounting law) are
// sealed with AES-256-GCM under a legal-hold key derived from HoldKey with a label only
// this file uses, so they are not plaintext at rest and only the rights and compliance
// path (HeldRecords) opens them (issue 17). The associated data binds each record to its
// pseudonym, kind and time, so a sealed record moved to another row does not open.

// ErrHeldRecord: a held record does not open under the legal-hold key (moved, altered, or
// kept under another keyring).
var ErrHeldRecord = errors.New("rights: a legal-hold record does not open")

const heldVersion byte = 1

func (s *Service) holdAEAD() (cipher.AEAD, error) {
	mac := hmac.New(sha256.New, s.cfg.HoldKey)
	mac.Write([]byte("steward/legal-hold/seal-key/v1"))
	blk, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

func heldAAD(pseudonym, kind string, at time.Time) []byte {
	return []byte("steward/legal-hold/v1\x00" + pseudonym + "\x00" + kind + "\x00" + at.UTC().Format(time.RFC3339Nano))
}

// sealHeld encrypts a held record's facts.
func (s *Service) sealHeld(r store.HeldRecord, plaintext []byte) ([]byte, error) {
	aead, err := s.holdAEAD()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = heldVersion
	rand.Read(out[1:])
	return aead.Seal(out, out[1:1+aead.NonceSize()], plaintext, heldAAD(r.Pseudonym, r.Kind, r.OccurredAt)), nil
}

// HoldPseudonym is the keyed pseudonym under which an erased person's held records are
// kept (the compliance path needs it to find them; nothing else names them).
func (s *Service) HoldPseudonym(subjectID string) string {
	mac := hmac.New(sha256.New, s.cfg.HoldKey)
	mac.Write([]byte("steward/legal-hold\x00" + subjectID))
	return hex.EncodeToString(mac.Sum(nil))
}

// HeldRecords opens the records kept under legal hold for a pseudonym: the order facts,
// for an auditor or a tax inspection.
func (s *Service) HeldRecords(ctx context.Context, pseudonym string) ([]store.HeldRecord, error) {
	recs, err := s.cfg.Store.HeldRecords(ctx, pseudonym)
	if err != nil {
		return nil, err
	}
	aead, err := s.holdAEAD()
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	for i, r := range recs {
		if len(r.Record) < 1+ns+aead.Overhead() || r.Record[0] != heldVersion {
			return nil, fmt.Errorf("%w: record %d is not sealed", ErrHeldRecord, i)
		}
		pt, err := aead.Open(nil, r.Record[1:1+ns], r.Record[1+ns:], heldAAD(r.Pseudonym, r.Kind, r.OccurredAt))
		if err != nil {
			return nil, fmt.Errorf("%w: record %d", ErrHeldRecord, i)
		}
		recs[i].Record = pt
	}
	return recs, nil
}
