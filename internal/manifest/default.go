package manifest

import _ "embed"

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the embedded manifest of the demo shop.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default returns the embedded manifest, parsed. It panics if the embedded file is
// inconsistent, which TestDefault rules out.
func Default() *Manifest {
	m, err := Parse("default.yaml", defaultYAML)
	if err != nil {
		panic("manifest: embedded default: " + err.Error())
	}
	return m
}
