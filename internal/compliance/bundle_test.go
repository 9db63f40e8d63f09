package compliance_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/compliance"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/store/sqlite"
)

// fixture is a small store with a manifest, consents, rights requests and an audit log
// checkpointed three times, and the audit keys.
type fixture struct {
	st     *sqlite.Store
	signer note.Signer
	vkey   string
	cp     *audit.Checkpointer
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddManifestVersion(ctx, store.ManifestVersion{Hash: manifest.Default().Hash(), YAML: manifest.DefaultYAML(), Actor: "system", CreatedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if err := st.AppendConsent(ctx, []store.ConsentRecord{{ID: "c1", SubjectID: "s1", Purpose: "analytics.reporting", Granted: true, NoticeVersion: "1",
		NoticeHash: "h", Method: store.MethodBanner, At: at, Actor: "subject"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRightsRequest(ctx, store.RightsRequest{ID: "rq1", SubjectID: "s1", Type: "access", State: "received", Jurisdiction: "CN",
		ReceivedAt: at, DueAt: at.Add(30 * 24 * time.Hour), Source: "GB/T 35273 §8.7", UpdatedAt: at}, store.RightsStep{State: "received", Actor: "subject", At: at}); err != nil {
		t.Fatal(err)
	}
	rec := audit.NewRecorder(audit.RecorderConfig{Appender: audit.NewAppender(st), Pseudonymizer: audit.NewPseudonymizer([]byte("k"))})
	cp := &audit.Checkpointer{St: st, Origin: audit.DefaultOrigin, Signer: signer}
	for round := range 3 {
		for i := range 3 + round {
			if err := rec.Record(ctx, audit.Event{Act: audit.ActRead, SubjectID: "s1", Actor: "op", Purpose: "analytics.reporting", Detail: map[string]string{"i": string(rune('a' + i))}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := cp.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return fixture{st: st, signer: signer, vkey: vkey, cp: cp}
}

func (f fixture) build(t testing.TB) []byte {
	t.Helper()
	b, err := compliance.New(compliance.Config{Store: f.st, Signer: f.signer, VerifierKey: f.vkey, Checkpoint: f.cp.Fresh, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	sum, err := b.Build(context.Background(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Checkpoints != 3 || sum.LogSize != 12 || sum.PDF {
		t.Fatalf("summary = %+v; want 3 checkpoints over 12 leaves and no PDF without a renderer", sum)
	}
	return buf.Bytes()
}

// The bundle verifies, pinned or not, and says what it checked.
func TestBundleVerifies(t *testing.T) {
	f := newFixture(t)
	b := f.build(t)
	res, err := compliance.Verify(b, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Pinned || res.Checkpoints != 3 || res.Proofs != 2 || res.LogSize != 12 || res.Files != 12 || res.Key != strings.TrimSpace(f.vkey) {
		t.Fatalf("result = %+v", res)
	}
	if res, err := compliance.Verify(b, f.vkey); err != nil || !res.Pinned {
		t.Fatalf("pinned: %+v, %v", res, err)
	}
	// Another key pinned: refused, naming the key file.
	_, other, _ := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	if _, err := compliance.Verify(b, other); !isFailure(err, "verifier.key", "not by the pinned key") {
		t.Fatalf("other pin: %v", err)
	}
	// What is inside reads as it should: the rights request, without its subject.
	rights := entry(t, b, "rights.json")
	if !strings.Contains(rights, `"rq1"`) || strings.Contains(rights, "s1") {
		t.Fatalf("rights.json = %s", rights)
	}
	html := entry(t, b, "report.html")
	for _, want := range []string{"Personal information protection compliance audit", "个人信息保护合规审计", "steward compliance verify bundle.tar --key"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// Changing any one byte of the bundle makes verification fail, naming what failed
// (issue 26 acceptance). Every byte is tried.
func TestEveryChangedByteFails(t *testing.T) {
	f := newFixture(t)
	b := f.build(t)
	named := map[string]int{}
	mut := make([]byte, len(b))
	for i := range b {
		copy(mut, b)
		mut[i] ^= 0x01
		_, err := compliance.Verify(mut, "")
		var ve *compliance.VerifyError
		if !errors.As(err, &ve) || ve.What == "" || ve.Reason == "" {
			t.Fatalf("byte %d of %d changed: err = %v; want a failure naming what", i, len(b), err)
		}
		named[ve.What]++
	}
	for _, want := range []string{"report.html", "audit.json", "SIGNATURE", "the archive"} {
		if named[want] == 0 {
			t.Errorf("no changed byte was blamed on %s: %v", want, named)
		}
	}
	t.Logf("%d bytes, each changed once: %v", len(b), named)
	// Truncated or extended, it fails too.
	if _, err := compliance.Verify(b[:len(b)-1], ""); err == nil {
		t.Fatal("a truncated bundle verified")
	}
	if _, err := compliance.Verify(append(bytes.Clone(b), 0), ""); !isFailure(err, "the archive", "") {
		t.Fatalf("an extended bundle: %v", err)
	}
}

// A consistency proof that does not hold, or a checkpoint under another key, fails even
// inside a validly signed bundle (the contents are checked, not only the hashes).
func TestBundleContentsAreChecked(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// A checkpoint signed by another key among the stored ones: the builder refuses it.
	skey, _, _ := note.GenerateKey(rand.Reader, audit.DefaultOrigin)
	other, _ := note.NewSigner(skey)
	bad := &audit.Checkpointer{St: f.st, Origin: audit.DefaultOrigin, Signer: other}
	if _, err := bad.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := compliance.New(compliance.Config{Store: f.st, Signer: f.signer, VerifierKey: f.vkey, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(ctx, io.Discard); err == nil || !strings.Contains(err.Error(), "does not verify under the audit key") {
		t.Fatalf("build over a foreign checkpoint: %v", err)
	}
	if _, err := compliance.New(compliance.Config{Store: f.st, Signer: other, VerifierKey: f.vkey}); err == nil {
		t.Fatal("a builder whose verifier key is not its signer's was made")
	}
}

func isFailure(err error, what, reason string) bool {
	var ve *compliance.VerifyError
	return errors.As(err, &ve) && ve.What == what && strings.Contains(ve.Reason, reason)
}

func entry(t *testing.T, archive []byte, name string) string {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the archive: %v", name, err)
		}
		if h.Name == name {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}
