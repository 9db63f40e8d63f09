// Package linktest runs the parties of cross-instance protocol tests as separate
// processes: the test binary re-executes itself with STEWARD_LINKTEST_ROLE set; the
// child serves (or calls) over partnerlink on loopback, keeps its own audit log in a
// SQLite store of its own, prints "ADDR <url>" when it serves, and prints "REPORT <json>"
// (whatever it returns, and its audit leaves) when its stdin closes or its work is done.
package linktest

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

// RoleEnv names the child's role; empty in the parent.
const RoleEnv = "STEWARD_LINKTEST_ROLE"

// AuditLog is a party's own audit log: a SQLite store in a temporary directory.
type AuditLog struct {
	Store    *sqlite.Store
	Recorder *audit.Recorder
	dir      string
}

// OpenAudit opens a fresh audit log.
func OpenAudit(ctx context.Context) (*AuditLog, error) {
	dir, err := os.MkdirTemp("", "linktest-")
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
	return &AuditLog{Store: st, dir: dir, Recorder: audit.NewRecorder(audit.RecorderConfig{Appender: audit.NewAppender(st),
		Pseudonymizer: audit.NewPseudonymizer([]byte("party-secret"))})}, nil
}

// Leaves returns every leaf of the log.
func (a *AuditLog) Leaves(ctx context.Context) ([]audit.Leaf, error) {
	n, err := a.Store.Size(ctx)
	if err != nil {
		return nil, err
	}
	raw, _, err := a.Store.ReadLeaves(ctx, 0, n)
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

// Close closes and removes the log.
func (a *AuditLog) Close() { a.Store.Close(); os.RemoveAll(a.dir) }

// Acts counts leaves by act.
func Acts(ls []audit.Leaf) map[audit.Act]int {
	m := map[audit.Act]int{}
	for _, l := range ls {
		m[l.Act]++
	}
	return m
}

// Env is what a child knows: its identity, its pinned peers by name, and its environment.
type Env struct {
	Identity *partner.Identity
	Peers    *partnerlink.Peers
	Keys     map[string]ed25519.PublicKey
	Audit    *AuditLog
}

// Get returns a child's environment variable.
func (Env) Get(k string) string { return os.Getenv(k) }

// Verifier returns a verifier for calls and answers addressed to this child.
func (e Env) Verifier() (*partner.Verifier, error) {
	return partnerlink.NewVerifier(e.Identity.PublicKey(), e.Peers)
}

// Client returns a client of the peer named name at url.
func (e Env) Client(name, url, prefix string) (*partnerlink.Client, error) {
	v, err := e.Verifier()
	if err != nil {
		return nil, err
	}
	return &partnerlink.Client{URL: url, Prefix: prefix, Signer: partner.NewSigner(e.Identity, nil, nil), Peer: e.Keys[name],
		Verifier: v, HTTP: &http.Client{Timeout: 2 * time.Minute}}, nil
}

// Serve serves h under prefix on a loopback port, prints its address and blocks until
// stdin closes.
func (e Env) Serve(prefix string, h partnerlink.HandleFunc) error {
	v, err := e.Verifier()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: partnerlink.Handler(prefix, partner.NewSigner(e.Identity, nil, nil), v, 64<<20, h), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Printf("ADDR http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return srv.Close()
}

// Report is what a child prints at the end.
type Report struct {
	Result json.RawMessage `json:"result,omitempty"`
	Audit  []audit.Leaf    `json:"audit"`
}

// Main is the TestMain of a package with child roles: in a child it runs the role's
// function and exits; in the parent it runs the tests.
func Main(m *testing.M, roles map[string]func(ctx context.Context, e Env) (any, error)) {
	role := os.Getenv(RoleEnv)
	if role == "" {
		os.Exit(m.Run())
	}
	fn, ok := roles[role]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown role", role)
		os.Exit(2)
	}
	ctx := context.Background()
	e, err := childEnv(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer e.Audit.Close()
	res, err := fn(ctx, e)
	if err != nil {
		fmt.Fprintln(os.Stderr, role+":", err)
		os.Exit(1)
	}
	var rep Report
	if res != nil {
		rep.Result, _ = json.Marshal(res)
	}
	if rep.Audit, err = e.Audit.Leaves(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, _ := json.Marshal(rep)
	fmt.Printf("REPORT %s\n", b)
	e.Audit.Close()
	os.Exit(0)
}

func childEnv(ctx context.Context) (Env, error) {
	seed, err := hex.DecodeString(os.Getenv("STEWARD_LINKTEST_SEED"))
	if err != nil {
		return Env{}, err
	}
	id, err := partner.NewIdentity(seed)
	if err != nil {
		return Env{}, err
	}
	keys := map[string]ed25519.PublicKey{}
	for _, kv := range strings.Split(os.Getenv("STEWARD_LINKTEST_PEERS"), ",") {
		name, k, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if keys[name], err = partner.ParseKeyID(k); err != nil {
			return Env{}, err
		}
	}
	log, err := OpenAudit(ctx)
	if err != nil {
		return Env{}, err
	}
	return Env{Identity: id, Peers: partnerlink.NewPeers(keys), Keys: keys, Audit: log}, nil
}

// Proc is a running child.
type Proc struct {
	Cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
	Addr  string
}

// NewIdentity returns a fresh partner identity.
func NewIdentity(t testing.TB) *partner.Identity {
	t.Helper()
	id, err := partner.GenerateIdentity(nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Spawn starts a child of role with identity id, pinning peers, with extra env; if it
// serves, Spawn waits for its address.
func Spawn(t testing.TB, role string, id *partner.Identity, peers map[string]ed25519.PublicKey, serves bool, env ...string) *Proc {
	t.Helper()
	var kv []string
	for name, k := range peers {
		kv = append(kv, name+"="+partner.KeyID(k))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{RoleEnv + "=" + role, "STEWARD_LINKTEST_SEED=" + hex.EncodeToString(id.Seed()),
		"STEWARD_LINKTEST_PEERS=" + strings.Join(kv, ",")}, env...)...)
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
	p := &Proc{Cmd: cmd, stdin: in, out: bufio.NewScanner(out)}
	p.out.Buffer(make([]byte, 1<<20), 256<<20)
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

// Finish closes the child's stdin and returns its report, decoding its result into v
// (if not nil).
func (p *Proc) Finish(t testing.TB, v any) []audit.Leaf {
	t.Helper()
	p.stdin.Close()
	for p.out.Scan() {
		if b, ok := strings.CutPrefix(p.out.Text(), "REPORT "); ok {
			var rep Report
			if err := json.Unmarshal([]byte(b), &rep); err != nil {
				t.Fatal(err)
			}
			if v != nil {
				if err := json.Unmarshal(rep.Result, v); err != nil {
					t.Fatal(err)
				}
			}
			_ = p.Cmd.Wait()
			return rep.Audit
		}
	}
	t.Fatalf("child ended without a report: %v", p.Cmd.Wait())
	return nil
}

// Client returns a client calling the child as the parent with identity id.
func (p *Proc) Client(t testing.TB, id *partner.Identity, childKey ed25519.PublicKey, prefix string) *partnerlink.Client {
	t.Helper()
	v, err := partnerlink.NewVerifier(id.PublicKey(), partnerlink.NewPeers(map[string]ed25519.PublicKey{"child": childKey}))
	if err != nil {
		t.Fatal(err)
	}
	return &partnerlink.Client{URL: p.Addr, Prefix: prefix, Signer: partner.NewSigner(id, nil, nil), Peer: childKey, Verifier: v,
		HTTP: &http.Client{Timeout: 2 * time.Minute}}
}
