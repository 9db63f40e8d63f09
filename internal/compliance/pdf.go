package compliance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Renderer turns the HTML report into a PDF.
type Renderer interface {
	PDF(ctx context.Context, html []byte) ([]byte, error)
}

// Chromium renders with a headless Chromium (Debian's chromium: `--print-to-pdf`).
type Chromium struct {
	// Path is the browser binary.
	Path string
	// Timeout bounds one rendering (default 90 s).
	Timeout time.Duration
}

// FindChromium returns a renderer for the Chromium at STEWARD_CHROMIUM or on PATH, or nil
// when there is none (the bundle then carries no PDF, and says so).
func FindChromium() Renderer {
	if p := os.Getenv("STEWARD_CHROMIUM"); p != "" {
		return &Chromium{Path: p}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return &Chromium{Path: p}
		}
	}
	return nil
}

// PDF implements Renderer: the page is written to a private temporary directory and
// printed from there, so the report needs nothing from the network.
func (c *Chromium) PDF(ctx context.Context, html []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "steward-report-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, html, 0o600); err != nil {
		return nil, err
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 90 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+in)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("chromium --print-to-pdf: %v (%.200s)", err, b)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("chromium wrote no PDF: %w", err)
	}
	if len(pdf) < 5 || string(pdf[:5]) != "%PDF-" {
		return nil, errors.New("chromium wrote something that is not a PDF")
	}
	return pdf, nil
}
