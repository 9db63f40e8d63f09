// Package pgtest gives tests a PostgreSQL database of their own: URL finds the server
// (STEWARD_TEST_POSTGRES, default the local one at 127.0.0.1:5432, database test) and
// Schema creates a fresh schema per test, so PostgreSQL tests run in parallel without
// seeing each other. Locally a missing server skips the test with a line that says so;
// in CI (CI set) it fails, because PostgreSQL coverage is mandatory there.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server the tests use unless STEWARD_TEST_POSTGRES says otherwise.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL returns the PostgreSQL URL for tests, skipping (locally) or failing (CI) when the
// server does not answer.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("STEWARD_TEST_POSTGRES")
	if u == "" {
		u = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("postgres: not reachable in CI (%v); PostgreSQL tests are mandatory here", err)
		}
		t.Skipf("postgres: SKIPPED, no PostgreSQL reachable (%v)", err)
	}
	return u
}

// Schema creates a schema for this test, drops it at cleanup, and returns base with
// search_path pointing at it.
func Schema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
