package cli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/cleanroom"
	"github.com/stewardhq/steward/internal/partner"
)

// Issue 22 item 5: two real `steward serve` processes on loopback, each with its own data
// directory, every call between them through a recording TCP proxy. A brand (A) and a shop
// (B) pair through an invite, each side's people give (or not) the separate consent of
// measurement.clean_room, A proposes an intersection_sum job, both privacy officers
// approve, and A learns exactly the plaintext size and sum over the consenting overlap; B
// learns the size. A tampered, a replayed (also after B restarts) and an unapproved message
// are refused; neither data directory nor the captured traffic holds an identifier of the
// other side, nor any blinded element that crossed the wire.
func TestCleanRoomBetweenTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds steward and runs two servers")
	}
	bin := filepath.Join(t.TempDir(), "steward")
	build := exec.Command("go", "build", "-o", bin, "./cmd/steward")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	portA, portB, proxyA, proxyB := freePort(t), freePort(t), freePort(t), freePort(t)
	rec := &recorder{}
	rec.listen(t, proxyA, portA)
	rec.listen(t, proxyB, portB)
	dirA, dirB := t.TempDir(), t.TempDir()
	a := startServe(t, bin, dirA, portA, proxyA)
	b := startServe(t, bin, dirB, portB, proxyB)

	// The people. A (the brand) has 0..149, B (the shop) 50..199: the overlap is 50..149.
	// A's people 60..69 and B's 80..89 do not give the separate consent; B's people 190..199
	// neither (outside the overlap). B writes some addresses in another case and with
	// spaces: matching normalises them. B's orders: two in the window, one 100 days old.
	emailA := func(i int) string { return fmt.Sprintf("shopper%03d@example.cn", i) }
	emailB := func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("  Shopper%03d@Example.CN ", i)
		}
		return emailA(i)
	}
	now := time.Now().UTC()
	totals := func(i int) []float64 { return []float64{float64(i%7)*10.5 + 3.25, float64(i%5) + 0.99} }
	var batchA, batchB []map[string]any
	for i := 0; i < 150; i++ {
		batchA = append(batchA, map[string]any{"type": "identify", "userId": fmt.Sprintf("a%d", i), "traits": map[string]any{"email": emailA(i)}})
	}
	for i := 50; i < 200; i++ {
		uid := fmt.Sprintf("b%d", i)
		batchB = append(batchB, map[string]any{"type": "identify", "userId": uid, "traits": map[string]any{"email": emailB(i)}})
		for k, v := range totals(i) {
			batchB = append(batchB, map[string]any{"type": "track", "userId": uid, "event": "Order Completed", "messageId": fmt.Sprintf("o-%d-%d", i, k),
				"timestamp": now.Add(-time.Duration(k+1) * 24 * time.Hour).Format(time.RFC3339), "properties": map[string]any{"order_id": fmt.Sprintf("o%d%d", i, k), "total": v}})
		}
		batchB = append(batchB, map[string]any{"type": "track", "userId": uid, "event": "Order Completed", "messageId": fmt.Sprintf("o-%d-old", i),
			"timestamp": now.Add(-100 * 24 * time.Hour).Format(time.RFC3339), "properties": map[string]any{"order_id": fmt.Sprintf("o%dold", i), "total": 999.0}})
	}
	a.ingest(t, batchA)
	b.ingest(t, batchB)
	consentsA, consentsB := map[int]bool{}, map[int]bool{}
	for i := 0; i < 150; i++ {
		consentsA[i] = !(i >= 60 && i < 70)
	}
	for i := 50; i < 200; i++ {
		consentsB[i] = !(i >= 80 && i < 90) && i < 190
	}
	grant := func(s *serveProc, prefix string, who map[int]bool) {
		for i, ok := range who {
			if ok {
				tok := s.session(t, fmt.Sprintf("%s%d", prefix, i))
				s.call(t, "POST", "/api/v1/me/consents", tok, map[string]any{"purpose": "measurement.clean_room", "granted": true, "recipient": "Acme Brand Co."}, http.StatusNoContent, nil)
			}
		}
	}
	grant(a, "a", consentsA)
	grant(b, "b", consentsB)
	// The plaintext answer: consenting on both sides; B's values in cents over 30 days.
	wantSize, wantSum := int64(0), int64(0)
	for i := 50; i < 150; i++ {
		if consentsA[i] && consentsB[i] {
			wantSize++
			for _, v := range totals(i) {
				wantSum += int64(math.Round(v * 100))
			}
		}
	}

	// Pairing: A invites, B accepts; both pin each other.
	var inv struct{ Invite string }
	a.call(t, "POST", "/api/v1/partners/invites", a.token, nil, http.StatusCreated, &inv)
	var acc struct{ ID string }
	b.call(t, "POST", "/api/v1/partners", b.token, map[string]any{"invite": inv.Invite}, http.StatusCreated, &acc)
	var listA, listB struct {
		Self     struct{ URL, Key string }
		Partners []struct{ ID, Key, URL, Status string }
	}
	a.call(t, "GET", "/api/v1/partners", a.token, nil, http.StatusOK, &listA)
	b.call(t, "GET", "/api/v1/partners", b.token, nil, http.StatusOK, &listB)
	if len(listA.Partners) != 1 || len(listB.Partners) != 1 || listA.Partners[0].Key != listB.Self.Key || listB.Partners[0].Key != listA.Self.Key ||
		listB.Partners[0].ID != acc.ID || listA.Partners[0].URL != fmt.Sprintf("http://127.0.0.1:%d", proxyB) {
		t.Fatalf("pairing: A sees %+v, B sees %+v", listA, listB)
	}
	b.call(t, "POST", "/api/v1/partners", b.token, map[string]any{"invite": inv.Invite}, http.StatusConflict, nil)

	// A proposes; nothing runs until both privacy officers approved.
	job := map[string]any{"partner": listA.Partners[0].ID, "protocol": "intersection_sum", "match_on": "email", "purpose": "measurement.clean_room",
		"value": map[string]any{"event": "Order Completed", "property": "total", "window": "30d"}}
	var created struct{ ID string }
	a.call(t, "POST", "/api/v1/cleanroom/jobs", a.token, job, http.StatusCreated, &created)
	a.call(t, "POST", "/api/v1/cleanroom/jobs", a.token, map[string]any{"partner": listA.Partners[0].ID, "protocol": "intersection_sum", "match_on": "email",
		"purpose": "essential.service", "value": job["value"]}, http.StatusBadRequest, nil)
	var view jobView
	b.call(t, "GET", "/api/v1/cleanroom/jobs/"+created.ID, b.token, nil, http.StatusOK, &view)
	if view.State != "proposed" || view.Role != "partner" {
		t.Fatalf("B's view of the proposal = %+v", view)
	}

	// An unapproved message: a third party C, paired with B like anyone, proposes a job
	// and sends its first message before B approved: refused, nothing read.
	unapprovedMessageRefused(t, b)

	a.call(t, "POST", "/api/v1/cleanroom/jobs/"+created.ID+"/approve", a.token, nil, http.StatusOK, nil)
	time.Sleep(1500 * time.Millisecond)
	a.call(t, "GET", "/api/v1/cleanroom/jobs/"+created.ID, a.token, nil, http.StatusOK, &view)
	if view.State != "proposed" || !view.Approved || view.PartnerApproved {
		t.Fatalf("after A's approval alone, A's job = %+v", view)
	}
	b.call(t, "POST", "/api/v1/cleanroom/jobs/"+created.ID+"/approve", b.token, nil, http.StatusOK, nil)
	resA := waitJob(t, a, created.ID)
	resB := waitJob(t, b, created.ID)
	t.Logf("A: state %s, result %s; B: state %s, result %s; plaintext: size %d, sum %d", resA.State, resA.Result, resB.State, resB.Result, wantSize, wantSum)
	var ra, rb struct {
		IntersectionSize *int64 `json:"intersection_size"`
		IntersectionSum  *int64 `json:"intersection_sum"`
	}
	json.Unmarshal(resA.Result, &ra)
	json.Unmarshal(resB.Result, &rb)
	if resA.State != "done" || ra.IntersectionSize == nil || *ra.IntersectionSize != wantSize || ra.IntersectionSum == nil || *ra.IntersectionSum != wantSum {
		t.Fatalf("A's result = %s %s, want size %d sum %d", resA.State, resA.Result, wantSize, wantSum)
	}
	if resB.State != "done" || rb.IntersectionSize == nil || *rb.IntersectionSize != wantSize || rb.IntersectionSum != nil {
		t.Fatalf("B's result = %s %s, want size %d and no sum", resB.State, resB.Result, wantSize)
	}
	if resA.Included != 140 || resB.Included != 130 {
		t.Fatalf("included: A %d (want 140 consenting), B %d (want 130)", resA.Included, resB.Included)
	}

	// Each included person's report shows the job; someone without the consent's does not.
	for _, c := range []struct {
		s    *serveProc
		user string
		want bool
	}{{a, "a100", true}, {a, "a65", false}, {b, "b100", true}, {b, "b85", false}} {
		var rep struct {
			Entries []struct {
				Act    string
				Detail map[string]string
			}
		}
		c.s.call(t, "GET", "/api/v1/me/report", c.s.session(t, c.user), nil, http.StatusOK, &rep)
		found := false
		for _, e := range rep.Entries {
			if e.Act == "clean_room" && e.Detail["job"] == created.ID {
				found = true
			}
		}
		if found != c.want {
			t.Fatalf("%s's report shows the job: %v, want %v (%+v)", c.user, found, c.want, rep.Entries)
		}
	}

	// Tampered and replayed: A's first protocol message to B, as captured by the proxy.
	raw := rec.request(t, "/api/v1/partner/jobs/"+created.ID+"/messages")
	if st := sendRaw(t, portB, raw); st != http.StatusUnauthorized {
		t.Fatalf("replayed message: %d, want 401", st)
	}
	tampered := bytes.Clone(raw)
	tampered[len(tampered)-1] ^= 1
	if st := sendRaw(t, portB, tampered); st != http.StatusUnauthorized {
		t.Fatalf("tampered message: %d, want 401", st)
	}
	// A restart does not reopen the replay window: the nonce is a row in B's store.
	b.stop(t)
	b = startServe(t, bin, dirB, portB, proxyB)
	if st := sendRaw(t, portB, raw); st != http.StatusUnauthorized {
		t.Fatalf("replayed message after B restarted: %d, want 401", st)
	}
	// Below the minimum intersection nothing is released, on either side: A now withholds
	// results under 81 people (the overlap is 80).
	a.stop(t)
	a = startServe(t, bin, dirA, portA, proxyA, "--cleanroom-min-intersection", "81")
	var small struct{ ID string }
	a.call(t, "POST", "/api/v1/cleanroom/jobs", a.token, map[string]any{"partner": listA.Partners[0].ID, "protocol": "psi_cardinality",
		"match_on": "email", "purpose": "measurement.clean_room"}, http.StatusCreated, &small)
	a.call(t, "POST", "/api/v1/cleanroom/jobs/"+small.ID+"/approve", a.token, nil, http.StatusOK, nil)
	b.call(t, "POST", "/api/v1/cleanroom/jobs/"+small.ID+"/approve", b.token, nil, http.StatusOK, nil)
	wa, wb := waitJob(t, a, small.ID), waitJob(t, b, small.ID)
	for _, w := range []jobView{wa, wb} {
		if w.State != "withheld" || !bytes.Contains(w.Result, []byte(`"intersection_size":null`)) {
			t.Fatalf("a job below the minimum = %s %s, want withheld without a size", w.State, w.Result)
		}
	}
	t.Logf("below the minimum: A %s %s, B %s %s", wa.State, wa.Result, wb.State, wb.Result)

	// A suspended partner's calls are refused; B's job view survived the restart.
	b.call(t, "GET", "/api/v1/cleanroom/jobs/"+created.ID, b.token, nil, http.StatusOK, &view)
	if view.State != "done" {
		t.Fatalf("B's job after restart = %+v", view)
	}
	b.call(t, "POST", "/api/v1/partners/"+acc.ID+"/suspend", b.token, nil, http.StatusOK, nil)
	a.call(t, "POST", "/api/v1/cleanroom/jobs", a.token, job, http.StatusBadGateway, nil)
	a.stop(t)
	b.stop(t)

	// No plaintext identifier of the other side in either data directory, none at all in
	// the traffic, and no blinded element that crossed the wire kept anywhere.
	traffic := rec.all()
	if !bytes.Contains(traffic, []byte(`"purpose":"measurement.clean_room"`)) {
		t.Fatal("the proxy did not capture the proposal: the traffic scan would prove nothing")
	}
	var onlyA, onlyB, every [][]byte
	for i := 0; i < 50; i++ {
		onlyA = append(onlyA, []byte(emailA(i)))
	}
	for i := 150; i < 200; i++ {
		onlyB = append(onlyB, []byte(emailA(i)), []byte(strings.TrimSpace(emailB(i))))
	}
	for i := 0; i < 200; i++ {
		every = append(every, []byte(emailA(i)), []byte(strings.ToLower(strings.TrimSpace(emailB(i)))), []byte(strings.TrimSpace(emailB(i))))
	}
	scanDir(t, dirA, onlyB, "B's identifiers in A's data directory")
	scanDir(t, dirB, onlyA, "A's identifiers in B's data directory")
	for _, id := range every {
		if bytes.Contains(traffic, id) {
			t.Fatalf("the traffic between the instances holds an identifier")
		}
	}
	points := rec.points(t)
	if len(points) < 200 {
		t.Fatalf("only %d blinded elements captured: the scan would prove nothing", len(points))
	}
	scanDir(t, dirA, points, "a blinded element in A's data directory")
	scanDir(t, dirB, points, "a blinded element in B's data directory")
	t.Logf("scanned both data directories and %d bytes of traffic: no identifier of the other side, none of %d blinded elements", len(traffic), len(points))
}

