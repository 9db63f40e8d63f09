package main_test

import (
	"bytes"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/demo"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
)

// needles are the demo subjects' emails, phone numbers (E.164 and national) and names.
func needles(t *testing.T, n int) [][]byte {
	t.Helper()
	subs, err := demo.Subjects(demo.Config{Seed: 1, Subjects: n, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, s := range subs {
		out = append(out, []byte(s.Email), []byte(strings.ToLower(s.Email)))
		if s.Phone != "" {
			out = append(out, []byte(s.Phone), []byte(strings.TrimPrefix(s.Phone, "+86")))
		}
		if len([]rune(s.Name)) >= 2 {
			out = append(out, []byte(s.Name))
		}
	}
	return out
}

func scan(t *testing.T, what string, data []byte, ns [][]byte) {
	t.Helper()
	found := 0
	for _, n := range ns {
		if len(n) >= 4 && bytes.Contains(data, n) {
			if found < 5 {
				t.Errorf("%s holds %q in plaintext", what, n)
			}
			found++
		}
	}
	if found > 0 {
		t.Fatalf("%s: %d personal values in plaintext", what, found)
	}
	t.Logf("%s: %d bytes scanned, none of %d personal values found", what, len(data), len(ns))
}

func runDemo(t *testing.T, data string, extra ...string) {
	t.Helper()
	addr := freeAddr(t)
	p := start(t, append([]string{"demo", "--addr", addr, "--data", data, "--subjects", "300"}, extra...)...)
	waitOutput(t, p, "Steward demo is ready", 3*time.Minute)
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
}

// After the demo, no byte of the SQLite files (database, WAL, shm) holds a demo subject's
// email, phone number or name in plaintext (issue 6 acceptance).
func TestDemoLeavesNoPlaintextInSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	data := t.TempDir()
	runDemo(t, data)
	ns := needles(t, 300)
	var all []byte
	for _, f := range []string{"steward.db", "steward.db-wal", "steward.db-shm"} {
		b, err := os.ReadFile(filepath.Join(data, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	for _, f := range []string{"steward.db", "steward.db-wal"} {
		if info, err := os.Stat(filepath.Join(data, f)); err == nil && info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, info.Mode().Perm())
		}
	}
	if len(all) < 1<<20 {
		t.Fatalf("only %d bytes of database: the demo stored nothing?", len(all))
	}
	scan(t, "SQLite files", all, ns)
}

// The same for a pg_dump of the PostgreSQL store.
func TestDemoLeavesNoPlaintextInPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	url := pgtest.Schema(t, pgtest.URL(t))
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Skip("pg_dump not installed")
	}
	runDemo(t, t.TempDir(), "--db", url)
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	var stderr bytes.Buffer
	cmd := exec.Command(pgDump, "--data-only", "-n", schema, "-h", u.Hostname(), "-p", u.Port(), "-U", u.User.Username(), strings.TrimPrefix(u.Path, "/"))
	cmd.Stderr = &stderr
	dump, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v: %s", err, stderr.String())
	}
	if len(dump) < 1<<20 {
		t.Fatalf("only %d bytes dumped: the demo stored nothing?", len(dump))
	}
	scan(t, "pg_dump", dump, needles(t, 300))
}
