package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/manifest"
)

func (r *running) putYAML(t *testing.T, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("PUT", r.base+"/api/v1/manifest", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.admin)
	req.Header.Set("Content-Type", "application/yaml")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// Manifest versions through the operator API: a broken manifest is refused with every
// error located and nothing changes; a good one becomes a new version in force at once;
// the console shows the versions and the diff between them (issue 3 items 2 and 5).
func TestManifestVersionsAPIAndConsole(t *testing.T) {
	r := startApp(t)
	planted, err := os.ReadFile("../manifest/testdata/planted.yaml")
	if err != nil {
		t.Fatal(err)
	}
	status, body := r.putYAML(t, string(planted))
	var refused struct {
		Error struct {
			Code   string
			Errors []struct{ Line, Column int }
		}
	}
	json.Unmarshal(body, &refused)
	if status != 400 || refused.Error.Code != "invalid_manifest" || len(refused.Error.Errors) != 5 || refused.Error.Errors[0].Line == 0 {
		t.Fatalf("planted manifest: %d %s", status, body)
	}
	if r.app.Regime.Current().Seq() != 1 {
		t.Fatalf("a refused manifest changed the version in force: %d", r.app.Regime.Current().Seq())
	}
	changed := strings.Replace(string(manifest.DefaultYAML()), "  analytics.reporting:\n    retention_days: 365", "  analytics.reporting:\n    retention_days: 200", 1)
	if changed == string(manifest.DefaultYAML()) {
		t.Fatal("the default manifest no longer has the line this test edits")
	}
	status, body = r.putYAML(t, changed)
	if status != 201 || r.app.Regime.Current().Seq() != 2 || r.app.Regime.Current().Manifest().PurposeRetention["analytics.reporting"] != 200 {
		t.Fatalf("publish: %d %s (in force: %d)", status, body, r.app.Regime.Current().Seq())
	}
	status, body = r.call(t, "GET", "/api/v1/manifest/diff?from=1&to=2", r.admin, "")
	if status != 200 || !strings.Contains(string(body), "analytics.reporting") || !strings.Contains(string(body), "200") {
		t.Fatalf("diff: %d %s", status, body)
	}

	p := page{t, browsertest.New(t)}
	p.do(chromedp.Navigate(r.base+"/console/?lang=en"),
		chromedp.SendKeys(css("#token"), r.admin),
		chromedp.Click(css("#signin-submit")),
		chromedp.WaitVisible(css("#nav-privacy_manifest")),
		chromedp.Click(css("#nav-privacy_manifest")),
		chromedp.WaitVisible(css("#manifest-versions tbody tr")))
	if inforce := p.text("#manifest-inforce"); !strings.Contains(inforce, "version 2") {
		t.Fatalf("in force: %q", inforce)
	}
	p.do(chromedp.Click(css("#diff-run")), chromedp.WaitVisible(css("#diff-out li")))
	diff := evalJS[string](p, `document.getElementById('diff-out').innerText`)
	if !strings.Contains(diff, "analytics.reporting") || !strings.Contains(diff, "365") || !strings.Contains(diff, "200") {
		t.Fatalf("console diff = %q", diff)
	}
	if rows := evalJS[int](p, `document.querySelectorAll('#purposes-table tbody tr').length`); rows < 10 {
		t.Fatalf("purposes table has %d rows", rows)
	}
}
