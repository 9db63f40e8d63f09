package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the steward binary built once for these end-to-end tests, which run it as a
// real child process (signals, kill -9, files on disk).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "steward-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "steward")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build steward: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freeAddr returns a free 127.0.0.1 port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a running steward child process with its combined output captured.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit error, valid after done
}

func (p *proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	p.cmd.Env = append(os.Environ(), "STEWARD_LOG_FORMAT=text")
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	go func() { p.err = p.cmd.Wait(); pw.Close(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitHealthy polls /healthz until 200 or the deadline.
func waitHealthy(t *testing.T, p *proc, addr string, within time.Duration) time.Duration {
	t.Helper()
	begin := time.Now()
	for time.Since(begin) < within {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(begin)
			}
		}
		select {
		case <-p.done:
			t.Fatalf("steward exited early: %v\n%s", p.err, p.Output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("no healthy /healthz within %s\n%s", within, p.Output())
	return 0
}

func TestServeWritesSecretsAndShutsDownGracefully(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, "serve", "--addr", addr, "--data", data)
	waitHealthy(t, p, addr, 30*time.Second)

	for _, f := range []string{"admin-token", "write-key"} {
		fi, err := os.Stat(filepath.Join(data, f))
		if err != nil {
			t.Fatalf("%s not written: %v", f, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode = %v, want 0600", f, fi.Mode().Perm())
		}
		if !strings.Contains(p.Output(), filepath.Join(data, f)) {
			t.Fatalf("log does not say where %s is:\n%s", f, p.Output())
		}
	}
	token, _ := os.ReadFile(filepath.Join(data, "admin-token"))
	if strings.Contains(p.Output(), strings.TrimSpace(string(token))) {
		t.Fatal("the admin token itself was logged")
	}

	// Start a request whose body is still arriving, then ask the server to stop: the
	// request must still complete, and the process must exit 0 after closing the store.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/sources", pr)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Content-Type", "application/json")
	type result struct {
		status int
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			resc <- result{0, err}
			return
		}
		res.Body.Close()
		resc <- result{res.StatusCode, nil}
	}()
	pw.Write([]byte(`{"name": "in-fli`))
	time.Sleep(300 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	pw.Write([]byte(`ght"}`))
	pw.Close()
	r := <-resc
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("in-flight request during shutdown = %d, %v; want 201", r.status, r.err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", p.err, p.Output())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop after SIGTERM")
	}
	if !strings.Contains(p.Output(), "stopped cleanly") {
		t.Fatalf("no clean-stop line:\n%s", p.Output())
	}

	// The store reopens; migrate is idempotent; the source created in flight is there.
	out, err := exec.Command(binary, "migrate", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "schema at version") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err = exec.Command(binary, "sources", "list", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "in-flight") || !strings.Contains(string(out), "default") {
		t.Fatalf("sources list: %v\n%s", err, out)
	}
}

func TestCLIAdministration(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) (string, string, error) {
		cmd := exec.Command(binary, append(args, "--data", data)...)
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		return so.String(), se.String(), err
	}
	if _, se, err := run("migrate"); err != nil {
		t.Fatalf("migrate: %v %s", err, se)
	}
	so, se, err := run("operators", "create", "--name", "wang.fang", "--role", "privacy_officer")
	if err != nil || !strings.Contains(so, "role privacy_officer") {
		t.Fatalf("operators create: %v %s %s", err, so, se)
	}
	opID := strings.Fields(so)[2]
	if _, se, err := run("operators", "create", "--name", "x", "--role", "emperor"); err == nil || !strings.Contains(se, "unknown role") {
		t.Fatalf("bad role accepted: %v %s", err, se)
	}
	so, se, err = run("tokens", "create", "--operator", opID, "--scopes", "rights:read,audit:read")
	if err != nil || !strings.HasPrefix(so, "stw_op_") {
		t.Fatalf("tokens create: %v %q %s", err, so, se)
	}
	if _, se, err := run("tokens", "create", "--operator", opID, "--scopes", "segments:write"); err == nil {
		t.Fatalf("token beyond the role was issued: %s", se)
	}
	so, _, _ = run("tokens", "list", "--operator", opID)
	id := strings.Fields(strings.Split(so, "\n")[1])[0]
	if so, se, err := run("tokens", "revoke", "--id", id); err != nil || !strings.Contains(so, "revoked") {
		t.Fatalf("revoke: %v %s %s", err, so, se)
	}
	so, _, _ = run("tokens", "list", "--operator", opID)
	if !strings.Contains(so, "revoked/expired") {
		t.Fatalf("revocation not listed: %s", so)
	}
	so, _, err = run("sources", "create", "--name", "mini-program")
	if err != nil || !strings.HasPrefix(so, "stw_wk_") {
		t.Fatalf("sources create: %v %s", err, so)
	}
	so, _, _ = run("operators", "list")
	if !strings.Contains(so, "wang.fang") {
		t.Fatalf("operators list: %s", so)
	}
	// Unknown commands and flags exit 2 with a usage message.
	cmd := exec.Command(binary, "frobnicate")
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != 2 {
		t.Fatalf("unknown command exit = %v", err)
	}
	out, _ := exec.Command(binary, "help").CombinedOutput()
	for _, c := range []string{"serve", "demo", "migrate", "version", "operators", "tokens", "sources", "bench"} {
		if !strings.Contains(string(out), "  "+c+" ") {
			t.Errorf("help does not list %s:\n%s", c, out)
		}
	}
}
