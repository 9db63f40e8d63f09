package vault

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/store"
)

// ErrWrongKeyring: the keyring is not the one the store's data was written with. Starting
// anyway would serve nothing readable and wrap new data keys under a key no correct
// keyring can open (issue 17 item 5).
var ErrWrongKeyring = errors.New("vault: the keyring does not match this store")

// KeyChecks is where the store keeps a key-check value per key-encryption key: a MAC of a
// constant under the key, which proves a key is the right one without revealing it (the
// store's settings).
type KeyChecks interface {
	GetSetting(ctx context.Context, name string) (string, error)
	PutSetting(ctx context.Context, name, value string) error
}

const checkPrefix = "vault.kek-check."

// checkValue is the key-check value of a KEK: HMAC-SHA-256 of a constant label, so it
// differs from anything the key encrypts and cannot be turned back into the key.
func checkValue(kek []byte) string {
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("steward/kek-check/v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyKeyring checks the keyring against the store before anything is served:
//   - every key-encryption key the keyring holds whose check value the store recorded must
//     match it;
//   - a store that recorded check values must share at least one key with the keyring;
//   - the store's first data key, and its first one not under the current key, must
//     unwrap (this covers stores written before check values existed);
//
// then it records the check values the store lacks. It needs Config.Checks.
func (v *Vault) VerifyKeyring(ctx context.Context) error {
	if v.cfg.Checks == nil {
		return errors.New("vault: verify keyring: no place to keep key-check values")
	}
	ring := v.cfg.Keyring
	known, missing := 0, []string{}
	for _, id := range ring.IDs() {
		kek, err := ring.KEK(id)
		if err != nil {
			return fmt.Errorf("vault: verify keyring: %w", err)
		}
		want, err := v.cfg.Checks.GetSetting(ctx, checkPrefix+id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			missing = append(missing, id)
			continue
		case err != nil:
			return fmt.Errorf("vault: verify keyring: %w", err)
		}
		if !hmac.Equal([]byte(want), []byte(checkValue(kek))) {
			return fmt.Errorf("%w: key-encryption key %q is not the one this store was written with (wrong keyring, or a key file replaced); restore the right DIR/keys/ or STEWARD_KEKS", ErrWrongKeyring, id)
		}
		known++
	}
	if known == 0 && len(missing) > 0 {
		// None of ours is known: the store either predates check values or was written
		// with another keyring. Any check value it holds settles which.
		other, err := v.storeHasChecks(ctx)
		if err != nil {
			return err
		}
		if other {
			return fmt.Errorf("%w: no key-encryption key of this keyring is one this store was written with; restore the right DIR/keys/ or STEWARD_KEKS", ErrWrongKeyring)
		}
	}
	cur, _ := ring.Current()
	for _, except := range []string{"", cur} {
		page, err := v.cfg.Keys.ListSubjectKeys(ctx, except, "", 1)
		if err != nil {
			return fmt.Errorf("vault: verify keyring: %w", err)
		}
		for _, sk := range page {
			kek, err := ring.KEK(sk.KEKID)
			if err != nil {
				return fmt.Errorf("%w: the store holds data keys wrapped under key-encryption key %q, which the keyring lacks", ErrWrongKeyring, sk.KEKID)
			}
			if _, err := unwrapKey(kek, sk.KEKID, sk.SubjectID, sk.Wrapped); err != nil {
				return fmt.Errorf("%w: key-encryption key %q does not unwrap the store's data keys", ErrWrongKeyring, sk.KEKID)
			}
		}
	}
	for _, id := range missing {
		if err := v.recordCheck(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// checkedMarker is set once the store recorded any key-check value: a store that has one,
// but none for this keyring's keys, was written with another keyring.
const checkedMarker = "vault.kek-checked"

func (v *Vault) storeHasChecks(ctx context.Context) (bool, error) {
	_, err := v.cfg.Checks.GetSetting(ctx, checkedMarker)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("vault: verify keyring: %w", err)
}

// recordCheck stores the key-check value of the keyring's KEK id.
func (v *Vault) recordCheck(ctx context.Context, id string) error {
	kek, err := v.cfg.Keyring.KEK(id)
	if err != nil {
		return fmt.Errorf("vault: record key check: %w", err)
	}
	if err := v.cfg.Checks.PutSetting(ctx, checkPrefix+id, checkValue(kek)); err != nil {
		return fmt.Errorf("vault: record key check: %w", err)
	}
	if err := v.cfg.Checks.PutSetting(ctx, checkedMarker, "1"); err != nil {
		return fmt.Errorf("vault: record key check: %w", err)
	}
	return nil
}
