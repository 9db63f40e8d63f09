package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// Errors a caller can act on. Messages never contain the data.
var (
	// ErrBinding: the ciphertext does not open under this subject, table and field —
	// it was moved from another row or column, altered, or sealed under another key.
	ErrBinding = errors.New("vault: ciphertext does not belong to this subject, table and field (moved, altered or sealed under another key)")
	// ErrShredded: the subject has no data key (erased); its ciphertexts are gone for good.
	ErrShredded = errors.New("vault: the subject's data key no longer exists (erased)")
	// ErrFormat: the bytes are not a vault ciphertext at all.
	ErrFormat = errors.New("vault: not a vault ciphertext")
	// ErrNoTombstones: the vault has nowhere durable to remember an erasure, so it refuses
	// to shred (an older copy of the database would read the person back).
	ErrNoTombstones = errors.New("vault: no durable tombstones: erasure refused")
)

// CommitTracker is implemented by key access that knows which keys it created itself
// in the current transaction: every other key it reads was committed by someone else and
// may be cached for everyone.
type CommitTracker interface {
	CommittedKey(subjectID string) bool
}

func isCommitted(keys store.KeyAccess, subjectID string) bool {
	ct, ok := keys.(CommitTracker)
	return ok && ct.CommittedKey(subjectID)
}

// committedAfter: a data key created longer ago than this cannot belong to a transaction
// still open (ingest transactions last milliseconds; the store's busy timeout is 10 s).
const committedAfter = time.Minute

// version is the first byte of every ciphertext, so the format can evolve.
const version byte = 1

// Binding names where a ciphertext lives. It is authenticated, not encrypted.
type Binding struct {
	Table, Field string
}

// Config configures a Vault.
type Config struct {
	Keyring keyring.Keyring
	// Keys is where wrapped data keys live (the store).
	Keys store.SubjectKeys
	// Tombstones outlive the database: a shredded key stays unusable even if an older copy
	// of the database is restored. Shred refuses without them (ErrNoTombstones).
	Tombstones keyring.Tombstones
	// Checks, when set, is where key-check values live (VerifyKeyring; Rotate records the
	// new key's).
	Checks KeyChecks
	// CacheTTL bounds how long an unwrapped data key stays in memory (default 30 s); a
	// shred on another node is in force here after at most this long.
	CacheTTL time.Duration
	// CacheSize bounds the number of cached keys (default 65,536).
	CacheSize int
	Now       func() time.Time

	// Compress lists the bindings whose payloads are compressed before sealing, with
	// dictionaries kept in Dictionaries (required with Compress); see compress.go.
	Compress     []Binding
	Dictionaries store.Dictionaries
	Training     Training
}

// Vault seals and opens personal data under per-subject keys.
type Vault struct {
	cfg Config

	mu    sync.Mutex
	cache map[string]cached

	compressors map[string]*compressor
	codecs      sync.Map // dictionary id → *codec
	train       Training
	wg          sync.WaitGroup
}

type cached struct {
	aead cipher.AEAD
	at   time.Time
}

