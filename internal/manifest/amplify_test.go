package manifest_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/manifest"
)

// amplified returns a small manifest whose aliases expand to events × fields × purposes
// nodes: the shape of issue 17 item 6 (a few KB of YAML that cost gigabytes to build).
func amplified(events, fields, purposes int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\ncommon:\n  messageId: {category: system.operations, purposes: &p [")
	for i := range purposes {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 0 {
			b.WriteString("&s essential.service")
		} else {
			b.WriteString("*s")
		}
	}
	b.WriteString("]}\nevents:\n  e0: &f\n")
	for i := range fields {
		if i == 0 {
			fmt.Fprintf(&b, "    f0: &v {category: system.operations, purposes: *p}\n")
		} else {
			fmt.Fprintf(&b, "    f%d: *v\n", i)
		}
	}
	for i := 1; i < events; i++ {
		fmt.Fprintf(&b, "  e%d: *f\n", i)
	}
	return []byte(b.String())
}

// issue 17 item 6: alias expansion is bounded before anything is built, so a few KB of
// YAML cannot cost seconds and hundreds of megabytes (nor kill the server).
func TestParseRefusesAliasAmplification(t *testing.T) {
	doc := amplified(200, 100, 200) // ~4 KB that expands to 4 million nodes
	if len(doc) > 5<<10 {
		t.Fatalf("test document is %d bytes", len(doc))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	m, err := manifest.Parse("amp.yaml", doc)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatalf("amplified manifest accepted (%d events) after %v, %d MB allocated", len(m.Events), took, (after.TotalAlloc-before.TotalAlloc)>>20)
	}
	var el *manifest.ErrorList
	if !errors.As(err, &el) || !strings.Contains(el.Error(), "alias") {
		t.Fatalf("error = %v; want a located error about aliases", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 || took > time.Second {
		t.Fatalf("refusal cost %v and %d MB", took, alloc>>20)
	}
	// Aliases that expand to little are still fine (they are a legitimate YAML habit).
	if _, err := manifest.Parse("small.yaml", amplified(3, 3, 2)); err != nil {
		t.Fatalf("small aliased manifest refused: %v", err)
	}
}
