package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/cli"
)

// An export of an audience and a day of profiling are one leaf each, not one per person:
// each commits to a Merkle root over the people's pseudonyms. A person in both sees both in
// their transparency report, with a proof that they are in the audience and a proof that
// the leaf is in the signed log; `steward audit verify` recomputes every audience root and
// names the leaf whose stored membership was changed (issue 15 item 4).
func TestAudiencesInTheTransparencyReport(t *testing.T) {
	r := startApp(t)
	r.waitProfiles(t)
	ctx := context.Background()
	now := time.Now().UTC()
	for i := range 55 {
		r.track(t, shopperBatch(fmt.Sprintf("aud-%02d", i), fmt.Sprintf("anon-aud-%02d", i), now.Add(-time.Hour), identifyShanghai, order, order))
	}
	if s, b := r.call(t, "POST", "/api/v1/profiles/refresh", r.admin, ""); s != 200 {
		t.Fatalf("refresh: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/segments", r.admin, `{"name":"buyers","expression":"tag(\"repeat_buyer\")","purpose":"personalize.content"}`); s != 201 {
		t.Fatalf("segment: %d %s", s, b)
	}
	s, b := r.call(t, "POST", "/api/v1/segments/buyers/export", r.admin, "")
	var rel struct{ Size int }
	json.Unmarshal(b, &rel)
	if s != 200 || rel.Size < 50 {
		t.Fatalf("export: %d %s", s, b)
	}
	// The day's profiling is recorded when the engine flushes (every few minutes and when
	// it stops); the test flushes now.
	if err := r.app.Profiles.FlushProfiling(ctx); err != nil {
		t.Fatal(err)
	}

	var rep struct {
		Checkpoint struct {
			Size uint64
			Root string
		}
		Entries []struct {
			Index    uint64
			Leaf     string
			Act      string
			Purpose  string
			Detail   map[string]string
			Proof    []string
			Audience *struct {
				Root      string
				Size      uint64
				Index     uint64
				Pseudonym string
				Proof     []string
			}
		}
		Uses []struct{ Act, Purpose, Day string }
	}
	_, rb := r.call(t, "GET", "/api/v1/me/report", r.session(t, "aud-07"), "")
	if err := json.Unmarshal(rb, &rep); err != nil {
		t.Fatal(err)
	}
	logRoot, _ := base64.StdEncoding.DecodeString(rep.Checkpoint.Root)
	found := map[string]bool{}
	for _, e := range rep.Entries {
		if e.Audience == nil {
			continue
		}
		if !verifyInclusion(e.Index, rep.Checkpoint.Size, []byte(e.Leaf), unb64(t, e.Proof), logRoot) {
			t.Fatalf("%s leaf %d is not in the signed log", e.Act, e.Index)
		}
		// The pseudonym is in the audience's tree, whose root the leaf itself commits to.
		root, _ := base64.StdEncoding.DecodeString(e.Audience.Root)
		member := append([]byte("steward/audience\x00"), e.Audience.Pseudonym...)
		if !verifyInclusion(e.Audience.Index, e.Audience.Size, member, unb64(t, e.Audience.Proof), root) {
			t.Fatalf("%s leaf %d: the person's audience proof does not verify", e.Act, e.Index)
		}
		if bad := append([]byte("steward/audience\x00"), "someone-else"...); verifyInclusion(e.Audience.Index, e.Audience.Size, bad, unb64(t, e.Audience.Proof), root) {
			t.Fatal("the audience proof verifies for anyone: the check is broken")
		}
		var leaf struct{ Detail map[string]string }
		json.Unmarshal([]byte(e.Leaf), &leaf)
		if leaf.Detail["audience_root"] != fmt.Sprintf("%x", root) || leaf.Detail["audience_size"] != fmt.Sprint(e.Audience.Size) {
			t.Fatalf("leaf %d commits to %v, the report proves against %x/%d", e.Index, leaf.Detail, root, e.Audience.Size)
		}
		if strings.Contains(e.Leaf, "aud-07") {
			t.Fatalf("leaf names the person: %s", e.Leaf)
		}
		found[e.Act+" "+e.Purpose] = true
	}
	if !found["activation personalize.content"] || !found["profiling personalize.content"] {
		t.Fatalf("report lacks the export or the profiling: %v\n%s", found, rb)
	}
	profilingDays := 0
	for _, u := range rep.Uses {
		if u.Act == "profiling" && u.Purpose == "personalize.content" {
			profilingDays++
		}
	}
	if profilingDays != 1 {
		t.Fatalf("profiling for personalize.content shows %d times for one day: %+v", profilingDays, rep.Uses)
	}

	// One changed member of the exported audience, and audit verify names its leaf.
	if s, _ := r.call(t, "POST", "/api/v1/audit/checkpoint", r.admin, ""); s != 200 {
		t.Fatal("checkpoint")
	}
	dir := r.app.Config.DataDir
	var out, errb bytes.Buffer
	if code := cli.Run(ctx, []string{"audit", "verify", "--data", dir}, &out, &errb); code != 0 {
		t.Fatalf("untouched log: exit %d: %s %s", code, out.String(), errb.String())
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "steward.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var exportLeaf uint64
	for _, e := range rep.Entries {
		if e.Act == "activation" {
			exportLeaf = e.Index
			root, _ := base64.StdEncoding.DecodeString(e.Audience.Root)
			intruder := fmt.Sprintf("%x", sha256.Sum256([]byte("intruder")))
			if _, err := raw.ExecContext(ctx, "UPDATE audit_audiences SET pseudonym = ? WHERE root = ? AND pos = 0", intruder, root); err != nil {
				t.Fatal(err)
			}
		}
	}
	out.Reset()
	errb.Reset()
	code := cli.Run(ctx, []string{"audit", "verify", "--data", dir}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), fmt.Sprintf("first bad leaf index %d", exportLeaf)) || !strings.Contains(out.String(), "audience") {
		t.Fatalf("tampered audience: exit %d, %q %q", code, out.String(), errb.String())
	}
}
