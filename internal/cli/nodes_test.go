package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store/postgres/pgtest"
)

// node is one `steward serve` process of the three-node test.
type node struct {
	name, base string
	cmd        *exec.Cmd
	exited     chan struct{}
}

func (n *node) alive() bool {
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// nodeCluster is three steward serve processes on one PostgreSQL schema, sharing one data
// directory (the keyring, the audit key and the first-start secrets: what several nodes of
// one deployment share through a mounted volume or STEWARD_KEKS).
type nodeCluster struct {
	bin, dir, db string
	env          []string
	nodes        []*node
	admin, key   string
}

// buildSteward builds the steward binary once for the test.
func buildSteward(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "steward")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/stewardhq/steward/cmd/steward")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (c *nodeCluster) start(t *testing.T, name string) *node {
	t.Helper()
	addr := freeAddr(t)
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.bin, "serve", "--addr", addr, "--data", c.dir, "--db", c.db)
	cmd.Env = append(os.Environ(), append(c.env, "STEWARD_NODE="+name)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{name: name, base: "http://" + addr, cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(n.exited) }()
	t.Cleanup(func() {
		if n.alive() {
			n.cmd.Process.Signal(syscall.SIGTERM)
			<-n.exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("%s log:\n%s", name, b)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(n.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) || !n.alive() {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s never answered: %v\n%s", name, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.nodes = append(c.nodes, n)
	return n
}

func (n *node) call(t *testing.T, method, path, token, ctype, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, n.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ctype)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s %s: %v", n.name, method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (c *nodeCluster) api(t *testing.T, n *node, method, path, body string) (int, []byte) {
	return n.call(t, method, path, c.admin, "application/json", body)
}

func (c *nodeCluster) ingest(t *testing.T, n *node, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", n.base+"/v1/batch", strings.NewReader(body))
	req.SetBasicAuth(c.key, "")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("ingest through %s: %d %s", n.name, res.StatusCode, b)
	}
}

// everyNode waits until ok holds on every live node and returns how long that took.
func (c *nodeCluster) everyNode(t *testing.T, what string, limit time.Duration, ok func(n *node) bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		all := true
		for _, n := range c.nodes {
			if n.alive() && !ok(n) {
				all = false
			}
		}
		if all {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: not on every node after %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// holdingReceiver is the shop's campaign receiver, deduping by idempotency key. Until
// released it holds every post unanswered, so a delivery is in the middle when its node is
// killed: the post arrived, its node never learnt it did.
type holdingReceiver struct {
	mu    sync.Mutex
	posts int
	keys  map[string]int
	hold  chan struct{}
}

func (r *holdingReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	io.Copy(io.Discard, req.Body)
	r.mu.Lock()
	r.posts++
	r.keys[req.Header.Get(channel.HeaderIdempotencyKey)]++
	r.mu.Unlock()
	select {
	case <-r.hold:
		w.WriteHeader(200)
	case <-req.Context().Done():
	}
}

func (r *holdingReceiver) counts() (posts, distinct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.posts, len(r.keys)
}

func shopper(user string, at time.Time, purposes string) string {
	return fmt.Sprintf(`{"batch":[{"type":"identify","userId":%q,"traits":{"email":"%s@example.com","birthday":"1990-04-01"},"messageId":"%s-i","timestamp":%q,"context":{"consent":{"categoryPreferences":%s}}},`+
		`{"type":"track","event":"Product Viewed","userId":%q,"properties":{"product_id":"p1","category":"toys"},"messageId":"%s-t","timestamp":%q,"context":{"consent":{"categoryPreferences":%s}}}]}`,
		user, user, user, at.Format(time.RFC3339Nano), purposes, user, user, at.Add(time.Second).Format(time.RFC3339Nano), purposes)
}

// Three steward serve processes on one PostgreSQL (issue 27 item 4): ingestion through any
// node; a manifest, a tag, a segment and a withdrawal made through one node in force on
// every node within a second; each background job run once across the nodes (counted in
// River's job table); a node killed with SIGKILL in the middle of a campaign delivery, its
// job rescued and finished by another node, every message received once.
func TestThreeNodesOnOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds steward and runs three servers")
	}
	db := pgtest.Schema(t, pgtest.URL(t))
	recv := &holdingReceiver{keys: map[string]int{}, hold: make(chan struct{})}
	sink := httptest.NewServer(recv)
	defer sink.Close()
	c := &nodeCluster{bin: buildSteward(t), dir: t.TempDir(), db: db, env: []string{
		"STEWARD_WEBHOOK_URL=" + sink.URL, "STEWARD_LOG_LEVEL=warn",
		"STEWARD_CAMPAIGN_TICK=1s", "STEWARD_JOB_TIMEOUT=5s", "STEWARD_JOB_RESCUE_AFTER=5s"}}
	// The first node creates the keyring and secrets; the others find them.
	n1 := c.start(t, "n1")
	tok, _ := os.ReadFile(filepath.Join(c.dir, auth.AdminTokenFile))
	key, _ := os.ReadFile(filepath.Join(c.dir, auth.WriteKeyFile))
	c.admin, c.key = strings.TrimSpace(string(tok)), strings.TrimSpace(string(key))
	n2, n3 := c.start(t, "n2"), c.start(t, "n3")
	started := time.Now()

	// A manifest published through n2 (quiet hours off, so the campaign below does not
	// depend on the hour) is in force on every node.
	y := strings.Replace(string(manifest.DefaultYAML()), "version: 1\n", "version: 2\n", 1)
	y = strings.Replace(y, `quiet_hours: {start: "21:00", end: "08:00", action: defer}`, `quiet_hours: {start: "00:00", end: "00:00"}`, 1)
	if s, b := n2.call(t, "PUT", "/api/v1/manifest", c.admin, "application/yaml", y); s != 201 {
		t.Fatalf("publish: %d %s", s, b)
	}
	took := c.everyNode(t, "manifest version 2", time.Second, func(n *node) bool {
		_, b := c.api(t, n, "GET", "/api/v1/manifest", "")
		return strings.Contains(string(b), `quiet_hours: {start: \"00:00\", end: \"00:00\"}`)
	})
	t.Logf("manifest published on n2 in force on all three nodes after %s", took)

	// Ingestion through every node; a segment defined through n1 counts them on every node.
	const people = 12
	consented := `{"Analytics":true,"Personalization":true,"Advertising":true}`
	now := time.Now().UTC().Add(-time.Hour)
	for i := range people {
		c.ingest(t, c.nodes[i%3], shopper(fmt.Sprintf("node-u%02d", i), now, consented))
	}
	if s, b := c.api(t, n1, "POST", "/api/v1/segments", `{"name":"viewers","expression":"count(\"Product Viewed\", 30d) >= 1","purpose":"marketing.advertising.profiling"}`); s != 201 {
		t.Fatalf("segment: %d %s", s, b)
	}
	size := func(n *node) (matches, size int) {
		var v struct{ Matches, Size int }
		_, b := c.api(t, n, "GET", "/api/v1/segments/viewers", "")
		json.Unmarshal(b, &v)
		return v.Matches, v.Size
	}
	took = c.everyNode(t, "segment of everyone ingested", 5*time.Second, func(n *node) bool { m, s := size(n); return m == people && s == people })
	t.Logf("segment defined on n1 over people ingested through all three: on every node after %s", took)

	// One more person through n3: in the segment on every node within a second.
	c.ingest(t, n3, shopper("node-late", now, consented))
	took = c.everyNode(t, "a person ingested through n3", time.Second, func(n *node) bool { m, _ := size(n); return m == people+1 })
	t.Logf("person ingested through n3 in the segment on every node after %s", took)

	// A tag defined through n2 covers everyone on every node within a second.
	if s, b := c.api(t, n2, "POST", "/api/v1/tags", `{"name":"viewer","kind":"rule","expression":"count(\"Product Viewed\", 7d) >= 1",
		"categories":["user.behavior"],"purpose":"personalize.content","ttl":"7d","refresh":"1h","user_visible":true,"deletable":true}`); s != 201 {
		t.Fatalf("tag: %d %s", s, b)
	}
	took = c.everyNode(t, "tag viewer", time.Second, func(n *node) bool {
		var v struct{ Coverage int }
		_, b := c.api(t, n, "GET", "/api/v1/tags/viewer", "")
		json.Unmarshal(b, &v)
		return v.Coverage == people+1
	})
	t.Logf("tag defined on n2 covering everyone on every node after %s", took)

	// A withdrawal through n3's privacy center: out of the segment on every node within a
	// second (the other nodes learn it from the consent log, not from an event).
	_, b := c.api(t, n3, "POST", "/api/v1/subjects/node-u00/sessions", "")
	var minted struct{ Token string }
	json.Unmarshal(b, &minted)
	if s, b := n3.call(t, "POST", "/api/v1/me/consents", minted.Token, "application/json", `{"purpose":"marketing.advertising.profiling","granted":false}`); s != 204 {
		t.Fatalf("withdraw: %d %s", s, b)
	}
	took = c.everyNode(t, "withdrawal", time.Second, func(n *node) bool { _, s := size(n); return s == people })
	t.Logf("withdrawal through n3 out of the segment on every node after %s", took)

	// An erasure through n1 (the person deletes their account): gone from the segment and
	// the tag on every node within a second (the other nodes follow the erasure log).
	_, b = c.api(t, n1, "POST", "/api/v1/subjects/node-late/sessions", "")
	json.Unmarshal(b, &minted)
	if s, b := n1.call(t, "DELETE", "/api/v1/me", minted.Token, "application/json", ""); s != 200 {
		t.Fatalf("erase: %d %s", s, b)
	}
	took = c.everyNode(t, "erasure", time.Second, func(n *node) bool {
		m, s := size(n)
		var v struct{ Coverage int }
		_, b := c.api(t, n, "GET", "/api/v1/tags/viewer", "")
		json.Unmarshal(b, &v)
		return m == people && s == people-1 && v.Coverage == people
	})
	t.Logf("erasure through n1 out of the segment and the tag on every node after %s", took)
	// The people the campaign goes to grant its purpose (through n1 and n2).
	for i := 1; i < people; i++ {
		n := c.nodes[i%2]
		_, b := c.api(t, n, "POST", "/api/v1/subjects/"+fmt.Sprintf("node-u%02d", i)+"/sessions", "")
		var m struct{ Token string }
		json.Unmarshal(b, &m)
		if s, b := n.call(t, "POST", "/api/v1/me/consents", m.Token, "application/json", `{"purpose":"marketing.communications","granted":true}`); s != 204 {
			t.Fatalf("grant: %d %s", s, b)
		}
	}

	// A campaign to the segment, activated through n2, delivered through the slow receiver.
	// Its delivery job runs on some node; kill that node with SIGKILL in the middle.
	def := fmt.Sprintf(`{"id":"nodes","name":"Nodes","purpose":"marketing.communications","audience":{"segment":"viewers"},"channel":{"type":"webhook"},
  "content":{"plain":{"body":"Spring sale 春季促销"}},"schedule":{"kind":"once","at":%q}}`, time.Now().UTC().Format(time.RFC3339))
	if s, b := c.api(t, n2, "POST", "/api/v1/campaigns", def); s != 201 {
		t.Fatalf("campaign: %d %s", s, b)
	}
	if s, b := c.api(t, n2, "POST", "/api/v1/campaigns/nodes/activate", ""); s != 200 {
		t.Fatalf("activate: %d %s", s, b)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var holder string
	deadline := time.Now().Add(30 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("no delivery reached the receiver")
		}
		conn.QueryRow(ctx, `SELECT coalesce(attempted_by[array_length(attempted_by, 1)], '') FROM river_job WHERE kind = 'campaign.deliver' AND state = 'running' LIMIT 1`).Scan(&holder)
		if posts, _ := recv.counts(); holder != "" && posts > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var victim *node
	for _, n := range c.nodes {
		if n.name == holder {
			victim = n
		}
	}
	if victim == nil {
		t.Fatalf("job held by %q, not one of the nodes", holder)
	}
	postsAtKill, _ := recv.counts()
	killed := time.Now()
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.exited
	close(recv.hold)
	t.Logf("killed %s (SIGKILL) in the middle of its delivery: %d posts received, none answered", victim.name, postsAtKill)
	// Another node rescues the job after JobRescueAfter and finishes the delivery.
	var survivor *node
	for _, n := range c.nodes {
		if n != victim {
			survivor = n
		}
	}
	took = 0
	deadline = time.Now().Add(90 * time.Second)
	for {
		var res struct {
			Results struct{ Delivered, Pending int }
		}
		_, b := c.api(t, survivor, "GET", "/api/v1/campaigns/nodes", "")
		json.Unmarshal(b, &res)
		_, distinct := recv.counts()
		if distinct == people-1 && res.Results.Delivered == people-1 && res.Results.Pending == 0 {
			took = time.Since(killed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery never finished after the kill: %s, %d distinct messages", b, distinct)
		}
		time.Sleep(100 * time.Millisecond)
	}
	posts, distinct := recv.counts()
	t.Logf("delivery finished by another node %s after the kill: %d messages received, %d posts (a resend is deduped by its idempotency key)", took, distinct, posts)
	var attempts int
	var by []string
	var err2 error
	for wait := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) { // River marks completions in batches
		err2 = conn.QueryRow(ctx, `SELECT attempt, attempted_by FROM river_job WHERE kind = 'campaign.deliver' AND state = 'completed' ORDER BY attempt DESC LIMIT 1`).Scan(&attempts, &by)
		if err2 == nil || time.Now().After(wait) {
			break
		}
	}
	if err := err2; err != nil {
		rows, _ := conn.Query(ctx, `SELECT id, state, attempt, attempted_by, errors::text FROM river_job WHERE kind = 'campaign.deliver'`)
		for rows.Next() {
			var id int64
			var st string
			var at int
			var ab []string
			var errs *string
			rows.Scan(&id, &st, &at, &ab, &errs)
			t.Logf("deliver job %d: %s attempt %d by %v errors %v", id, st, at, ab, errs)
		}
		t.Fatal(err)
	}
	if attempts < 2 || len(by) < 2 || by[0] != victim.name || by[len(by)-1] == victim.name {
		t.Fatalf("the delivery job was not rescued from %s by another node: attempt %d by %v", victim.name, attempts, by)
	}
	t.Logf("delivery job: attempt %d, attempted by %v", attempts, by)

	// Each job once across the nodes: one run of the campaign, one message per person,
	// and the periodic ticks enqueued by the leader only (about one a second, not three).
	var runs, messages, dupMessages int
	conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'campaign.run'`).Scan(&runs)
	conn.QueryRow(ctx, `SELECT count(*), count(*) - count(DISTINCT subject_id) FROM campaign_messages WHERE campaign_id = 'nodes'`).Scan(&messages, &dupMessages)
	if runs != 1 || messages < people-1 || dupMessages != 0 {
		t.Fatalf("campaign run jobs %d (want 1), messages %d (want at least %d), %d duplicated", runs, messages, people-1, dupMessages)
	}
	var ticks, multi int
	// A tick the killed node was working when it died is rescued and worked again by
	// another: that is the rescue, not a tick worked twice, so it does not count.
	conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE cardinality(attempted_by) > 1 AND NOT $1 = ANY(attempted_by))
		FROM river_job WHERE kind = 'campaign.schedule'`, victim.name).Scan(&ticks, &multi)
	elapsed := time.Since(started).Seconds()
	// One a second from the leader, plus one each time leadership changes hands (a new
	// leader enqueues its run-on-start ticks; under load that happens a few times a run).
	// Three nodes each enqueueing would make three a second.
	if float64(ticks) > 1.5*elapsed+3 || multi != 0 {
		t.Fatalf("%d scheduler ticks in %.0f s at one a second (three nodes enqueueing would make ~%.0f); %d run twice", ticks, elapsed, 3*elapsed, multi)
	}
	t.Logf("job table: %d campaign.run, %d messages for %d people, %d campaign.schedule ticks in %.0f s (none worked twice)",
		runs, messages, people-1, ticks, elapsed)

	// The daily retention check, enqueued as the leader's hourly schedule does: worked by
	// one node, and the pass it ran is the only one every node reports.
	if _, err := conn.Exec(ctx, `INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, scheduled_at)
		VALUES ('{}', 'retention.run', 3, 1, 'default', 'available', now())`); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	var state string
	for state != "completed" {
		if time.Now().After(deadline) {
			t.Fatalf("the retention job was never worked: %s", state)
		}
		time.Sleep(100 * time.Millisecond)
		conn.QueryRow(ctx, `SELECT state, attempted_by FROM river_job WHERE kind = 'retention.run'`).Scan(&state, &by)
	}
	if len(by) != 1 {
		t.Fatalf("the retention job was attempted by %v", by)
	}
	c.everyNode(t, "one retention pass", time.Second, func(n *node) bool {
		var st struct{ Runs []json.RawMessage }
		_, b := c.api(t, n, "GET", "/api/v1/retention", "")
		json.Unmarshal(b, &st)
		return len(st.Runs) == 1
	})
	t.Logf("retention job worked once, by %v; every node reports one pass", by)

	// Three nodes appended to one audit log, one of them killed mid-work: stopped, the log
	// verifies against its signed checkpoints.
	for _, n := range c.nodes {
		if n.alive() {
			n.cmd.Process.Signal(syscall.SIGTERM)
			<-n.exited
		}
	}
	out, err := exec.Command(c.bin, "audit", "verify", "--data", c.dir, "--db", c.db).CombinedOutput()
	if err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Logf("audit verify: %s", lines[len(lines)-1])
}
