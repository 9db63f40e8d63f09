package compliance_test

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/compliance"
)

// The first page of a bundle's report, as an auditor opens it: STEWARD_BUNDLE names a
// bundle made by `steward compliance bundle` (e.g. of a `steward demo` store) and
// STEWARD_BUNDLE_KEY, optionally, the key to pin; otherwise it skips. The bundle is
// verified first, then report.html is opened from disk and screenshotted.
func TestReportFirstPageOfABundle(t *testing.T) {
	path := os.Getenv("STEWARD_BUNDLE")
	if path == "" {
		t.Skip("set STEWARD_BUNDLE to a bundle made by steward compliance bundle")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pin := ""
	if k := os.Getenv("STEWARD_BUNDLE_KEY"); k != "" {
		kb, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		pin = string(kb)
	}
	res, err := compliance.Verify(b, pin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("verified: %+v", res)
	dir := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if err := os.WriteFile(filepath.Join(dir, h.Name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1240, 1754), chromedp.Navigate("file://"+filepath.Join(dir, "report.html")),
		chromedp.WaitVisible(chromedp.CSS(".cards"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "compliance-report-steward-demo-first-page", 1240, 1754)
}