type jobView struct {
	State           string
	Role            string
	Approved        bool `json:"approved"`
	PartnerApproved bool `json:"partner_approved"`
	Included        int
	Error           string
	Result          json.RawMessage
}

func waitJob(t *testing.T, s *serveProc, id string) jobView {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var v jobView
		s.call(t, "GET", "/api/v1/cleanroom/jobs/"+id, s.token, nil, http.StatusOK, &v)
		switch v.State {
		case "done", "withheld", "failed", "refused", "suspended":
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after 90 s", id, v.State)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// unapprovedMessageRefused pairs a third party C (this test, with its own identity) with
// B, proposes a job and sends a correctly signed first message before B's officer
// approved: B refuses it (409 not_approved).
func unapprovedMessageRefused(t *testing.T, b *serveProc) {
	t.Helper()
	var inv struct{ Invite string }
	b.call(t, "POST", "/api/v1/partners/invites", b.token, nil, http.StatusCreated, &inv)
	parsed, err := partner.ParseInvite(inv.Invite)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := partner.GenerateIdentity(nil)
	acc, err := partner.Accept(parsed, c, "http://127.0.0.1:9", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.call(t, "POST", "/api/v1/partner/pair", "", map[string]any{"acceptance": acc.String()}, http.StatusCreated, nil)
	signer := partner.NewSigner(c, nil, nil)
	send := func(path, ctype string, body []byte) int {
		sig, err := signer.Sign(parsed.Key, partner.Request{Method: "POST", Path: path, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", b.base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set(partner.HeaderName, sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	prop, _ := json.Marshal(map[string]any{"id": "crj_from_c", "protocol": "psi_cardinality", "match_on": "email", "purpose": "measurement.clean_room", "min_intersection": 50})
	if st := send("/api/v1/partner/jobs", "application/json", prop); st != http.StatusCreated {
		t.Fatalf("C's proposal: %d", st)
	}
	d, _ := cleanroom.NewDomain(partner.PairingID(c.PublicKey(), parsed.Key))
	ini, err := cleanroom.NewInitiator(cleanroom.Config{Job: "crj_from_c", Protocol: cleanroom.PSICardinality, MatchOn: cleanroom.MatchEmail, Domain: d},
		[]cleanroom.Input{{Key: "shopper100@example.cn"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ini.Close()
	m1, _ := ini.Start()
	body, _ := m1.MarshalBinary()
	if st := send("/api/v1/partner/jobs/crj_from_c/messages", "application/octet-stream", body); st != http.StatusConflict {
		t.Fatalf("an unapproved message: %d, want 409", st)
	}
	// Approved on B's side only (C never approved): still refused.
	b.call(t, "POST", "/api/v1/cleanroom/jobs/crj_from_c/approve", b.token, nil, http.StatusOK, nil)
	if st := send("/api/v1/partner/jobs/crj_from_c/messages", "application/octet-stream", body); st != http.StatusConflict {
		t.Fatalf("a message approved by one side only: %d, want 409", st)
	}
	var v jobView
	b.call(t, "GET", "/api/v1/cleanroom/jobs/crj_from_c", b.token, nil, http.StatusOK, &v)
	if v.State != "proposed" || v.Included != 0 {
		t.Fatalf("after the refused messages B's job = %+v", v)
	}
}

func scanDir(t *testing.T, dir string, needles [][]byte, what string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Fatalf("%s: %s holds one", what, filepath.Base(path))
			}
		}
		return nil
	})
}

// serveProc is one `steward serve` process.
type serveProc struct {
	cmd      *exec.Cmd
	base     string
	token    string
	writeKey string
	out      *bytes.Buffer
	done     chan struct{}
}

func startServe(t *testing.T, bin, dir string, port, public int, extra ...string) *serveProc {
	t.Helper()
	s := &serveProc{base: fmt.Sprintf("http://127.0.0.1:%d", port), out: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data", dir, "--public-url", fmt.Sprintf("http://127.0.0.1:%d", public)}, extra...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("steward serve --data %s:\n%s", dir, s.out)
		}
	})
	for i := 0; ; i++ {
		if res, err := http.Get(s.base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if i > 300 {
			t.Fatalf("steward serve did not come up:\n%s", s.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tok, _ := os.ReadFile(filepath.Join(dir, "admin-token"))
	key, _ := os.ReadFile(filepath.Join(dir, "write-key"))
	s.token, s.writeKey = strings.TrimSpace(string(tok)), strings.TrimSpace(string(key))
	return s
}

func (s *serveProc) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("steward did not stop:\n%s", s.out)
	}
}

func (s *serveProc) ingest(t *testing.T, msgs []map[string]any) {
	t.Helper()
	for len(msgs) > 0 {
		n := min(len(msgs), 200)
		body, _ := json.Marshal(map[string]any{"batch": msgs[:n]})
		req, _ := http.NewRequest("POST", s.base+"/v1/batch", bytes.NewReader(body))
		req.SetBasicAuth(s.writeKey, "")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("batch: %d %s", res.StatusCode, b)
		}
		msgs = msgs[n:]
	}
}

func (s *serveProc) session(t *testing.T, user string) string {
	t.Helper()
	var out struct{ Token string }
	s.call(t, "POST", "/api/v1/subjects/"+user+"/sessions", s.token, map[string]any{}, http.StatusCreated, &out)
	return out.Token
}

func (s *serveProc) call(t *testing.T, method, path, token string, in any, want int, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// recorder is a TCP proxy between the instances that keeps every byte: per connection,
// what the caller sent (requests) and what came back.
type recorder struct {
	mu    sync.Mutex
	sent  []*bytes.Buffer // caller → server, one per connection
	other bytes.Buffer    // server → caller
}

func (r *recorder) listen(t *testing.T, port, to int) {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.relay(c, to)
		}
	}()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (r *recorder) relay(c net.Conn, to int) {
	defer c.Close()
	s, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", to))
	if err != nil {
		return
	}
	defer s.Close()
	buf := &bytes.Buffer{}
	r.mu.Lock()
	r.sent = append(r.sent, buf)
	r.mu.Unlock()
	go io.Copy(io.MultiWriter(s, lockedWriter{&r.mu, buf}), c)
	io.Copy(io.MultiWriter(c, lockedWriter{&r.mu, &r.other}), s)
}

func (r *recorder) all() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []byte
	for _, b := range r.sent {
		out = append(out, b.Bytes()...)
	}
	return append(out, r.other.Bytes()...)
}

// requests parses every request callers sent through the proxy: its raw bytes, path and body.
func (r *recorder) requests() (raws [][]byte, paths []string, bodies [][]byte) {
	r.mu.Lock()
	streams := make([][]byte, len(r.sent))
	for i, b := range r.sent {
		streams[i] = bytes.Clone(b.Bytes())
	}
	r.mu.Unlock()
	for _, st := range streams {
		cr := &countReader{r: bytes.NewReader(st)}
		rd := bufio.NewReader(cr)
		for {
			start := cr.n - rd.Buffered()
			req, err := http.ReadRequest(rd)
			if err != nil {
				break
			}
			body, _ := io.ReadAll(req.Body)
			end := cr.n - rd.Buffered()
			raws = append(raws, st[start:end])
			paths = append(paths, req.URL.RequestURI())
			bodies = append(bodies, body)
		}
	}
	return raws, paths, bodies
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// request returns the raw bytes of the first request to path.
func (r *recorder) request(t *testing.T, path string) []byte {
	t.Helper()
	raws, paths, _ := r.requests()
	for i, p := range paths {
		if p == path {
			return raws[i]
		}
	}
	t.Fatalf("no request to %s captured (%v)", path, paths)
	return nil
}

// points returns every blinded element and doubly-blinded key that crossed the wire.
func (r *recorder) points(t *testing.T) [][]byte {
	t.Helper()
	_, paths, bodies := r.requests()
	var out [][]byte
	for i, p := range paths {
		if !strings.HasSuffix(p, "/messages") {
			continue
		}
		m, err := cleanroom.ParseMessage(bodies[i])
		if err != nil {
			t.Fatalf("captured message to %s: %v", p, err)
		}
		switch m := m.(type) {
		case *cleanroom.Blinded:
			for _, e := range m.Elements {
				out = append(out, bytes.Clone(e[:]))
			}
		case *cleanroom.Reply:
			for _, e := range m.Doubled {
				out = append(out, bytes.Clone(e[:]))
			}
			for _, e := range m.Blinded {
				out = append(out, bytes.Clone(e[:]))
			}
		}
	}
	return out
}

// sendRaw sends raw request bytes straight to the server at port and returns the status.
func sendRaw(t *testing.T, port int, raw []byte) int {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(raw); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
