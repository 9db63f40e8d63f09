package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/demo"
)

// An independent RFC 6962 / RFC 9162 verifier, written here from the RFC's definitions
// and not sharing code with internal/audit.
func h(parts ...[]byte) []byte {
	s := sha256.New()
	for _, p := range parts {
		s.Write(p)
	}
	return s.Sum(nil)
}

func leafHash(leaf []byte) []byte { return h([]byte{0}, leaf) }

// verifyInclusion is RFC 9162 §2.1.3.2.
func verifyInclusion(index, size uint64, leaf []byte, proof [][]byte, root []byte) bool {
	if index >= size {
		return false
	}
	fn, sn, r := index, size-1, leafHash(leaf)
	for _, p := range proof {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			r = h([]byte{1}, p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = h([]byte{1}, r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(r, root)
}

// verifyConsistency is RFC 9162 §2.1.4.2.
func verifyConsistency(first, second uint64, firstRoot, secondRoot []byte, proof [][]byte) bool {
	if first == second {
		return len(proof) == 0 && bytes.Equal(firstRoot, secondRoot)
	}
	if first == 0 || first > second || len(proof) == 0 {
		return false
	}
	if first&(first-1) == 0 {
		proof = append([][]byte{firstRoot}, proof...)
	}
	fn, sn := first-1, second-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			fr = h([]byte{1}, c, fr)
			sr = h([]byte{1}, c, sr)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			sr = h([]byte{1}, sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && bytes.Equal(fr, firstRoot) && bytes.Equal(sr, secondRoot)
}

func unb64(t *testing.T, ss []string) [][]byte {
	t.Helper()
	out := make([][]byte, len(ss))
	for i, s := range ss {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

type checkpoint struct {
	Note string
	Size uint64
	Root string
}

func (r *running) checkpoint(t *testing.T, verifier note.Verifier) (checkpoint, []byte) {
	t.Helper()
	status, body := r.call(t, "POST", "/api/v1/audit/checkpoint", r.admin, "")
	var cp checkpoint
	json.Unmarshal(body, &cp)
	if status != 200 {
		t.Fatalf("checkpoint: %d %s", status, body)
	}
	n, err := note.Open([]byte(cp.Note), note.VerifierList(verifier))
	if err != nil {
		t.Fatalf("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	root, _ := base64.StdEncoding.DecodeString(lines[2])
	if lines[0] != "steward/audit" || lines[1] != fmt.Sprint(cp.Size) || lines[2] != cp.Root {
		t.Fatalf("checkpoint body %q vs %+v", n.Text, cp)
	}
	return cp, root
}

// Processing acts land in the log; proofs from the API verify with the independent
// verifier above; the person's transparency report lists their acts with proofs, also in
// the privacy center (issue 7 acceptance).
func TestAuditProofsAndTransparencyReport(t *testing.T) {
	r := startApp(t)
	pub, err := os.ReadFile(filepath.Join(r.app.Config.DataDir, "keys", "audit.pub"))
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(pub)))
	if err != nil {
		t.Fatal(err)
	}
	r.track(t, `{"batch":[{"type":"identify","userId":"au-1","traits":{"email":"au@example.com"}},{"type":"identify","userId":"au-2","traits":{"email":"other@example.com"}}]}`)
	tok, other := r.session(t, "au-1"), r.session(t, "au-2")
	for _, body := range []string{`{"purpose":"analytics.reporting","granted":true}`, `{"purpose":"analytics.reporting","granted":false}`} {
		if s, b := r.call(t, "POST", "/api/v1/me/consents", tok, body); s != 204 {
			t.Fatalf("consent: %d %s", s, b)
		}
	}
	r.call(t, "GET", "/api/v1/me/export", tok, "")
	r.call(t, "GET", "/api/v1/subjects/au-1/events?purpose=essential.service", r.admin, "")
	r.call(t, "POST", "/api/v1/me/consents", other, `{"purpose":"personalize.content","granted":true}`)

	cp1, root1 := r.checkpoint(t, verifier)
	if cp1.Size < 5 {
		t.Fatalf("only %d acts logged", cp1.Size)
	}
	for i := uint64(0); i < cp1.Size; i++ {
		_, lb := r.call(t, "GET", fmt.Sprintf("/api/v1/audit/leaves/%d", i), r.admin, "")
		var leaf struct{ Leaf string }
		json.Unmarshal(lb, &leaf)
		_, pb := r.call(t, "GET", fmt.Sprintf("/api/v1/audit/proofs/inclusion?index=%d&size=%d", i, cp1.Size), r.admin, "")
		var proof struct{ Proof []string }
		json.Unmarshal(pb, &proof)
		if !verifyInclusion(i, cp1.Size, []byte(leaf.Leaf), unb64(t, proof.Proof), root1) {
			t.Fatalf("leaf %d does not verify: %s / %s", i, lb, pb)
		}
		if strings.Contains(leaf.Leaf, "au@example.com") || strings.Contains(leaf.Leaf, `"au-1"`) {
			t.Fatalf("leaf %d names the person: %s", i, leaf.Leaf)
		}
	}
	// More acts, a new checkpoint, and the log grew consistently.
	r.call(t, "POST", "/api/v1/me/personalisation", tok, `{"on":false}`)
	cp2, root2 := r.checkpoint(t, verifier)
	_, cb := r.call(t, "GET", fmt.Sprintf("/api/v1/audit/proofs/consistency?old=%d&new=%d", cp1.Size, cp2.Size), r.admin, "")
	var cons struct{ Proof []string }
	json.Unmarshal(cb, &cons)
	if cp2.Size <= cp1.Size || !verifyConsistency(cp1.Size, cp2.Size, root1, root2, unb64(t, cons.Proof)) {
		t.Fatalf("consistency %d→%d does not verify: %s", cp1.Size, cp2.Size, cb)
	}
	// The tampered-proof case fails, so the verifier can fail.
	if verifyConsistency(cp1.Size, cp2.Size, root2, root1, unb64(t, cons.Proof)) {
		t.Fatal("the independent verifier accepts swapped roots")
	}

	// The transparency report: only au-1's acts, each with a proof against its checkpoint.
	_, rb := r.call(t, "GET", "/api/v1/me/report", tok, "")
	var rep struct {
		Checkpoint checkpoint
		Entries    []struct {
			Index     uint64
			Leaf, Act string
			Purpose   string
			Proof     []string
		}
	}
	json.Unmarshal(rb, &rep)
	repRoot, _ := base64.StdEncoding.DecodeString(rep.Checkpoint.Root)
	acts := map[string]int{}
	for _, e := range rep.Entries {
		acts[e.Act]++
		if !verifyInclusion(e.Index, rep.Checkpoint.Size, []byte(e.Leaf), unb64(t, e.Proof), repRoot) {
			t.Fatalf("report entry %d does not verify", e.Index)
		}
		if e.Purpose == "personalize.content" {
			t.Fatal("another person's act is in the report")
		}
	}
	if acts["consent_change"] != 3 || acts["export"] != 1 || acts["read"] != 1 {
		t.Fatalf("report acts = %v", acts)
	}

	// A consent change names the categories its purpose may use (the report now opens
	// with the session being opened, an act for no purpose).
	for _, e := range rep.Entries {
		if e.Act == "consent_change" {
			if !strings.Contains(e.Leaf, `"categories":[`) {
				t.Fatalf("leaf names no categories: %s", e.Leaf)
			}
			break
		}
	}
	if acts["session_minted"] != 1 {
		t.Fatalf("the report does not show the session being opened: %v", acts)
	}

	// In the privacy center, for a subject of the synthetic demo shop: its consent signals
	// arrived with its events and are in its report.
	subs, err := demo.Subjects(demo.Config{Seed: 3, Subjects: 20, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(demo.Config{Seed: 3, Subjects: 20, Now: time.Now()}, func(batch []byte) error {
		r.track(t, string(batch))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var demoUser string
	for _, s := range subs {
		if s.Consent.Kind == demo.ConsentAcceptAll {
			demoUser = s.UserID
			break
		}
	}
	if demoUser == "" {
		t.Fatal("no accept-all shopper among the first demo subjects")
	}
	p := page{t, browsertest.New(t)}
	_, mb := r.call(t, "POST", "/api/v1/subjects/"+demoUser+"/sessions", r.admin, "")
	var minted struct{ URL string }
	json.Unmarshal(mb, &minted)
	p.do(chromedp.Navigate(minted.URL+"&lang=en"), chromedp.WaitVisible(css("#report-list li .proof")))
	if n := evalJS[int](p, `document.querySelectorAll('#report-list li .proof').length`); n < 3 {
		t.Fatalf("privacy center shows %d report entries", n)
	}
	if txt := p.text("#report-list"); !strings.Contains(txt, "You allowed") || !strings.Contains(txt, "log entry") || strings.Contains(txt, "consent_change") {
		t.Fatalf("report = %q", txt)
	}
}

// Consent signals arriving with events and operator sign-ins are processing acts too.
func TestAuditCoversIngestSignalsAndSignIns(t *testing.T) {
	r := startApp(t)
	r.track(t, `{"batch":[{"type":"track","userId":"sig-1","event":"Product Viewed","properties":{"product_id":"p"},
		"context":{"consent":{"categoryPreferences":{"Analytics":true}},"gpc":true}}]}`)
	if s, _ := r.call(t, "POST", "/api/v1/signin", r.admin, ""); s != 200 {
		t.Fatal("signin")
	}
	n, err := r.app.Audit.Size(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	acts := map[string]int{}
	for i := uint64(0); i < n; i++ {
		_, lb := r.call(t, "GET", fmt.Sprintf("/api/v1/audit/leaves/%d", i), r.admin, "")
		var leaf struct{ Leaf string }
		json.Unmarshal(lb, &leaf)
		var l struct {
			Act    string
			Detail map[string]string
		}
		json.Unmarshal([]byte(leaf.Leaf), &l)
		acts[l.Act+"/"+l.Detail["method"]]++
	}
	// A server-side call (no banner, no notice) is recorded as what it is, "api" (issue 16
	// item 3: it used to say "sdk").
	if acts["consent_change/api"] < 1 || acts["consent_change/gpc"] != 1 || acts["operator_signin/"] != 1 {
		t.Fatalf("acts = %v", acts)
	}
}
