package vault_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
	"github.com/stewardhq/steward/internal/vault"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

type fixture struct {
	dir  string
	st   *sqlite.Store
	ring *keyring.File
	v    *vault.Vault
}

func open(t *testing.T, dir string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.Open(filepath.Join(dir, "keys"), true)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Keyring: ring, Keys: st, Tombstones: ring})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: dir, st: st, ring: ring, v: v}
}

var (
	profile = vault.Binding{Table: "profiles", Field: "email"}
	events  = vault.Binding{Table: "events", Field: "body"}
)

func TestSealOpenRoundTrip(t *testing.T) {
	f := open(t, t.TempDir())
	ctx := context.Background()
	secret := []byte("li.na@example.com")
	ct, err := f.v.Seal(ctx, nil, "sub_a", profile, secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, secret) {
		t.Fatal("ciphertext contains the plaintext")
	}
	ct2, _ := f.v.Seal(ctx, nil, "sub_a", profile, secret)
	if bytes.Equal(ct, ct2) {
		t.Fatal("two seals of one value are equal: nonce reuse")
	}
	pt, err := f.v.Open(ctx, "sub_a", profile, ct)
	if err != nil || !bytes.Equal(pt, secret) {
		t.Fatalf("open = %q, %v", pt, err)
	}
}

// A blob moved to another subject, table or field, or altered, must not open (issue 6 item 2).
func TestSwapAndTamperFail(t *testing.T) {
	f := open(t, t.TempDir())
	ctx := context.Background()
	ct, _ := f.v.Seal(ctx, nil, "sub_a", profile, []byte("13812341234"))
	if _, err := f.v.Seal(ctx, nil, "sub_b", profile, []byte("x")); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func() error{
		"other subject": func() error { _, err := f.v.Open(ctx, "sub_b", profile, ct); return err },
		"other table":   func() error { _, err := f.v.Open(ctx, "sub_a", vault.Binding{"events", "email"}, ct); return err },
		"other field":   func() error { _, err := f.v.Open(ctx, "sub_a", vault.Binding{"profiles", "phone"}, ct); return err },
		"flipped bit": func() error {
			bad := append([]byte(nil), ct...)
			bad[len(bad)-3] ^= 1
			_, err := f.v.Open(ctx, "sub_a", profile, bad)
			return err
		},
	}
	for name, fn := range cases {
		if err := fn(); !errors.Is(err, vault.ErrBinding) {
			t.Errorf("%s: err = %v, want ErrBinding", name, err)
		}
	}
	if _, err := f.v.Open(ctx, "sub_a", profile, []byte("plain text")); !errors.Is(err, vault.ErrFormat) {
		t.Errorf("garbage: err = %v, want ErrFormat", err)
	}
}

func TestWrongKeyringFails(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir)
	ctx := context.Background()
	ct, _ := f.v.Seal(ctx, nil, "sub_a", profile, []byte("secret"))
	other, err := keyring.Open(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := vault.New(vault.Config{Keyring: other, Keys: f.st})
	_, err = v2.Open(ctx, "sub_a", profile, ct)
	if err == nil || errors.Is(err, vault.ErrBinding) {
		t.Fatalf("open under another keyring: err = %v, want a key error", err)
	}
}

// No key, no start (issue 6 item 6).
func TestMissingKeyringRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := keyring.Open(filepath.Join(dir, "keys"), false); !errors.Is(err, keyring.ErrNoKeyring) {
		t.Fatalf("missing keyring: err = %v", err)
	}
	ring, err := keyring.Open(filepath.Join(dir, "keys"), true)
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := ring.Current()
	os.Remove(filepath.Join(dir, "keys", "kek-"+cur+".key"))
	if _, err := keyring.Open(filepath.Join(dir, "keys"), true); !errors.Is(err, keyring.ErrNoKeyring) {
		t.Fatalf("keyring without its current key: err = %v", err)
	}
	os.WriteFile(filepath.Join(dir, "keys", "kek-"+cur+".key"), []byte("not hex"), 0o600)
	if _, err := keyring.Open(filepath.Join(dir, "keys"), true); !errors.Is(err, keyring.ErrNoKeyring) {
		t.Fatalf("unreadable key: err = %v", err)
	}
	if _, err := vault.New(vault.Config{}); err == nil {
		t.Fatal("vault without keyring started")
	}
	info, err := os.Stat(filepath.Join(dir, "keys", "index.secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("index.secret mode = %v, %v", info.Mode(), err)
	}
}

