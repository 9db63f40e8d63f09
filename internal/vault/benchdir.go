package vault

import (
	"os"
	"path/filepath"
)

// benchDir is a throwaway keyring directory for Benchmark and its cleanup.
func benchDir() (string, func(), error) {
	d, err := os.MkdirTemp("", "steward-vault-bench-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(d, "keys"), func() { os.RemoveAll(d) }, nil
}
