package manifest

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// The built-in manifest is far below the alias-expansion bound.
func TestDefaultManifestSize(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal(DefaultYAML(), &doc); err != nil {
		t.Fatal(err)
	}
	n, _ := expandedSize(&doc, MaxNodes)
	t.Logf("default manifest: %d nodes", n)
	if n > MaxNodes/20 {
		t.Fatalf("default manifest has %d nodes, too close to MaxNodes %d", n, MaxNodes)
	}
}
