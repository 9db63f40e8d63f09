// Package datasets finds the real data sets the tests and benchmarks use (../shared/data
// beside the checkout: UCI Adult with its ARX hierarchies, Wisconsin breast cancer). They
// are not committed here; see ../shared/data/README.md for their sources and licences.
package datasets

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrMissing means the data sets are not on this machine.
var ErrMissing = errors.New("datasets: ../shared/data not found (set STEWARD_SHARED_DATA to its path)")

// Path returns the path of a file under the shared data directory, looked for in
// $STEWARD_SHARED_DATA, then in shared/data beside the module root (walking up from the
// working directory), then in /work/shared/data.
func Path(name string) (string, error) {
	var dirs []string
	if d := os.Getenv("STEWARD_SHARED_DATA"); d != "" {
		dirs = append(dirs, d)
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dirs = append(dirs, filepath.Join(d, "..", "shared", "data"))
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	dirs = append(dirs, "/work/shared/data")
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrMissing
}
