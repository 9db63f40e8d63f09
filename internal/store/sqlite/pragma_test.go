package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// The writer's connection carries the settings ingestion relies on; readers keep theirs.
func TestWriterPragmas(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		pragma string
		want   int
	}{
		{"temp_store", 2}, // MEMORY
		{"wal_autocheckpoint", walAutocheckpointPages},
		{"synchronous", 2}, // FULL: durability is not traded for speed
		{"foreign_keys", 1},
	} {
		var got int
		if err := s.w.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.pragma, err)
		}
		if got != c.want {
			t.Errorf("writer %s = %d, want %d", c.pragma, got, c.want)
		}
	}
	if walAutocheckpointPages*4096 != 32<<20 {
		t.Fatalf("autocheckpoint is %d pages, not 32 MiB", walAutocheckpointPages)
	}
}
