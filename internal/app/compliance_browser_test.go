package app_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/compliance"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/transfer"
)

// The evidence bundle of the demo shop (issue 26 item 5 acceptance): the demo's shoppers
// go through the real ingestion; a retention pass runs, a clean-room job sends consenting
// shoppers' data to the partner in Germany, a breach drill is entered and the record of
// processing drafted; the console's button makes the bundle; it verifies against the
// shop's pinned key, fails after one byte is changed, and its report's first page is
// screenshotted in the browser, beside the console screen.
func TestComplianceBundleOfTheDemoShop(t *testing.T) {
	r := startApp(t)
	shoppers := r.seedDemo(t, 300)
	ctx := context.Background()
	r.runRetention(t)
	// Bundled signals never grant separate consent: one shopper in five gives it in the
	// privacy center (as the center records it).
	var ids []string
	for i, s := range shoppers {
		id := mustSubject(t, r, s.UserID)
		if id == "" {
			continue
		}
		ids = append(ids, id)
		if i%5 == 0 {
			if err := r.app.Ledger.Separate(ctx, id, "cross_border_transfer", "Acme Analytics GmbH", true, consent.Meta{Method: store.MethodPrivacyCenter, Actor: "subject"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	dec, err := r.app.Transfers.Check(ctx, transfer.Request{Kind: transfer.KindPartnerJob, Recipient: "Acme Analytics GmbH", Purpose: "analytics.reporting",
		Subjects: ids, Actor: "partner:acme"})
	if err != nil {
		t.Fatalf("partner job: %v", err)
	}
	t.Logf("partner job to Acme (DE): %d of %d shoppers sent, refused %v", len(dec.Allowed), len(ids), dec.Refused)
	drill, _ := json.Marshal(map[string]any{"title": "Yearly drill: an analyst's token leaked", "drill": true, "discovered_at": time.Now().UTC(),
		"scope": map[string]any{"from": time.Now().Add(-time.Hour).UTC(), "to": time.Now().UTC(), "acts": []string{"anonymised_release", "read"}},
		"cause": "drill scenario", "harm": "none (drill)", "measures": "token revoked", "remedies": "none needed"})
	if s, b := r.call(t, "POST", "/api/v1/incidents", r.admin, string(drill)); s != 201 {
		t.Fatalf("drill: %d %s", s, b)
	}
	if s, b := r.call(t, "POST", "/api/v1/assessments", r.admin, `{"kind":"ropa"}`); s != 201 {
		t.Fatalf("ropa: %d %s", s, b)
	}

	// The console's button makes and downloads the bundle.
	p := page{t, browsertest.New(t)}
	p.do(chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(r.base+"/console/?lang=en"), chromedp.SendKeys(css("#token"), r.admin),
		chromedp.Click(css("#signin-submit")), chromedp.WaitVisible(css("#nav-compliance")), chromedp.Click(css("#nav-compliance")))
	waitJS(p, `document.querySelector('#transfer-recipients tbody tr') && document.querySelector('#retention-runs') && document.querySelector('#assessment-list')`,
		`document.getElementById('app').innerText`, 20*time.Second)
	if got := p.text("#transfer-recipients tbody tr"); !strings.Contains(got, "Acme Analytics GmbH") || !strings.Contains(got, "yes") {
		t.Fatalf("transfer register row: %q", got)
	}
	browsertest.Screenshot(t, p.ctx, "console-compliance-1400x1000", 1400, 1000)
	p.do(chromedp.Click(css("#bundle-make")))
	waitJS(p, `document.getElementById('bundle-download')`, `document.getElementById('bundle-status').innerText`, 90*time.Second)
	t.Logf("console: %s", p.text("#bundle-made"))

	// The same bundle through the API, verified as an auditor would.
	s, b := r.call(t, "POST", "/api/v1/compliance/bundle", r.admin, "")
	if s != 200 {
		t.Fatalf("bundle: %d %s", s, b)
	}
	pub, err := os.ReadFile(filepath.Join(r.app.Config.DataDir, "keys", "audit.pub"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := compliance.Verify(b, string(pub))
	if err != nil || !res.Pinned || res.Checkpoints < 2 || res.Proofs != res.Checkpoints-1 {
		t.Fatalf("verify: %+v, %v", res, err)
	}
	t.Logf("bundle: %d bytes, %d files, pdf %v, %d checkpoints over %d leaves", len(b), res.Files, res.PDF, res.Checkpoints, res.LogSize)
	bad := bytes.Clone(b)
	bad[len(bad)/2] ^= 0x20
	if _, err := compliance.Verify(bad, string(pub)); !compliance.IsVerifyError(err) {
		t.Fatalf("a changed byte verified: %v", err)
	} else {
		t.Logf("one byte changed: %v", err)
	}

	// The report's first page, as the auditor opens it.
	dir := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		data, _ := io.ReadAll(tr)
		os.WriteFile(filepath.Join(dir, h.Name), data, 0o600)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	for _, want := range []string{"Steward Demo Shop (Shanghai) Co., Ltd.", "Acme Analytics GmbH", "cn-standard-contract-2025-01", "Yearly drill", "ropa"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	p.do(chromedp.EmulateViewport(1240, 1754), chromedp.Navigate("file://"+filepath.Join(dir, "report.html")), chromedp.WaitVisible(css(".cards")))
	browsertest.Screenshot(t, p.ctx, "compliance-report-demo-first-page", 1240, 1754)
}
