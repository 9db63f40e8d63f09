// Package keyring provides the key-encryption keys (KEKs) and the blind-index secret the
// vault needs. A Keyring never hands out data; it only holds keys.
//
// Two providers: files under DIR/keys/ (the default; created on first start, mode 0600,
// directory 0700) and environment variables (for deployments whose secrets come from an
// orchestrator). A missing or unreadable keyring is an error, never a reason to fall back
// to plaintext (issue 6, "no key, no start").
package keyring

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// KeySize is the size of every key in bytes (AES-256, HMAC-SHA-256).
const KeySize = 32

// ErrNoKeyring means no usable keyring was found.
var ErrNoKeyring = errors.New("keyring: no usable keyring")

// Keyring holds KEKs by id, names the current one, and holds the blind-index secret.
type Keyring interface {
	// Current returns the id and bytes of the KEK new data keys are wrapped with.
	Current() (id string, key []byte)
	// KEK returns the KEK with the given id (old ones stay until nothing uses them).
	KEK(id string) ([]byte, error)
	// IndexSecret is the HMAC key of blind indexes and pseudonyms.
	IndexSecret() []byte
	// IDs lists the KEK ids the keyring holds, sorted.
	IDs() []string
}

// Rotator is a keyring that can make a new current KEK (the file provider).
type Rotator interface {
	Keyring
	// Rotate creates a new KEK, makes it current and returns its id.
	Rotate() (string, error)
	// Retire deletes a KEK that no data key uses any more.
	Retire(id string) error
}

// File is the file provider: DIR/keys/kek-<id>.key (hex), DIR/keys/current (the current
// id), DIR/keys/index.secret (hex).
type File struct {
	dir string
	*FileTombstones

	mu      sync.RWMutex
	keks    map[string][]byte
	current string
	index   []byte
}

// Open loads the keyring in dir. With create, a missing keyring is created (first start);
// without it, a missing keyring is ErrNoKeyring. A keyring that exists but cannot be read
// (bad permissions, bad contents, a current id with no key) is always an error.
func Open(dir string, create bool) (*File, error) {
	f := &File{dir: dir, keks: map[string][]byte{}}
	cur, err := os.ReadFile(filepath.Join(dir, "current"))
	switch {
	case errors.Is(err, os.ErrNotExist):
		if !create {
			return nil, fmt.Errorf("%w: %s has no keyring (expected %s)", ErrNoKeyring, dir, filepath.Join(dir, "current"))
		}
		return f.create()
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	f.current = strings.TrimSpace(string(cur))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "kek-") || !strings.HasSuffix(name, ".key") {
			continue
		}
		k, err := readKey(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		f.keks[strings.TrimSuffix(strings.TrimPrefix(name, "kek-"), ".key")] = k
	}
	if _, ok := f.keks[f.current]; !ok {
		return nil, fmt.Errorf("%w: current key %q has no file kek-%s.key in %s", ErrNoKeyring, f.current, f.current, dir)
	}
	if f.index, err = readKey(filepath.Join(dir, "index.secret")); err != nil {
		return nil, err
	}
	if f.FileTombstones, err = OpenTombstones(dir); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) create() (*File, error) {
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	idx := make([]byte, KeySize)
	rand.Read(idx)
	if err := writeKey(filepath.Join(f.dir, "index.secret"), idx); err != nil {
		return nil, err
	}
	f.index = idx
	var err error
	if f.FileTombstones, err = OpenTombstones(f.dir); err != nil {
		return nil, err
	}
	if _, err := f.Rotate(); err != nil {
		return nil, err
	}
	return f, nil
}

func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("%w: %s does not hold a %d-byte hex key", ErrNoKeyring, path, KeySize)
	}
	return k, nil
}

// writeKey writes a key file atomically with mode 0600.
func writeKey(path string, k []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	return nil
}

// Current implements Keyring.
func (f *File) Current() (string, []byte) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.current, f.keks[f.current]
}

