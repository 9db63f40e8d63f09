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
	rows, err := s.w.QueryContext(ctx, "EXPLAIN QUERY PLAN "+unmergeEvents, "sub_a")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if got := strings.Join(plan, "; "); !strings.Contains(got, "USING INDEX events_origin") {
		t.Fatalf("unmerge plan = %q, want the events_origin index", got)
	}
}
