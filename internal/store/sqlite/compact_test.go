package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Rows stored before the compact layout (the compact_events migration) keep reading back as they were,
// a retried old message is still recognised, and no seq is ever handed out twice.
func TestCompactEventsMigration(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	migs, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	compact := 0 // the compact layout's migration, by name (numbers move at merges)
	for _, m := range migs {
		if strings.HasSuffix(m.Name, "_compact_events.sql") {
			compact = m.Version
		}
	}
	for _, m := range migs {
		if m.Version < compact {
			if _, err := s.applyOne(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	old := func(msg, sub, origin, body string) {
		t.Helper()
		if _, err := s.w.ExecContext(ctx, `INSERT INTO events(source_id, message_id, subject_id, origin_subject_id, type, name, occurred_at, received_at, body, pruned_days)
			VALUES ('src', ?, ?, ?, 'track', 'Order Completed', ?, ?, ?, 0)`, msg, sub, origin, toMicros(at), toMicros(at), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	old("m1", "sub_a", "sub_a", "\x01one")
	old("m2", "sub_a", "sub_b", "\x01two") // moved by a merge
	old("m3", "sub_a", "", "\x01three")    // stored before origins existed
	old("m4", "sub_a", "sub_a", "\x01gone")
	if _, err := s.w.ExecContext(ctx, "DELETE FROM events WHERE message_id = 'm4'"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := s.RawSubjectEvents(ctx, "sub_a", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%d %s<%s %s %s %q", e.Seq, e.SubjectID, e.OriginSubjectID, e.Name, e.OccurredAt.Format(time.RFC3339), e.Body))
	}
	want := []string{
		`1 sub_a<sub_a Order Completed 2026-05-01T12:00:00Z "\x01one"`,
		`2 sub_a<sub_b Order Completed 2026-05-01T12:00:00Z "\x01two"`,
		`3 sub_a<sub_a Order Completed 2026-05-01T12:00:00Z "\x01three"`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after migration:\n%q\nwant\n%q", got, want)
	}
	// A retry of an old message is recognised; a new one gets a seq never used before.
	ev := func(msg string) store.Event {
		return store.Event{SourceID: "src", MessageID: msg, SubjectID: "sub_a", Type: "track", Name: "X", OccurredAt: at, ReceivedAt: at, Body: []byte("new")}
	}
	if n, err := s.InsertEvents(ctx, []store.Event{ev("m1"), ev("m5")}); err != nil || n != 1 {
		t.Fatalf("insert retry + new = %d, %v; want 1", n, err)
	}
	evs, _ = s.RawSubjectEvents(ctx, "sub_a", 3, 10)
	if len(evs) != 1 || evs[0].Seq <= 4 || string(evs[0].Body) != "new" {
		t.Fatalf("new event = %+v, want a seq above 4 (4 was used and deleted)", evs)
	}
	// The un-merge still finds the moved event by its origin.
	if err := s.UnmergeSubject(ctx, "sub_b"); err != nil {
		t.Fatal(err)
	}
	if evs, _ := s.RawSubjectEvents(ctx, "sub_b", 0, 10); len(evs) != 1 || string(evs[0].Body) != "\x01two" || evs[0].OriginSubjectID != "sub_b" {
		t.Fatalf("sub_b after unmerge = %+v", evs)
	}
}