// Erasure: shredding makes ciphertexts unreadable, also from a copy of the database taken
// before the erasure (issue 6 item 4).
func TestShredAlsoDefeatsOldCopies(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir)
	ctx := context.Background()
	ct, _ := f.v.Seal(ctx, nil, "sub_a", events, []byte(`{"email":"li.na@example.com"}`))
	keep, _ := f.v.Seal(ctx, nil, "sub_b", events, []byte(`{"ok":1}`))

	backup := t.TempDir()
	copyDB(t, f.st, filepath.Join(backup, "steward.db"))

	if err := f.v.Shred(ctx, "sub_a"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.v.Open(ctx, "sub_a", events, ct); !errors.Is(err, vault.ErrShredded) {
		t.Fatalf("after shred: err = %v", err)
	}
	if _, err := f.v.Open(ctx, "sub_b", events, keep); err != nil {
		t.Fatalf("another subject lost its data: %v", err)
	}
	// The old copy still holds sub_a's wrapped key; the keyring refuses it.
	old, err := sqlite.Open(ctx, filepath.Join(backup, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := old.GetSubjectKey(ctx, "sub_a"); err != nil {
		t.Fatalf("backup copy should still hold the wrapped key: %v", err)
	}
	ring, _ := keyring.Open(filepath.Join(dir, "keys"), false)
	v2, _ := vault.New(vault.Config{Keyring: ring, Keys: old, Tombstones: ring})
	if _, err := v2.Open(ctx, "sub_a", events, ct); !errors.Is(err, vault.ErrShredded) {
		t.Fatalf("restored copy: err = %v, want ErrShredded", err)
	}
	if _, err := v2.Open(ctx, "sub_b", events, keep); err != nil {
		t.Fatalf("restored copy lost sub_b: %v", err)
	}
}

func copyDB(t *testing.T, st *sqlite.Store, to string) {
	t.Helper()
	// VACUUM INTO writes a consistent copy including what is still in the WAL.
	if err := st.VacuumInto(context.Background(), to); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(to)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if n, _ := io.Copy(io.Discard, fh); n == 0 {
		t.Fatal("empty copy")
	}
}

// A key created inside a transaction that rolls back leaves nothing usable behind, and a
// retry gets a fresh key that commits with its data.
func TestKeyCreatedInRolledBackTx(t *testing.T) {
	f := open(t, t.TempDir())
	ctx := context.Background()
	boom := errors.New("boom")
	err := f.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := f.v.Seal(ctx, tx, "sub_new", events, []byte("x")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var ct []byte
	if err := f.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		ct, err = f.v.Seal(ctx, tx, "sub_new", events, []byte("kept"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if pt, err := f.v.Open(ctx, "sub_new", events, ct); err != nil || string(pt) != "kept" {
		t.Fatalf("open after retry = %q, %v", pt, err)
	}
}

// Rotation re-wraps every key without re-encrypting data; it is resumable and retires the
// old key-encryption key once nothing uses it.
func TestRotate(t *testing.T) {
	f := open(t, t.TempDir())
	ctx := context.Background()
	var cts [][]byte
	for i := 0; i < 1200; i++ {
		ct, err := f.v.Seal(ctx, nil, subject(i), events, []byte("payload"))
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	old, _ := f.ring.Current()
	res, err := f.v.Rotate(ctx, f.ring)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rewrapped != 1200 || res.KEK == old || len(res.Retired) != 1 || res.Retired[0] != old {
		t.Fatalf("rotate = %+v (old %s)", res, old)
	}
	if _, err := f.ring.KEK(old); err == nil {
		t.Fatal("old KEK still present")
	}
	ring, _ := keyring.Open(filepath.Join(f.dir, "keys"), false)
	v2, _ := vault.New(vault.Config{Keyring: ring, Keys: f.st})
	for i, ct := range cts {
		if _, err := v2.Open(ctx, subject(i), events, ct); err != nil {
			t.Fatalf("subject %d after rotation: %v", i, err)
		}
	}
	// A second pass finds nothing to do.
	if res, err := v2.Rewrap(ctx, ring); err != nil || res.Rewrapped != 0 {
		t.Fatalf("rewrap again = %+v, %v", res, err)
	}
}

func subject(i int) string {
	return "sub_" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
}

func TestEnvKeyring(t *testing.T) {
	env := map[string]string{
		"STEWARD_KEKS":         "k1:" + hex64('1') + ",k2:" + hex64('2'),
		"STEWARD_KEK_CURRENT":  "k2",
		"STEWARD_INDEX_SECRET": hex64('3'),
	}
	e, ok, err := keyring.FromEnv(func(k string) string { return env[k] })
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if id, _ := e.Current(); id != "k2" {
		t.Fatalf("current = %s", id)
	}
	env["STEWARD_KEK_CURRENT"] = "k9"
	if _, _, err := keyring.FromEnv(func(k string) string { return env[k] }); !errors.Is(err, keyring.ErrNoKeyring) {
		t.Fatalf("bad current: %v", err)
	}
	if _, ok, _ := keyring.FromEnv(func(string) string { return "" }); ok {
		t.Fatal("empty env reported a keyring")
	}
}

func hex64(c byte) string { return string(bytes.Repeat([]byte{c}, 64)) }

// committedTx marks every key it reads as committed by someone else.
type committedTx struct{ store.Tx }

func (committedTx) CommittedKey(string) bool { return true }

// A key read inside a transaction is shared in the cache only when the caller vouches it
// was committed by someone else (vault.CommitTracker).
func TestCommittedKeysReadInTxAreCached(t *testing.T) {
	f := open(t, t.TempDir())
	ctx := context.Background()
	ct, _ := f.v.Seal(ctx, nil, "sub_c", events, []byte("x"))
	v2, _ := vault.New(vault.Config{Keyring: f.ring, Keys: f.st})
	f.st.InTx(ctx, func(tx store.Tx) error {
		_, err := v2.Seal(ctx, committedTx{tx}, "sub_c", events, []byte("y"))
		return err
	})
	// Remove the row behind the vault's back: only a cached key can still open.
	if err := f.st.DeleteSubjectKey(ctx, "sub_c"); err != nil {
		t.Fatal(err)
	}
	if _, err := v2.Open(ctx, "sub_c", events, ct); err != nil {
		t.Fatalf("committed key read in a transaction was not cached: %v", err)
	}
	v3, _ := vault.New(vault.Config{Keyring: f.ring, Keys: f.st})
	if _, err := v3.Open(ctx, "sub_c", events, ct); !errors.Is(err, vault.ErrShredded) {
		t.Fatalf("fresh vault: %v", err)
	}
}
