package vault_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// VerifyKeyring: the keyring a store was written with passes (and its check values are
// recorded); a replaced key, a foreign keyring or one lacking the store's keys is refused
// with ErrWrongKeyring (issue 17 item 5).
func TestVerifyKeyring(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := open(t, dir)
	v, _ := vault.New(vault.Config{Keyring: f.ring, Keys: f.st, Tombstones: f.ring, Checks: f.st})
	if err := v.VerifyKeyring(ctx); err != nil {
		t.Fatalf("right keyring on an empty store: %v", err)
	}
	if _, err := v.Seal(ctx, nil, "sub_a", events, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyKeyring(ctx); err != nil {
		t.Fatalf("right keyring: %v", err)
	}
	other, _ := keyring.Open(t.TempDir(), true)
	v2, _ := vault.New(vault.Config{Keyring: other, Keys: f.st, Tombstones: other, Checks: f.st})
	if err := v2.VerifyKeyring(ctx); !errors.Is(err, vault.ErrWrongKeyring) {
		t.Fatalf("foreign keyring: %v", err)
	}
	// Same id, other bytes.
	cur, _ := f.ring.Current()
	os.WriteFile(filepath.Join(dir, "keys", "kek-"+cur+".key"), []byte("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"), 0o600)
	swapped, err := keyring.Open(filepath.Join(dir, "keys"), false)
	if err != nil {
		t.Fatal(err)
	}
	v3, _ := vault.New(vault.Config{Keyring: swapped, Keys: f.st, Tombstones: swapped, Checks: f.st})
	if err := v3.VerifyKeyring(ctx); !errors.Is(err, vault.ErrWrongKeyring) {
		t.Fatalf("replaced key: %v", err)
	}
}

// A store written before check values existed: the sample of its data keys decides.
func TestVerifyKeyringWithoutCheckValues(t *testing.T) {
	ctx := context.Background()
	f := open(t, t.TempDir())
	if _, err := f.v.Seal(ctx, nil, "sub_a", events, []byte("x")); err != nil { // f.v records no checks
		t.Fatal(err)
	}
	other, _ := keyring.Open(t.TempDir(), true)
	v2, _ := vault.New(vault.Config{Keyring: other, Keys: f.st, Tombstones: other, Checks: f.st})
	if err := v2.VerifyKeyring(ctx); !errors.Is(err, vault.ErrWrongKeyring) {
		t.Fatalf("foreign keyring on an unchecked store: %v", err)
	}
	v, _ := vault.New(vault.Config{Keyring: f.ring, Keys: f.st, Tombstones: f.ring, Checks: f.st})
	if err := v.VerifyKeyring(ctx); err != nil {
		t.Fatalf("right keyring on an unchecked store: %v", err)
	}
}

// Without durable tombstones there is no erasure (issue 17 item 8).
func TestShredRefusesWithoutTombstones(t *testing.T) {
	ctx := context.Background()
	f := open(t, t.TempDir())
	v, _ := vault.New(vault.Config{Keyring: f.ring, Keys: f.st})
	if _, err := v.Seal(ctx, nil, "sub_a", events, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := v.Shred(ctx, "sub_a"); !errors.Is(err, vault.ErrNoTombstones) {
		t.Fatalf("shred without tombstones: %v", err)
	}
	if _, err := f.st.GetSubjectKey(ctx, "sub_a"); err != nil {
		t.Fatalf("the key was deleted anyway: %v", err)
	}
}