// New returns a Vault. A nil keyring is refused: there is no plaintext fallback.
func New(cfg Config) (*Vault, error) {
	if cfg.Keyring == nil || cfg.Keys == nil {
		return nil, errors.New("vault: a keyring and a key store are required")
	}
	if _, k := cfg.Keyring.Current(); len(k) != keyring.KeySize {
		return nil, fmt.Errorf("%w: current key-encryption key missing", keyring.ErrNoKeyring)
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = 30 * time.Second
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 1 << 16
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Vault{cfg: cfg, cache: map[string]cached{}, train: cfg.Training.withDefaults()}
	if len(cfg.Compress) > 0 {
		if cfg.Dictionaries == nil {
			return nil, errors.New("vault: compression needs a dictionary store")
		}
		v.compressors = map[string]*compressor{}
		for _, b := range cfg.Compress {
			v.compressors[bindingKey(b)] = &compressor{key: bindingKey(b)}
		}
	}
	return v, nil
}

// Seal encrypts plaintext for subject at binding. keys is where the subject's data key is
// read or created: pass the transaction that also writes the ciphertext (so a new key
// commits with it), or nil for the vault's own store.
func (v *Vault) Seal(ctx context.Context, keys store.KeyAccess, subjectID string, b Binding, plaintext []byte) ([]byte, error) {
	aead, err := v.dataKey(ctx, keys, subjectID, true)
	if err != nil {
		return nil, err
	}
	if c := v.compressing(b); c != nil {
		if hdr, frame, ok := v.compress(ctx, c, subjectID, plaintext); ok {
			dictID, _ := binary.Uvarint(hdr[1:])
			out := make([]byte, len(hdr)+aead.NonceSize(), len(hdr)+aead.NonceSize()+len(frame)+aead.Overhead())
			copy(out, hdr)
			nonce := out[len(hdr):]
			rand.Read(nonce)
			return aead.Seal(out, nonce, frame, aadV2(subjectID, b, int64(dictID))), nil
		}
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = version
	rand.Read(out[1:])
	return aead.Seal(out, out[1:1+aead.NonceSize()], plaintext, aad(subjectID, b)), nil
}

// Open decrypts a ciphertext sealed for subject at binding, in either format: 1
// (uncompressed, every row sealed before issue 27) or 2 (compressed, naming its dictionary).
func (v *Vault) Open(ctx context.Context, subjectID string, b Binding, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < 1 || (ciphertext[0] != version && ciphertext[0] != compressedVersion) {
		return nil, ErrFormat
	}
	hdr, ad := 1, []byte(nil)
	var dictID uint64
	if ciphertext[0] == compressedVersion {
		id, n := binary.Uvarint(ciphertext[1:])
		if n <= 0 || id > 1<<32-1 {
			return nil, ErrFormat
		}
		hdr, dictID, ad = 1+n, id, aadV2(subjectID, b, int64(id))
	} else {
		ad = aad(subjectID, b)
	}
	aead, err := v.dataKey(ctx, nil, subjectID, false)
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	if len(ciphertext) < hdr+ns+aead.Overhead() {
		return nil, ErrFormat
	}
	pt, err := aead.Open(nil, ciphertext[hdr:hdr+ns], ciphertext[hdr+ns:], ad)
	if err != nil {
		return nil, ErrBinding
	}
	if ciphertext[0] == compressedVersion {
		return v.decompress(ctx, int64(dictID), pt)
	}
	return pt, nil
}

// Shred destroys the subject's data key (crypto-shredding). Every ciphertext sealed for
// the subject, wherever a copy of it is, can no longer be opened: the key row is deleted
// and, with tombstones, the wrapped key is buried first so a restored older copy of the
// database cannot bring it back.
func (v *Vault) Shred(ctx context.Context, subjectID string) error {
	if v.cfg.Tombstones == nil {
		return ErrNoTombstones
	}
	v.mu.Lock()
	delete(v.cache, subjectID)
	v.mu.Unlock()
	sk, err := v.cfg.Keys.GetSubjectKey(ctx, subjectID)
	switch {
	case err == nil:
		if err := v.cfg.Tombstones.Bury(keyDigest(sk)); err != nil {
			return fmt.Errorf("vault: shred: %w", err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("vault: shred: %w", err)
	}
	if err := v.cfg.Keys.DeleteSubjectKey(ctx, subjectID); err != nil {
		return fmt.Errorf("vault: shred: %w", err)
	}
	v.mu.Lock()
	delete(v.cache, subjectID) // an Open racing the delete may have re-cached it
	v.mu.Unlock()
	return nil
}

// aad binds a ciphertext to its place. NUL separators cannot occur in ids or names.
func aad(subjectID string, b Binding) []byte {
	return []byte("steward/v1\x00" + subjectID + "\x00" + b.Table + "\x00" + b.Field)
}

// dataKey returns the subject's data key as an AEAD. Only keys read through the vault's
// own store (committed) enter the shared cache; a key read or created inside a caller's
// transaction might still roll back, so it is never cached.
func (v *Vault) dataKey(ctx context.Context, keys store.KeyAccess, subjectID string, create bool) (cipher.AEAD, error) {
	now := v.cfg.Now()
	v.mu.Lock()
	c, ok := v.cache[subjectID]
	v.mu.Unlock()
	if ok && now.Sub(c.at) < v.cfg.CacheTTL {
		return c.aead, nil
	}
	committed := keys == nil
	if committed {
		keys = v.cfg.Keys
	}
	for attempt := 0; attempt < 2; attempt++ {
		sk, err := keys.GetSubjectKey(ctx, subjectID)
		if err == nil {
			aead, err := v.unwrap(sk)
			if err != nil {
				return nil, err
			}
			// A key read through a caller's transaction may be one this transaction just
			// created (and may still roll back); a key older than any transaction lives
			// was committed by someone else and is safe to share.
			if committed || now.Sub(sk.CreatedAt) > committedAfter || isCommitted(keys, subjectID) {
				v.remember(subjectID, aead, now)
			}
			return aead, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("vault: read data key: %w", err)
		}
		if !create {
			return nil, ErrShredded
		}
		dek := make([]byte, keyring.KeySize)
		rand.Read(dek)
		kekID, kek := v.cfg.Keyring.Current()
		wrapped, err := wrap(kek, kekID, subjectID, dek)
		if err != nil {
			return nil, err
		}
		err = keys.PutSubjectKey(ctx, store.SubjectKey{SubjectID: subjectID, KEKID: kekID, Wrapped: wrapped, CreatedAt: now.UTC().Truncate(time.Microsecond)})
		if errors.Is(err, store.ErrConflict) {
			continue // another writer created it first: use theirs
		}
		if err != nil {
			return nil, fmt.Errorf("vault: store data key: %w", err)
		}
		return newAEAD(dek)
	}
	return nil, fmt.Errorf("vault: data key for a subject kept changing")
}

func (v *Vault) remember(subjectID string, aead cipher.AEAD, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cache) >= v.cfg.CacheSize {
		// Drop an arbitrary eighth: cheap, and the keys come back from the store.
		n := len(v.cache) / 8
		for id := range v.cache {
			if n == 0 {
				break
			}
			delete(v.cache, id)
			n--
		}
	}
	v.cache[subjectID] = cached{aead: aead, at: now}
}

// keyDigest names a data key by what identifies it across copies: subject and key bytes
// as first wrapped. Rewrapping changes the bytes, so the digest is over the subject id and
// the creation time, which rewrapping keeps.
func keyDigest(sk store.SubjectKey) []byte {
	h := sha256.Sum256([]byte("steward/dek-id\x00" + sk.SubjectID + "\x00" + sk.CreatedAt.UTC().Format(time.RFC3339Nano)))
	return h[:]
}

func (v *Vault) unwrap(sk store.SubjectKey) (cipher.AEAD, error) {
	if v.cfg.Tombstones != nil && v.cfg.Tombstones.Buried(keyDigest(sk)) {
		return nil, ErrShredded
	}
	kek, err := v.cfg.Keyring.KEK(sk.KEKID)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	dek, err := unwrapKey(kek, sk.KEKID, sk.SubjectID, sk.Wrapped)
	if err != nil {
		return nil, err
	}
	return newAEAD(dek)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return cipher.NewGCM(blk)
}

// wrap encrypts a data key under a KEK, bound to the subject and the KEK id.
func wrap(kek []byte, kekID, subjectID string, dek []byte) ([]byte, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(dek)+aead.Overhead())
	rand.Read(out)
	return aead.Seal(out, out, dek, []byte("steward/dek\x00"+subjectID+"\x00"+kekID)), nil
}

func unwrapKey(kek []byte, kekID, subjectID string, wrapped []byte) ([]byte, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	ns := aead.NonceSize()
	if len(wrapped) < ns+aead.Overhead() {
		return nil, fmt.Errorf("vault: wrapped data key of a subject is malformed")
	}
	dek, err := aead.Open(nil, wrapped[:ns], wrapped[ns:], []byte("steward/dek\x00"+subjectID+"\x00"+kekID))
	if err != nil {
		return nil, fmt.Errorf("vault: a data key does not unwrap under key-encryption key %q (wrong keyring?)", kekID)
	}
	return dek, nil
}
