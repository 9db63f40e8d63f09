package keyring

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

func (f *File) loadTombstones() error {
	f.buried = map[string]bool{}
	fh, err := os.Open(filepath.Join(f.dir, tombstoneFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			f.buried[line] = true
		}
	}
	return sc.Err()
}

// Bury implements Tombstones: one hex line appended and fsynced.
func (f *File) Bury(digest []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := hex.EncodeToString(digest)
	if f.buried[h] {
		return nil
	}
	fh, err := os.OpenFile(filepath.Join(f.dir, tombstoneFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
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
	f.buried[h] = true
	return nil
}

// Buried implements Tombstones.
func (f *File) Buried(digest []byte) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.buried[hex.EncodeToString(digest)]
}
