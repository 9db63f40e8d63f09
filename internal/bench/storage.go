package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/demo"
	"github.com/stewardhq/steward/internal/store"
)

// benchStorage measures bytes on disk per stored event: the demo shop is sent through the
// real ingestion (/v1/batch over loopback into a whole Steward on SQLite), the Steward is
// closed, the WAL is checkpointed into the database file with TRUNCATE, and the sizes of
// the database and WAL files are divided by the number of events stored. The baseline, in
// the same run, is the same events as the JSON the client sent, one message a line,
// compressed as one zstd stream: what keeping them as a compressed log would cost.
func benchStorage(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench storage", "bench storage [--subjects N] [--tables N] [--pg URL|none]")
	subjects := fs.Int("subjects", 1000, "demo shoppers to ingest (the demo's default is 5,000)")
	tables := fs.Int("tables", 12, "largest tables and indexes to list")
	pg := fs.String("pg", defaultBenchPostgres, "PostgreSQL to copy the sealed events into and measure too, or none")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *subjects <= 0 || *tables < 0 {
		return fmt.Errorf("%w: subjects must be positive", ErrUsage)
	}
	if e.Open == nil {
		return errors.New("bench storage: no Steward to open")
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	dir, err := os.MkdirTemp("", "steward-bench-storage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir, cfg.Addr = dir, "127.0.0.1:0"
	sent, took, err := seedDemo(ctx, e, cfg, *subjects)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "demo sent: %d messages of %d shoppers through /v1/batch in %.1f s\n", len(sent.order), *subjects, took.Seconds())

	path := cfg.SQLitePath()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("bench storage: checkpoint: %w", err)
	}
	var onDisk int64
	for _, f := range []string{path, path + "-wal"} {
		fi, err := os.Stat(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "file %s: %d bytes\n", filepath.Base(f), fi.Size())
		onDisk += fi.Size()
	}
	stored, plain, err := storedMessages(ctx, db, sent)
	if err != nil {
		return err
	}
	if stored == 0 {
		return errors.New("bench storage: no event was stored")
	}
	if err := sealedBodies(ctx, e.Stdout, db); err != nil {
		return err
	}
	if err := tableSizes(ctx, e.Stdout, db, stored, *tables); err != nil {
		return err
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	defer enc.Close()
	// Each event its own zstd frame, as a store that reads, prunes and erases one event at a
	// time must keep them: the contract's baseline. One stream over all of them is printed
	// too; no store that can delete one person's events can keep them that way.
	var framed int
	for _, m := range bytes.SplitAfter(plain, []byte("\n")) {
		if len(m) > 0 {
			framed += len(enc.EncodeAll(m[:len(m)-1], nil))
		}
	}
	stream := len(enc.EncodeAll(plain, nil))
	per := float64(onDisk) / float64(stored)
	base := float64(framed) / float64(stored)
	if *pg != "none" {
		if err := postgresEventBytes(ctx, e.Stdout, *pg, db, base); err != nil {
			fmt.Fprintf(e.Stdout, "storage (postgres): skipped: %v\n", err)
		}
	}
	fmt.Fprintf(e.Stdout, "stored: %d events; plaintext JSON as sent %.0f bytes/event; zstd (level 3) each event a frame %.1f bytes/event, all in one stream %.1f bytes/event\n",
		stored, float64(len(plain))/float64(stored), base, float64(stream)/float64(stored))
	fmt.Fprintf(e.Stdout, "storage vs one zstd stream: %.2fx\n", per/(float64(stream)/float64(stored)))
	fmt.Fprintf(e.Stdout, "storage: %.0f bytes/event (%.2fx zstd plaintext)\n", per, per/base)
	return nil
}

// sentMessages are the messages a bench sent, by messageId, in the order sent.
type sentMessages struct {
	order []string
	body  map[string][]byte
}

// seedDemo opens a Steward over cfg, sends it the demo shop of the given size over
// loopback HTTP and closes it again (which checkpoints its WAL).
func seedDemo(ctx context.Context, e Env, cfg config.Config, subjects int) (*sentMessages, time.Duration, error) {
	a, err := e.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, 0, err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	key, err := os.ReadFile(a.WriteKeyPath())
	if err != nil {
		return nil, 0, err
	}
	url := "http://" + ln.Addr().String() + "/v1/batch"
	client := &http.Client{Timeout: time.Minute}
	sent := &sentMessages{body: map[string][]byte{}}
	t0 := time.Now()
	_, err = demo.Generate(demo.Config{Seed: 1, Subjects: subjects, Now: time.Now().UTC().Truncate(time.Second)}, func(batch []byte) error {
		var b struct {
			Batch []json.RawMessage `json:"batch"`
		}
		if err := json.Unmarshal(batch, &b); err != nil {
			return err
		}
		for _, m := range b.Batch {
			var id struct {
				MessageID string `json:"messageId"`
			}
			if err := json.Unmarshal(m, &id); err != nil {
				return err
			}
			sent.order = append(sent.order, id.MessageID)
			sent.body[id.MessageID] = m
		}
		return demo.PostBatch(ctx, client, url, strings.TrimSpace(string(key)), batch)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("bench storage: seed the demo: %w", err)
	}
	return sent, time.Since(t0), nil
}

// storedMessages returns how many events the store kept and their messages as sent, one
// a line in the order sent (messages the consent gate dropped are not in the baseline). The
// store keeps a message only as its key (store.EventKey) under the shop's one source.
func storedMessages(ctx context.Context, db *sql.DB, sent *sentMessages) (int64, []byte, error) {
	var source string
	if err := db.QueryRowContext(ctx, "SELECT id FROM sources ORDER BY created_at LIMIT 1").Scan(&source); err != nil {
		return 0, nil, fmt.Errorf("bench storage: source: %w", err)
	}
	rows, err := db.QueryContext(ctx, "SELECT msg FROM events")
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	kept := map[string]bool{}
	for rows.Next() {
		var key []byte
		if err := rows.Scan(&key); err != nil {
			return 0, nil, err
		}
		kept[string(key)] = true
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	var plain bytes.Buffer
	found := 0
	for _, id := range sent.order {
		if kept[string(store.EventKey(source, id))] {
			plain.Write(sent.body[id])
			plain.WriteByte('\n')
			found++
		}
	}
	if found != len(kept) {
		return 0, nil, fmt.Errorf("bench storage: %d events stored but %d of them found among the messages sent", len(kept), found)
	}
	return int64(len(kept)), plain.Bytes(), nil
}

// tableSizes lists the largest tables and indexes by the bytes of their pages (SQLite's
// dbstat), per stored event.
func tableSizes(ctx context.Context, w io.Writer, db *sql.DB, events int64, n int) error {
	if n == 0 {
		return nil
	}
	rows, err := db.QueryContext(ctx, "SELECT name, SUM(pgsize) AS b FROM dbstat GROUP BY name ORDER BY b DESC LIMIT ?", n)
	if err != nil {
		return fmt.Errorf("bench storage: dbstat: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var b int64
		if err := rows.Scan(&name, &b); err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-32s %10d bytes %7.1f bytes/event\n", name, b, float64(b)/float64(events))
	}
	return rows.Err()
}

// sealedBodies says how the event bodies are sealed: by format (1 uncompressed, 2
// compressed) and dictionary, with their mean size, and the dictionaries trained.
func sealedBodies(ctx context.Context, w io.Writer, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT unicode(substr(body, 1, 1)), COUNT(*), AVG(LENGTH(body)) FROM events GROUP BY 1 ORDER BY 1")
	if err != nil {
		return fmt.Errorf("bench storage: bodies: %w", err)
	}
	for rows.Next() {
		var format, n int64
		var mean float64
		if err := rows.Scan(&format, &n, &mean); err != nil {
			rows.Close()
			return err
		}
		fmt.Fprintf(w, "sealed bodies, format %d: %d events, %.1f bytes each on average\n", format, n, mean)
	}
	rows.Close()
	drows, err := db.QueryContext(ctx, "SELECT id, LENGTH(content), samples, people, min_people FROM seal_dictionaries ORDER BY id")
	if err != nil {
		return nil // a store from before dictionaries
	}
	defer drows.Close()
	for drows.Next() {
		var id, size, samples, people, minPeople int64
		if err := drows.Scan(&id, &size, &samples, &people, &minPeople); err != nil {
			return err
		}
		fmt.Fprintf(w, "dictionary %d: %d bytes from %d events of %d people (values shared by at least %d)\n", id, size, samples, people, minPeople)
	}
	return drows.Err()
}

// postgresEventBytes copies the sealed events from the SQLite database into a fresh,
// migrated PostgreSQL schema through the PostgreSQL store and reports the events table's
// size with its indexes and TOAST (pg_total_relation_size summed over the partitions) per
// event. Only the events table: the rest of a PostgreSQL Steward is not seeded here.
func postgresEventBytes(ctx context.Context, w io.Writer, url string, db *sql.DB, base float64) error {
	t, err := openBenchPostgres(ctx, url)
	if err != nil {
		return err
	}
	defer t.cleanup()
	rows, err := db.QueryContext(ctx, `SELECT subject_id, COALESCE(origin_subject_id, subject_id), hex(msg), type, name, occurred_at, received_at, body
		FROM events ORDER BY seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var batch []store.Event
	n := 0
	flush := func() error {
		_, err := t.st.InsertEvents(ctx, batch)
		n += len(batch)
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		var ev store.Event
		var occ, rec int64
		// The key is rebuilt from its hex: a 16-byte key of the same size, as stored.
		if err := rows.Scan(&ev.SubjectID, &ev.OriginSubjectID, &ev.MessageID, &ev.Type, &ev.Name, &occ, &rec, &ev.Body); err != nil {
			return err
		}
		ev.OccurredAt, ev.ReceivedAt = time.UnixMicro(occ), time.UnixMicro(rec)
		if batch = append(batch, ev); len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	size, err := t.relationSize(ctx, "events")
	if err != nil {
		return err
	}
	per := float64(size) / float64(n)
	fmt.Fprintf(w, "storage (postgres): events table with indexes and TOAST, 16 partitions: %d bytes, %.0f bytes/event (%.2fx zstd plaintext)\n", size, per, per/base)
	return nil
}
