package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per distinct query text for a pool.
//
// database/sql prepares, runs and finalises a statement on every QueryContext/ExecContext,
// and the modernc driver has no statement cache of its own: a CPU profile of `steward bench
// ingest` spent 13% of all CPU in SQLite's SQL parser, re-parsing the same few dozen
// queries. Prepared once, a statement is re-prepared by database/sql on each new connection
// of the pool as needed, and SQLite re-prepares it itself after a schema change.
//
// Query texts built with a variable number of placeholders (IN lists, multi-row inserts)
// are distinct texts; the cache stops admitting new texts at maxStmts so such queries cannot
// grow it without bound (they then run unprepared, as before).
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

const maxStmts = 512

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[q]
}

// prepare returns the cached statement for q, preparing it when there is room. It must not
// be called while the caller holds the writer's only connection (inside a transaction).
func (c *stmtCache) prepare(ctx context.Context, q string) *sql.Stmt {
	if st := c.lookup(q); st != nil {
		return st
	}
	c.mu.RLock()
	full := len(c.m) >= maxStmts
	c.mu.RUnlock()
	if full {
		return nil
	}
	// Prepare without holding the lock: on the writer, preparing waits for the only
	// connection, and the transaction holding it may be looking up this cache.
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // the caller runs the query unprepared and reports its error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.m[q]; prev != nil {
		st.Close() // another goroutine prepared it meanwhile
		return prev
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := c.prepare(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, q, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := c.prepare(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := c.prepare(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}

// cachedTx runs a writer transaction's queries through the writer's cache. A statement
// not yet cached cannot be prepared on the pool here (the transaction holds the writer's
// only connection), so it runs unprepared and is noted; InTx prepares the noted texts
// after the transaction ends, for the next one.
type cachedTx struct {
	*sql.Tx
	c      *stmtCache
	missed map[string]bool
}

func (t *cachedTx) stmt(ctx context.Context, q string) *sql.Stmt {
	if st := t.c.lookup(q); st != nil {
		return t.Tx.StmtContext(ctx, st)
	}
	if t.missed == nil {
		t.missed = map[string]bool{}
	}
	t.missed[q] = true
	return nil
}

func (t *cachedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}

func (t *cachedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, q, args...)
}

func (t *cachedTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}

// warm prepares what the transaction ran unprepared; call it after Commit or Rollback.
func (t *cachedTx) warm(ctx context.Context) {
	for q := range t.missed {
		t.c.prepare(context.WithoutCancel(ctx), q)
	}
}
