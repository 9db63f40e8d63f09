package main_test

import (
	"context"
	"database/sql"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/stewardhq/steward/internal/store/sqlite"
)

// waitOutput waits until the process has printed want.
func waitOutput(t *testing.T, p *proc, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if strings.Contains(p.Output(), want) {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("steward exited before printing %q: %v\n%s", want, p.err, p.Output())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no %q within %s\n%s", want, within, p.Output())
}

func countEvents(t *testing.T, dbPath string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT COUNT(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The demo is killed with SIGKILL in the middle of seeding and started again: the store
// must open, migrations re-run cleanly, the integrity check pass, and the resumed seeding
// end with exactly the events a run that was never interrupted stores (nothing lost,
// nothing twice).
func TestDemoSurvivesKill9DuringSeeding(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo twice")
	}
	const subjects = "800"
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, "demo", "--addr", addr, "--data", data, "--subjects", subjects, "--seed", "7")
	waitHealthy(t, p, addr, 60*time.Second)
	waitOutput(t, p, "demo: seeding", 30*time.Second)
	time.Sleep(700 * time.Millisecond) // well inside the seeding
	if strings.Contains(p.Output(), "demo is ready") {
		t.Fatal("seeding finished before the kill; make the shop larger")
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	partial := countEvents(t, filepath.Join(data, "steward.db"))

	out, err := exec.Command(binary, "migrate", "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("migrate after kill -9: %v\n%s", err, out)
	}
	p2 := start(t, "demo", "--addr", addr, "--data", data, "--subjects", subjects, "--seed", "7")
	waitOutput(t, p2, "Steward demo is ready", 120*time.Second)
	if res, err := http.Get("http://" + addr + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz after restart: %v", err)
	}
	p2.cmd.Process.Signal(syscall.SIGTERM)
	<-p2.done
	resumed := countEvents(t, filepath.Join(data, "steward.db"))

	st, err := sqlite.Open(context.Background(), filepath.Join(data, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("after kill -9 and resume: %v", err)
	}
	st.Close()

	// A run never interrupted, same seed and the same window end.
	clean := t.TempDir()
	addr2 := freeAddr(t)
	copyNow := exec.Command(binary, "migrate", "--data", clean)
	if out, err := copyNow.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(data, "steward.db")+"?mode=ro")
	var now string
	db.QueryRow("SELECT value FROM settings WHERE name = 'demo.now'").Scan(&now)
	db.Close()
	cdb, _ := sql.Open("sqlite", "file:"+filepath.Join(clean, "steward.db"))
	if _, err := cdb.Exec("INSERT INTO settings(name, value) VALUES ('demo.now', ?)", now); err != nil {
		t.Fatal(err)
	}
	cdb.Close()
	p3 := start(t, "demo", "--addr", addr2, "--data", clean, "--subjects", subjects, "--seed", "7")
	waitOutput(t, p3, "Steward demo is ready", 120*time.Second)
	p3.cmd.Process.Signal(syscall.SIGTERM)
	<-p3.done
	want := countEvents(t, filepath.Join(clean, "steward.db"))
	if partial == 0 || partial >= want {
		t.Fatalf("kill landed outside the seeding: %d of %d events stored before it", partial, want)
	}
	if resumed != want {
		t.Fatalf("after kill -9 and resume: %d events; an uninterrupted run stores %d", resumed, want)
	}
	t.Logf("killed after %d of %d events; resumed to %d", partial, want, resumed)
}
