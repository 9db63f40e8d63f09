package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/config"
)

// startPublicApp is startApp with the public URL set to the address it serves on, as a
// clean-room partner must be reachable at the URL its invite names.
func startPublicApp(t *testing.T) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.PublicURL = "http://" + ln.Addr().String()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	tok, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.AdminTokenFile))
	key, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.WriteKeyFile))
	return &running{app: a, base: cfg.PublicURL, admin: strings.TrimSpace(string(tok)), key: strings.TrimSpace(string(key))}
}

// Issue 22 item 4: the console's clean-room screen pairs two instances in a browser — the
// shop's administrator makes an invite on one console, the brand's pastes it into the other,
// and both consoles then list the other as an active partner; in English and Chinese, on a
// desktop and a phone.
func TestCleanRoomScreenPairsTwoInstancesInBrowser(t *testing.T) {
	shop, brand := startPublicApp(t), startPublicApp(t)
	p := page{t, browsertest.New(t)}

	p.signIn(shop.base, "en", shop.admin)
	p.step("open the clean room", chromedp.Click(css("#nav-cleanroom")), chromedp.WaitVisible(css("#cleanroom-self")))
	if self := p.text("#cleanroom-self"); !strings.Contains(self, shop.base) {
		t.Fatalf("the screen does not show this instance's URL: %q", self)
	}
	p.text("#cleanroom-nopartners")
	p.step("make an invite", chromedp.Click(css("#invite-create")), chromedp.WaitVisible(css("#invite-token")))
	invite := evalJS[string](p, `document.getElementById('invite-token').value`)
	if invite == "" {
		t.Fatal("no invite shown")
	}

	p.signIn(brand.base, "zh-CN", brand.admin)
	p.step("open the clean room (zh-CN)", chromedp.Click(css("#nav-cleanroom")), chromedp.WaitVisible(css("#accept-token")))
	p.step("accept the invite", chromedp.SendKeys(css("#accept-token"), invite), chromedp.Click(css("#accept-submit")),
		chromedp.WaitVisible(css("#partners-table")))
	row := p.text("#partners-table tbody")
	if !strings.Contains(row, shop.base) {
		t.Fatalf("the brand's partner list lacks the shop: %q", row)
	}
	// On a phone the page is no wider than the screen (long keys wrap, tables scroll).
	p.do(chromedp.EmulateViewport(390, 844))
	if w := evalJS[int](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		t.Errorf("the clean-room screen is %d px wider than a 390 px phone", w)
	}
	p.do(chromedp.EmulateReset())
	p.shots("cleanroom-partners-zh-CN")

	// The shop's console shows the brand as its partner, paired from the other side.
	p.signIn(shop.base, "en", shop.admin)
	p.step("reopen the clean room", chromedp.Click(css("#nav-cleanroom")))
	waitJS(p, `!!document.getElementById('partners-table') && document.getElementById('partners-table').innerText.includes('`+brand.base+`')`,
		`document.getElementById('screen').innerText`, 10*time.Second)
	if row := p.text("#partners-table tbody"); !strings.Contains(strings.ToLower(row), "active") {
		t.Fatalf("the shop's partner row: %q", row)
	}
	p.shots("cleanroom-partners-en")
}
