package federated_test

// The parties of these tests run in separate processes: the test binary re-executes
// itself with STEWARD_FL_ROLE set, the child serves its protocol over HTTP on loopback
// (partnerlink: every call and answer signed with the partner identities) and prints
// its address; when its stdin closes it prints what its audit log holds and exits.

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/server/partnerlink"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

func TestMain(m *testing.M) {
	switch os.Getenv("STEWARD_FL_ROLE") {
	case "":
		os.Exit(m.Run())
	case "host":
		child(runHost)
	case "party":
		child(runParty)
	default:
		fmt.Fprintln(os.Stderr, "unknown role")
		os.Exit(2)
	}
}

// auditLog is a party's own audit log: a SQLite store in a temporary directory.
type auditLog struct {
	st  *sqlite.Store
	rec *audit.Recorder
	dir string
}

func openAudit(ctx context.Context) (*auditLog, error) {
	dir, err := os.MkdirTemp("", "fl-party-")
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "steward.db"))
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	return &auditLog{st: st, dir: dir, rec: audit.NewRecorder(audit.RecorderConfig{Appender: audit.NewAppender(st),
		Pseudonymizer: audit.NewPseudonymizer([]byte("party-secret"))})}, nil
}

func (a *auditLog) leaves(ctx context.Context) ([]audit.Leaf, error) {
	n, err := a.st.Size(ctx)
	if err != nil {
		return nil, err
	}
	raw, _, err := a.st.ReadLeaves(ctx, 0, n)
	if err != nil {
		return nil, err
	}
	out := make([]audit.Leaf, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (a *auditLog) close() { a.st.Close(); os.RemoveAll(a.dir) }

// childEnv is what a child reads: its identity seed, the peers' keys by id.
func identityFromEnv() (*partner.Identity, *partnerlink.Peers, map[string]ed25519.PublicKey, error) {
	seed, err := hex.DecodeString(os.Getenv("STEWARD_FL_SEED"))
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := partner.NewIdentity(seed)
	if err != nil {
		return nil, nil, nil, err
	}
	keys := map[string]ed25519.PublicKey{}
	for _, kv := range strings.Split(os.Getenv("STEWARD_FL_PEERS"), ",") {
		name, k, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		pub, err := partner.ParseKeyID(k)
		if err != nil {
			return nil, nil, nil, err
		}
		keys[name] = pub
	}
	return id, partnerlink.NewPeers(keys), keys, nil
}

// child runs fn, which serves or calls and returns the leaves to report; the process
// prints them as JSON on one line prefixed "AUDIT " and exits.
func child(fn func(ctx context.Context, log *auditLog, ready func(addr string)) error) {
	ctx := context.Background()
	log, err := openAudit(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer log.close()
	if err := fn(ctx, log, func(addr string) { fmt.Printf("ADDR %s\n", addr) }); err != nil {
		fmt.Fprintln(os.Stderr, "party:", err)
		os.Exit(1)
	}
	ls, err := log.leaves(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, _ := json.Marshal(ls)
	fmt.Printf("AUDIT %s\n", b)
	os.Exit(0)
}

// serve listens on a loopback port, reports it, serves h until stdin closes.
func serve(h http.Handler, ready func(string)) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	ready("http://" + ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return srv.Close()
}

// proc is a running child party.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
	Addr  string
}

// spawn starts a child of role with env; if it serves, waits for its address.
func spawn(t *testing.T, role string, serves bool, env ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"STEWARD_FL_ROLE=" + role}, env...)...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdin: in, out: bufio.NewScanner(out)}
	p.out.Buffer(make([]byte, 1<<20), 64<<20)
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if serves {
		for p.out.Scan() {
			if a, ok := strings.CutPrefix(p.out.Text(), "ADDR "); ok {
				p.Addr = a
				return p
			}
		}
		t.Fatalf("%s: no address", role)
	}
	return p
}

// finish closes the child's stdin and returns the audit leaves it reports.
func (p *proc) finish(t *testing.T) []audit.Leaf {
	t.Helper()
	p.stdin.Close()
	for p.out.Scan() {
		if b, ok := strings.CutPrefix(p.out.Text(), "AUDIT "); ok {
			var ls []audit.Leaf
			if err := json.Unmarshal([]byte(b), &ls); err != nil {
				t.Fatal(err)
			}
			_ = p.cmd.Wait()
			return ls
		}
	}
	err := p.cmd.Wait()
	t.Fatalf("child ended without an audit report: %v", err)
	return nil
}

// identity makes a partner identity and its env form.
func identity(t *testing.T) (*partner.Identity, string) {
	t.Helper()
	id, err := partner.GenerateIdentity(nil)
	if err != nil {
		t.Fatal(err)
	}
	return id, "STEWARD_FL_SEED=" + hex.EncodeToString(id.Seed())
}

func peersEnv(keys map[string]ed25519.PublicKey) string {
	var kv []string
	for name, k := range keys {
		kv = append(kv, name+"="+partner.KeyID(k))
	}
	return "STEWARD_FL_PEERS=" + strings.Join(kv, ",")
}

func acts(ls []audit.Leaf) map[audit.Act]int {
	m := map[audit.Act]int{}
	for _, l := range ls {
		m[l.Act]++
	}
	return m
}
