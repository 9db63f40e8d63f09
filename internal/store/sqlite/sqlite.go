package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/stewardhq/steward/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is the SQLite backend.
type Store struct {
	w  *sql.DB // the single writer
	r  *sql.DB // read-only pool
	wc *stmtCache
	rc *stmtCache
}

var _ store.Store = (*Store)(nil)

// walAutocheckpointPages is the writer's WAL autocheckpoint threshold in pages: 32 MiB at
// SQLite's default 4 KiB page size.
const walAutocheckpointPages = 32 << 20 / 4096

// Open opens (creating if needed) the database file at path. It does not migrate;
// call Migrate.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	// Create the file owner-only before SQLite does: its -wal and -shm files take the
	// database file's permissions, and the data is nobody else's business.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	// busy_timeout must come first: later pragmas may need a lock.
	// secure_delete=FAST zeroes deleted content inside pages, so erased rows do not
	// linger in free space (ciphertext only, but erasure should leave nothing).
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)", "secure_delete(FAST)"}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	// The writer alone: temporary b-trees (sorts, IN lists) stay in memory, and the WAL
	// is checkpointed every ~32 MiB instead of every 4 MiB, so a busy ingest pays for a
	// checkpoint (which rewrites pages into the database file) less often. Readers never
	// checkpoint here; Close and Backup truncate the WAL.
	wq.Add("_pragma", "temp_store(MEMORY)")
	wq.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walAutocheckpointPages))
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	rq := url.Values{}
	for k, v := range q {
		rq[k] = v
	}
	rq.Add("_pragma", "query_only(ON)")
	r, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(max(2, runtime.GOMAXPROCS(0)))
	s := &Store{w: w, r: r, wc: newStmtCache(w), rc: newStmtCache(r)}
	// Touch the writer so journal_mode=WAL is set before any reader opens the file.
	if err := w.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return s, nil
}

// Dialect implements store.Store.
func (s *Store) Dialect() string { return "sqlite" }

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.rc.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping sqlite: %w", mapErr(err))
	}
	return nil
}

// Close implements store.Store. database/sql waits for in-flight queries to release
// their connections; the WAL is checkpointed by the writer's close.
func (s *Store) Close() error {
	s.rc.close()
	s.wc.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// Migrate implements store.Store.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	migs, err := store.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return 0, err
	}
	if _, err := s.wc.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return 0, fmt.Errorf("migrate sqlite: %w", err)
	}
	applied := 0
	for _, m := range migs {
		n, err := s.applyOne(ctx, m)
		if err != nil {
			return applied, err
		}
		applied += n
	}
	return applied, nil
}

// applyOne runs one migration inside an IMMEDIATE transaction, so two processes
// migrating at once serialise and the loser sees the version already recorded.
func (s *Store) applyOne(ctx context.Context, m store.Migration) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate sqlite: %w", err)
	}
	defer tx.Rollback()
	var exists int
	err = tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&exists)
	if err != nil {
		return 0, fmt.Errorf("migrate sqlite: %w", err)
	}
	if exists > 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return 0, fmt.Errorf("migrate sqlite: %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, toMicros(time.Now())); err != nil {
		return 0, fmt.Errorf("migrate sqlite: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrate sqlite: %w", err)
	}
	return 1, nil
}

// SchemaVersion implements store.Store.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.rc.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return 0, nil
		}
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}

func toMicros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func ptrMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// mapErr turns driver errors into the store's sentinels.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "database is closed") {
		return fmt.Errorf("%w: %v", store.ErrClosed, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		}
	}
	return err
}

// IntegrityCheck runs SQLite's full integrity check and returns an error naming the first
// problems it reports. It reads every page, so it is for tests and operator checks, not
// for request paths.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.rc.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems[:min(len(problems), 5)], "; "))
	}
	return nil
}

// VacuumInto writes a consistent copy of the database to path (a backup; also what tests
// use to prove that erasure defeats copies taken earlier).
func (s *Store) VacuumInto(ctx context.Context, path string) error {
	if _, err := s.wc.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("vacuum into: %w", mapErr(err))
	}
	return nil
}

// Checkpoint copies the WAL into the database file and truncates the WAL.
func (s *Store) Checkpoint(ctx context.Context) error {
	if _, err := s.wc.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("checkpoint: %w", mapErr(err))
	}
	return nil
}
