package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The reports run over a stored demo shop, which only an assembled Steward can serve: the
// command line hands one in (internal/cli's TestBenchDP runs the whole benchmark), and
// without it the benchmark says so instead of measuring something else.
func TestBenchDPNeedsSteward(t *testing.T) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), Env{Stdout: &out, Stderr: &errb}, []string{"dp", "--subjects", "50", "--copies", "1", "--runs", "1"})
	if err == nil || !strings.Contains(err.Error(), "no Steward to open") {
		t.Fatalf("err = %v", err)
	}
}
