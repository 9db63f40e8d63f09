package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/postgres"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
)

// partitioned are the tables the partition_by_subject migration hash-partitions, 16 ways.
var partitioned = []string{"events", "consent_records", "subject_keys", "subjects", "identities", "tag_suppressions",
	"points_entries", "subscriptions", "campaign_messages", "journey_states"}

// A store with rows written before the partitioning (the partition_by_subject migration) converts them: every
// personal table is partitioned, old rows read back as they were, a retried old message is
// still recognised, sequences continue, and the append-only ledger stays append-only down to
// each partition (issue 27 items 1 and 4).
func TestPartitionMigrationKeepsOldRows(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Schema(t, pgtest.URL(t))
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	must := func(q string) {
		t.Helper()
		if err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}
	// Everything before the partitioning migration, found by name (numbers move at merges).
	partitioning := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_partition_by_subject.sql") {
			partitioning, _ = strconv.Atoi(filepath.Base(f)[:4])
		}
	}
	if partitioning == 0 {
		t.Fatal("no partition_by_subject migration")
	}
	must("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
	for _, f := range files {
		v, _ := strconv.Atoi(filepath.Base(f)[:4])
		if v >= partitioning {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		must(string(b))
		must(fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, '%s', now())", v, filepath.Base(f)))
	}
	// Rows as the stores wrote them before.
	must(`INSERT INTO events(source_id, message_id, subject_id, origin_subject_id, type, name, occurred_at, received_at, body) VALUES
		('src', 'm1', 'sub_a', 'sub_a', 'track', 'Order Completed', '2026-05-01T12:00:00Z', '2026-05-01T12:00:00Z', '\x016f6e65'),
		('src', 'm2', 'sub_a', 'sub_b', 'track', 'Order Completed', '2026-05-01T12:00:01Z', '2026-05-01T12:00:01Z', '\x0174776f'),
		('src', 'm3', 'sub_a', '', 'track', 'Order Completed', '2026-05-01T12:00:02Z', '2026-05-01T12:00:02Z', '\x017468726565')`)
	must(`INSERT INTO consent_records(id, subject_id, purpose, granted, notice_version, notice_hash, method, jurisdiction, at, evidence, actor)
		VALUES ('c1', 'sub_a', 'analytics.reporting', true, '1', 'h', 'api', 'CN', '2026-05-01T12:00:00Z', '\x7b7d', 'sub_a')`)
	must(`INSERT INTO subject_keys VALUES ('sub_a', 'k1', '\x0102', '2026-05-01T12:00:00Z')`)
	must(`INSERT INTO subjects VALUES ('sub_a', 'src', '2026-05-01T12:00:00Z', NULL), ('sub_b', 'src', '2026-05-01T12:00:00Z', 'sub_a')`)
	must(`INSERT INTO identities VALUES ('user_id', '\x0a0b', 'sub_a', 'sub_a', '2026-05-01T12:00:00Z')`)
	must(`INSERT INTO tag_suppressions VALUES ('sub_a', 'vip', '2026-05-01T12:00:00Z')`)

	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, table := range partitioned {
		var n int
		if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_inherits i JOIN pg_partitioned_table p ON p.partrelid = i.inhparent
			WHERE i.inhparent = to_regclass($1) AND p.partstrat = 'h'`, table).Scan(&n); err != nil || n != 16 {
			t.Errorf("%s: %d hash partitions, %v; want 16", table, n, err)
		}
	}
	evs, err := s.RawSubjectEvents(ctx, "sub_a", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%d %s<%s %s %q", e.Seq, e.SubjectID, e.OriginSubjectID, e.OccurredAt.Format(time.RFC3339), e.Body))
	}
	want := `[1 sub_a<sub_a 2026-05-01T12:00:00Z "\x01one" 2 sub_a<sub_b 2026-05-01T12:00:01Z "\x01two" 3 sub_a<sub_a 2026-05-01T12:00:02Z "\x01three"]`
	if fmt.Sprint(got) != want {
		t.Fatalf("events after migration:\n%v\nwant\n%s", got, want)
	}
	at := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	ev := func(msg string) store.Event {
		return store.Event{SourceID: "src", MessageID: msg, SubjectID: "sub_a", Type: "track", Name: "X", OccurredAt: at, ReceivedAt: at, Body: []byte("new")}
	}
	if n, err := s.InsertEvents(ctx, []store.Event{ev("m1"), ev("m4")}); err != nil || n != 1 {
		t.Fatalf("retry of an old message + a new one = %d, %v; want 1", n, err)
	}
	if evs, _ := s.RawSubjectEvents(ctx, "sub_a", 3, 10); len(evs) != 1 || evs[0].Seq <= 3 {
		t.Fatalf("new event %+v: want one, with a seq after the old ones", evs)
	}
	if h, err := s.ConsentHistory(ctx, "sub_a"); err != nil || len(h) != 1 || h[0].ID != "c1" {
		t.Fatalf("consent after migration = %+v, %v", h, err)
	}
	if k, err := s.GetSubjectKey(ctx, "sub_a"); err != nil || k.KEKID != "k1" || string(k.Wrapped) != "\x01\x02" {
		t.Fatalf("key after migration = %+v, %v", k, err)
	}
	if fam, err := s.SubjectFamily(ctx, "sub_a"); err != nil || len(fam) != 2 {
		t.Fatalf("family after migration = %v, %v", fam, err)
	}
	// Un-merge still finds the moved event by its origin, across partitions.
	if err := s.UnmergeSubject(ctx, "sub_b"); err != nil {
		t.Fatal(err)
	}
	if evs, _ := s.RawSubjectEvents(ctx, "sub_b", 0, 10); len(evs) != 1 || string(evs[0].Body) != "\x01two" || evs[0].OriginSubjectID != "sub_b" {
		t.Fatalf("sub_b after unmerge = %+v", evs)
	}
	// The ledger refuses TRUNCATE of a single partition too.
	if err := s.Exec(ctx, "TRUNCATE consent_records_p03"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("truncate a partition: %v", err)
	}
}

// Two subjects holding the same message (a retry recognised per subject) merge into one
// copy instead of failing on the survivor's unique key.
func TestMergeDropsDuplicateEvent(t *testing.T) {
	ctx := context.Background()
	s := migrated(t)
	at := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	var evs []store.Event
	for _, sub := range []string{"sub_x", "sub_y"} {
		evs = append(evs, store.Event{SourceID: "src", MessageID: "same", SubjectID: sub, Type: "track", Name: "X", OccurredAt: at, ReceivedAt: at, Body: []byte(sub)},
			store.Event{SourceID: "src", MessageID: "own-" + sub, SubjectID: sub, Type: "track", Name: "X", OccurredAt: at, ReceivedAt: at, Body: []byte(sub)})
	}
	if n, err := s.InsertEvents(ctx, evs); err != nil || n != 4 {
		t.Fatalf("insert = %d, %v", n, err)
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.MergeSubjects(ctx, "sub_x", "sub_y", "identify", at) }); err != nil {
		t.Fatalf("merge: %v", err)
	}
	got, err := s.RawSubjectEvents(ctx, "sub_y", 0, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("survivor has %d events, %v; want 3 (one copy of the shared message)", len(got), err)
	}
}

// A person's reads touch one partition: the planner prunes the other fifteen, and reads by
// an id alone still seek through the key it leads.
func TestPartitionPruning(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Schema(t, pgtest.URL(t))
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for _, c := range []struct {
		query string
		parts int    // partitions the plan may touch
		want  string // in the plan
	}{
		{"SELECT seq FROM events WHERE subject_id = 'sub_a' AND seq > 0 ORDER BY seq LIMIT 100", 1, "subject_id_seq_idx"}, // events_subject, as named on the partition
		{"SELECT kek_id FROM subject_keys WHERE subject_id = 'sub_a'", 1, "Index"},
		{"SELECT purpose FROM consent_records WHERE subject_id = ANY('{sub_a}') ORDER BY at, seq", 1, ""},
		{"SELECT seq FROM events WHERE seq > 10 ORDER BY seq LIMIT 100", 16, "Merge Append"},
		{"SELECT status FROM campaign_messages WHERE message_id = 'm1'", 16, "Index"},
	} {
		if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, "EXPLAIN "+c.query)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			rows.Scan(&line)
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		parts := map[string]bool{}
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == ',' }) {
			if i := strings.Index(w, "_p"); i > 0 && len(w) == i+4 {
				parts[w] = true
			}
		}
		if len(parts) > c.parts || len(parts) == 0 || !strings.Contains(text, c.want) {
			t.Errorf("%s\n  touches %d partitions (want at most %d), wants %q:\n%s", c.query, len(parts), c.parts, c.want, text)
		}
	}
}
