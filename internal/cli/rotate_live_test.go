package cli_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/cli"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
	"github.com/stewardhq/steward/internal/vault"
)

// TestMain lets a test run "steward" as a real second process: the test binary itself,
// told by STEWARD_TEST_AS_CLI to behave as cli.Run.
func TestMain(m *testing.M) {
	if os.Getenv("STEWARD_TEST_AS_CLI") == "1" {
		os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// stewardProcess runs steward args in a separate process and returns its exit code and
// combined output.
func stewardProcess(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "STEWARD_TEST_AS_CLI=1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// issue 17 item 4: "steward keys rotate" run by another process beside a live server must
// not lose data. Whatever the rotation does, every subject the server creates afterwards
// is still readable after a restart and the profile engine loads.
func TestRotateBesideALiveServerLosesNothing(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { rotateBesideLiveServer(t, "") })
	t.Run("postgres", func(t *testing.T) { rotateBesideLiveServer(t, pgtest.Schema(t, pgtest.URL(t))) })
}

func rotateBesideLiveServer(t *testing.T, db string) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DB = db
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			a.Close()
		}
	}
	defer stop()
	key, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.WriteKeyFile))
	identify := func(user string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/identify", strings.NewReader(`{"userId":"`+user+`","traits":{"city":"上海"}}`))
		req.SetBasicAuth(strings.TrimSpace(string(key)), "")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("identify %s: %d", user, res.StatusCode)
		}
	}
	identify("before-rotation")

	args := []string{"keys", "rotate", "--data", cfg.DataDir}
	if db != "" {
		args = append(args, "--db", db)
	}
	code, out := stewardProcess(t, args...)
	t.Logf("keys rotate beside the live server: exit %d: %s", code, strings.TrimSpace(out))

	for _, u := range []string{"after-1", "after-2", "after-3"} {
		identify(u) // new subjects, new data keys, written by the live server
	}
	stop()

	// Restart: everything the server wrote must open, and profiles must load.
	b, err := app.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("restart after rotation: %v", err)
	}
	keys, err := b.Store.ListSubjectKeys(context.Background(), "", "", 100)
	if err != nil || len(keys) < 4 {
		t.Fatalf("subject keys: %d, %v", len(keys), err)
	}
	for _, sk := range keys {
		if _, err := b.Vault.Seal(context.Background(), nil, sk.SubjectID, vault.Binding{Table: "t", Field: "f"}, []byte("x")); err != nil {
			t.Errorf("subject %s unreadable after restart (wrapped under %s): %v", sk.SubjectID, sk.KEKID, err)
		}
	}
	if err := b.Profiles.Load(context.Background()); err != nil {
		t.Fatalf("profile engine fails to load: %v", err)
	}
	if code == 0 {
		t.Logf("rotation ran while serving and lost nothing")
	} else if !strings.Contains(out, "serv") {
		t.Fatalf("rotation refused without saying a server holds the store: %s", out)
	}
	b.Close()

	// With the server stopped the rotation runs, and retires the old key only once
	// nothing is wrapped under it; a server cannot start while a rotation holds the
	// keyring.
	code, out = stewardProcess(t, args...)
	if code != 0 || !strings.Contains(out, "4 data keys re-wrapped") {
		t.Fatalf("rotation with no server: exit %d: %s", code, out)
	}
	st, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	release, err := app.AcquireExclusiveKeyring(context.Background(), st, "test rotation")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := app.Open(context.Background(), cfg, nil); err == nil {
		c.Close()
		t.Fatal("a server started while a rotation held the keyring")
	} else if !strings.Contains(err.Error(), "rotation") {
		t.Fatalf("start during rotation: %v", err)
	}
	release()
	st.Close()
	c, err := app.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("start after the rotation: %v", err)
	}
	defer c.Close()
	if err := c.Profiles.Load(context.Background()); err != nil {
		t.Fatalf("profiles after the rotation: %v", err)
	}
}