// KEK implements Keyring.
func (f *File) KEK(id string) ([]byte, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	k, ok := f.keks[id]
	if !ok {
		return nil, fmt.Errorf("keyring: no key-encryption key %q", id)
	}
	return k, nil
}

// IndexSecret implements Keyring.
func (f *File) IndexSecret() []byte { return f.index }

// IDs implements Keyring.
func (f *File) IDs() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	ids := make([]string, 0, len(f.keks))
	for id := range f.keks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Rotate implements Rotator. The new key file is written before "current" points at it,
// so a crash in between leaves the old key current and nothing lost.
func (f *File) Rotate() (string, error) {
	b := make([]byte, 6)
	rand.Read(b)
	id := hex.EncodeToString(b)
	k := make([]byte, KeySize)
	rand.Read(k)
	if err := writeKey(filepath.Join(f.dir, "kek-"+id+".key"), k); err != nil {
		return "", err
	}
	tmp := filepath.Join(f.dir, "current.tmp")
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keyring: rotate: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(f.dir, "current")); err != nil {
		return "", fmt.Errorf("keyring: rotate: %w", err)
	}
	f.mu.Lock()
	f.keks[id], f.current = k, id
	f.mu.Unlock()
	return id, nil
}

// Retire implements Rotator.
func (f *File) Retire(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == f.current {
		return fmt.Errorf("keyring: cannot retire the current key %q", id)
	}
	if err := os.Remove(filepath.Join(f.dir, "kek-"+id+".key")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("keyring: retire %q: %w", id, err)
	}
	delete(f.keks, id)
	return nil
}

// Env is the environment provider: STEWARD_KEKS="id1:hex,id2:hex", STEWARD_KEK_CURRENT=id,
// STEWARD_INDEX_SECRET=hex. It cannot rotate; the orchestrator that sets the variables does.
// It keeps no tombstones of its own: pair it with OpenTombstones on a durable directory.
type Env struct {
	keks    map[string][]byte
	current string
	index   []byte
}

// FromEnv reads the environment provider; ok is false when STEWARD_KEKS is unset.
func FromEnv(getenv func(string) string) (e *Env, ok bool, err error) {
	spec := getenv("STEWARD_KEKS")
	if spec == "" {
		return nil, false, nil
	}
	e = &Env{keks: map[string][]byte{}, current: getenv("STEWARD_KEK_CURRENT")}
	for _, part := range strings.Split(spec, ",") {
		id, hx, found := strings.Cut(strings.TrimSpace(part), ":")
		k, derr := hex.DecodeString(hx)
		if !found || id == "" || derr != nil || len(k) != KeySize {
			return nil, true, fmt.Errorf("%w: STEWARD_KEKS entries must be id:<64 hex digits>", ErrNoKeyring)
		}
		e.keks[id] = k
	}
	if _, found := e.keks[e.current]; !found {
		return nil, true, fmt.Errorf("%w: STEWARD_KEK_CURRENT %q names no key in STEWARD_KEKS", ErrNoKeyring, e.current)
	}
	if e.index, err = hex.DecodeString(getenv("STEWARD_INDEX_SECRET")); err != nil || len(e.index) != KeySize {
		return nil, true, fmt.Errorf("%w: STEWARD_INDEX_SECRET must be 64 hex digits", ErrNoKeyring)
	}
	return e, true, nil
}

// Current implements Keyring.
func (e *Env) Current() (string, []byte) { return e.current, e.keks[e.current] }

// KEK implements Keyring.
func (e *Env) KEK(id string) ([]byte, error) {
	k, ok := e.keks[id]
	if !ok {
		return nil, fmt.Errorf("keyring: no key-encryption key %q in STEWARD_KEKS", id)
	}
	return k, nil
}

// IndexSecret implements Keyring.
func (e *Env) IndexSecret() []byte { return e.index }

// IDs implements Keyring.
func (e *Env) IDs() []string {
	ids := make([]string, 0, len(e.keks))
	for id := range e.keks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
