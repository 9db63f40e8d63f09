package keyring

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Tombstones remember which wrapped data keys were shredded, outside the database. Deleting
// a key row is enough for the live database, but a copy of the database taken before the
// erasure still holds the wrapped key; the keyring refusing to unwrap a tombstoned key is
// what makes that copy useless for the erased subject (issue 6 item 4).
type Tombstones interface {
	// Bury records digest (SHA-256 of a wrapped data key) as shredded, durably.
	Bury(digest []byte) error
	// Buried reports whether digest was shredded.
	Buried(digest []byte) bool
}

const tombstoneFile = "shredded"

// FileTombstones keeps tombstones in a file, one hex digest a line, appended and fsynced.
// Every keyring provider keeps its tombstones in one: the file provider beside its keys,
// the environment provider in the data directory's keys/ folder, which must be kept (and
// backed up) like the file keyring is (issue 17 item 8).
type FileTombstones struct {
	path   string
	mu     sync.RWMutex
	buried map[string]bool
}

var _ Tombstones = (*FileTombstones)(nil)

// OpenTombstones loads the tombstones in dir/shredded, creating dir (0700) if needed.
func OpenTombstones(dir string) (*FileTombstones, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: tombstones: %v", ErrNoKeyring, err)
	}
	t := &FileTombstones{path: filepath.Join(dir, tombstoneFile), buried: map[string]bool{}}
	fh, err := os.Open(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			t.buried[line] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoKeyring, t.path, err)
	}
	return t, nil
}

// Bury implements Tombstones: one hex line appended and fsynced before it returns.
func (t *FileTombstones) Bury(digest []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := hex.EncodeToString(digest)
	if t.buried[h] {
		return nil
	}
	fh, err := os.OpenFile(t.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("keyring: record shredded key: %w", err)
	}
	if _, err := fh.WriteString(h + "\n"); err != nil {
		fh.Close()
		return fmt.Errorf("keyring: record shredded key: %w", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("keyring: record shredded key: %w", err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("keyring: record shredded key: %w", err)
	}
	t.buried[h] = true
	return nil
}

// Buried implements Tombstones.
func (t *FileTombstones) Buried(digest []byte) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.buried[hex.EncodeToString(digest)]
}
