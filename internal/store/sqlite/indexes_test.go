package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Every index on the tables that grow with events and people serves a query the store runs,
// and those queries use the index meant for them (issue 27 item 1: no index that no query
// uses). The queries are the store's own, with their parameters.
func TestIndexesServeQueries(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var evs []store.Event
	for i := range 5000 {
		evs = append(evs, store.Event{SourceID: "s", MessageID: fmt.Sprint(i), SubjectID: fmt.Sprint("sub_", i%250), Type: "track",
			Name: fmt.Sprint("n", i%7), OccurredAt: time.Unix(int64(i), 0), ReceivedAt: time.Unix(int64(i), 0), Body: []byte("x")})
	}
	if _, err := s.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	dueKinds, kindArgs := kindsClause([]store.EventKind{{Type: "track", Name: "n1"}}, false)
	dueOthers, otherArgs := kindsClause([]store.EventKind{{Type: "track", Name: "n1"}}, true)
	cases := []struct {
		query string
		args  []any
		index string // "" for the primary key / rowid
	}{
		{"SELECT seq FROM events WHERE subject_id = ? AND seq > ? ORDER BY seq LIMIT ?", []any{"sub_1", 0, 100}, "events_subject"},
		{"UPDATE events SET origin_subject_id = COALESCE(origin_subject_id, subject_id), subject_id = ? WHERE subject_id = ?", []any{"b", "a"}, "events_subject"},
		{unmergeEvents, []any{"sub_a"}, "events_origin"},
		{"DELETE FROM events WHERE origin_subject_id = ?", []any{"sub_a"}, "events_origin"},
		{"SELECT seq FROM events WHERE occurred_at < ? AND " + dueKinds + " AND pruned_days < ? ORDER BY seq LIMIT ?", append(append([]any{int64(1e7)}, kindArgs...), 30, 100), "events_age"},
		{"SELECT seq FROM events WHERE occurred_at < ? AND " + dueOthers + " ORDER BY seq LIMIT ?", append(append([]any{int64(1e7)}, otherArgs...), 100), "events_age"},
		{"SELECT seq FROM events WHERE seq > ? ORDER BY seq LIMIT ?", []any{0, 100}, ""},
		{"SELECT subject_id FROM identities WHERE subject_id = ?", []any{"a"}, "identities_subject"},
		{"UPDATE identities SET subject_id = origin_subject_id WHERE origin_subject_id = ?", []any{"a"}, "identities_origin"},
		{"SELECT message_id FROM campaign_messages WHERE campaign_id = ? AND decided_at < ?", []any{"c", 5}, "campaign_messages_age"},
		{"SELECT message_id FROM campaign_messages WHERE campaign_id = ?", []any{"c"}, "campaign_messages_age"},
		{"SELECT message_id FROM campaign_messages WHERE subject_id = ? ORDER BY decided_at, message_id", []any{"a"}, "campaign_messages_subject"},
		{"SELECT subject_id FROM subject_keys WHERE kek_id <> ? AND subject_id > ? ORDER BY subject_id LIMIT ?", []any{"k", "", 500}, "sqlite_autoindex_subject_keys_1"},
		{"SELECT purpose FROM consent_records WHERE subject_id IN (?, ?) ORDER BY subject_id, at, seq", []any{"a", "b"}, "consent_subject"},
		// Consent counts group by purpose: the planner walks this index in purpose order.
		{`SELECT purpose, strftime('%Y-%m-%d', at / 1000000, 'unixepoch') AS day, SUM(granted), SUM(1 - granted) FROM consent_records
			WHERE at >= ? AND at < ? GROUP BY purpose, day ORDER BY purpose, day`, []any{0, 5}, "consent_purpose_at"},
	}
	used := map[string]bool{}
	for _, c := range cases {
		plan := explain(t, s, c.query, c.args...)
		words := strings.FieldsFunc(plan, func(r rune) bool { return r == ' ' || r == ';' || r == '(' || r == ')' })
		for i, w := range words {
			if i > 0 && words[i-1] == "INDEX" {
				used[w] = true
			}
		}
		if c.index != "" && !slices.Contains(words, c.index) {
			t.Errorf("%s\n  plan %q, want index %s", c.query, plan, c.index)
		}
	}
	for _, table := range []string{"events", "identities", "subject_keys", "campaign_messages", "consent_records"} {
		rows, err := s.w.QueryContext(ctx, "SELECT name FROM pragma_index_list(?) WHERE origin = 'c'", table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			rows.Scan(&name)
			if !used[name] {
				t.Errorf("index %s on %s serves none of the store's queries", name, table)
			}
		}
		rows.Close()
	}
}

func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.w.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
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
	return strings.Join(plan, "; ")
}
