package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Un-merging finds the events to hand back through the partial events_origin index, not a
// scan of every event.
func TestUnmergeUsesOriginIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := explain(t, s, unmergeEvents, "sub_a"); !strings.Contains(got, "USING INDEX events_origin") {
		t.Fatalf("unmerge plan = %q, want the events_origin index", got)
	}
}
