// Package browsertest starts Debian's chromium, headless, for tests that drive the web
// pages through chromedp. Locally it skips when no chromium is installed; with CI set
// it fails instead, so a CI machine without a browser cannot pass silently.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path returns the chromium binary: STEWARD_CHROMIUM, else chromium on PATH.
func Path() string {
	if p := os.Getenv("STEWARD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New returns a browser tab's context, closed when the test ends. Each call starts its
// own browser with a fresh profile directory.
func New(t testing.TB) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("browsertest: chromium is not installed (CI requires it: apt-get install -y chromium)")
		}
		t.Skip("browsertest: chromium is not installed; skipping the browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("browsertest: start chromium: %v", err)
	}
	return ctx
}

// ScreenshotDir is where Screenshot writes: $STEWARD_SCREENSHOTS, else steward-screenshots
// in the system's temporary directory.
func ScreenshotDir() string {
	if d := os.Getenv("STEWARD_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "steward-screenshots")
}

// Screenshot renders the page at a width and height (CSS pixels) and writes it as name.png
// in ScreenshotDir, logging where: the acceptance screenshots of the UI.
func Screenshot(t testing.TB, ctx context.Context, name string, width, height int64) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height), chromedp.Sleep(150*time.Millisecond)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := ScreenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%dx%d): %s", name, width, height, p)
	return p
}
