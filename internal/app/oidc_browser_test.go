package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/server/oidctest"
)

// startOIDC runs Steward with console sign-in through a real OpenID Connect provider (the
// zitadel example OP on 127.0.0.1) that knows Steward as the client "steward".
func startOIDC(t *testing.T) (*running, *oidctest.Provider) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	op := oidctest.Start(t, oidctest.Client{ID: "steward", Secret: "s3cret-of-the-console", RedirectURI: base + "/api/v1/signin/oidc/callback"})
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := app.OpenWith(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{
		OIDC: &app.OIDC{Issuer: op.Issuer, ClientID: "steward", ClientSecret: "s3cret-of-the-console", Name: "Example SSO"}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	tok, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.AdminTokenFile))
	return &running{app: a, base: base, admin: strings.TrimSpace(string(tok))}, op
}

func tokenCount(t *testing.T, r *running) int {
	t.Helper()
	ts, err := r.app.Store.ListTokens(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return len(ts)
}

// Console sign-in through OpenID Connect (issue 18 item 3): an operator whose verified
// email is recorded signs in at the provider's own login page and lands in the console
// signed in, with the sign-in in the audit log; a provider user who is no operator gets no
// session; an answer whose nonce is not the attempt's, or a callback without the attempt,
// signs nobody in.
func TestConsoleOIDCSignIn(t *testing.T) {
	r, op := startOIDC(t)
	ctx := context.Background()
	li, err := r.app.Auth.CreateOperator(ctx, "li.na", auth.RolePrivacyOfficer)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := r.call(t, "PUT", "/api/v1/operators/"+li.ID+"/login", r.admin, `{"email":"`+oidctest.Email1+`"}`); status != 200 {
		t.Fatalf("record the login: %d %s", status, body)
	}
	before := tokenCount(t, r)

	p := page{t, browsertest.New(t)}
	for _, lang := range []string{"en", "zh-CN"} {
		p.step("forget", chromedp.Navigate(r.base+"/healthz"))
		evalJS[bool](p, `(sessionStorage.clear(), true)`)
		p.step("open the console", chromedp.Navigate(r.base+"/console/?lang="+lang), chromedp.WaitVisible(css("#signin-oidc")))
		want := map[string]string{"en": "Sign in with Example SSO", "zh-CN": "通过 Example SSO 登录"}[lang]
		if b := p.text("#signin-oidc"); b != want {
			t.Fatalf("%s: button = %q", lang, b)
		}
		p.shots("console-signin-oidc-" + lang)
		p.step("sign in at the provider", chromedp.Click(css("#signin-oidc")), chromedp.WaitVisible(css("#username")),
			chromedp.SendKeys(css("#username"), op.User1), chromedp.SendKeys(css("#password"), oidctest.Password),
			chromedp.Submit(css("#password")), chromedp.WaitVisible(css("#nav-people")))
		if u := evalJS[string](p, `location.href`); u != r.base+"/console/" {
			t.Fatalf("%s: the session stayed in the address: %q", lang, u)
		}
		if name := p.text("#operator-name"); name != "li.na" {
			t.Fatalf("%s: signed in as %q", lang, name)
		}
		if caps := evalJS[string](p, `[...document.querySelectorAll('#nav-list a')].map(a => a.dataset.screen).join(',')`); !strings.Contains(caps, "rights") || strings.Contains(caps, "sources") {
			t.Fatalf("%s: a privacy officer's screens = %q", lang, caps)
		}
		p.shots("console-oidc-signed-in-" + lang)
	}
	if n := tokenCount(t, r); n != before+2 {
		t.Fatalf("tokens after two sign-ins: %d, want %d", n, before+2)
	}
	// Each sign-in is an audited act naming the operator and the method.
	leaves := auditLeaves(t, r)
	signins := 0
	for _, l := range leaves {
		if strings.Contains(l, `"act":"operator_signin"`) && strings.Contains(l, `"actor":"`+li.ID+`"`) && strings.Contains(l, `"method":"oidc"`) {
			signins++
		}
	}
	if signins != 2 {
		t.Fatalf("audited OIDC sign-ins = %d", signins)
	}

	// A provider user who is no operator: back to the sign-in form with the reason.
	p.step("forget", chromedp.Navigate(r.base+"/healthz"))
	evalJS[bool](p, `(sessionStorage.clear(), true)`)
	p.step("unknown user", chromedp.Navigate(r.base+"/console/?lang=en"), chromedp.WaitVisible(css("#signin-oidc")),
		chromedp.Click(css("#signin-oidc")), chromedp.WaitVisible(css("#username")),
		chromedp.SendKeys(css("#username"), oidctest.User2), chromedp.SendKeys(css("#password"), oidctest.Password),
		chromedp.Submit(css("#password")), chromedp.WaitVisible(css("#signin-error")))
	if msg := p.text("#signin-error"); !strings.Contains(msg, "not an operator") {
		t.Fatalf("unknown user: %q", msg)
	}
	if evalJS[bool](p, `!document.getElementById('app').hidden || !!sessionStorage.getItem('steward.console.token')`) {
		t.Fatal("an unknown user got into the console")
	}
	p.shots("console-oidc-unknown-en")
	if n := tokenCount(t, r); n != before+2 {
		t.Fatalf("an unknown user got a token: %d tokens", n)
	}

	// A nonce that is not the attempt's: the provider signs a valid ID token for it, and
	// Steward refuses it. (The browser's request is changed on its way to the provider.)
	jar, _ := cookiejar.New(nil)
	noRedirect := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(r.base + "/api/v1/signin/oidc")
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("start: %v %v", res, err)
	}
	authURL, _ := url.Parse(res.Header.Get("Location"))
	q := authURL.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Fatalf("the authorization request lacks PKCE, state or nonce: %s", authURL)
	}
	q.Set("nonce", "a-nonce-of-another-attempt")
	authURL.RawQuery = q.Encode()
	back, err := op.Authorize(ctx, authURL.String(), op.User1)
	if err != nil {
		t.Fatal(err)
	}
	if reason := callbackReason(t, noRedirect, back.String()); reason != "signin_err=token" {
		t.Fatalf("a foreign nonce: %q", reason)
	}
	// The same code again, or a callback in a browser that started no attempt: refused.
	if reason := callbackReason(t, noRedirect, back.String()); reason != "signin_err=attempt" {
		t.Fatalf("a replayed callback: %q", reason)
	}
	fresh := &http.Client{CheckRedirect: noRedirect.CheckRedirect}
	if reason := callbackReason(t, fresh, back.String()); reason != "signin_err=attempt" {
		t.Fatalf("a callback without an attempt: %q", reason)
	}
	if n := tokenCount(t, r); n != before+2 {
		t.Fatalf("a refused callback minted a token: %d tokens", n)
	}
}

// callbackReason follows the provider's redirect to Steward's callback and returns the
// fragment it sends the console.
func callbackReason(t *testing.T, c *http.Client, callback string) string {
	t.Helper()
	res, err := c.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || loc == nil || !strings.HasSuffix(loc.Path, "/console/") {
		t.Fatalf("callback: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if strings.HasPrefix(loc.Fragment, "signin=") {
		return "signin"
	}
	return loc.Fragment
}

func auditLeaves(t *testing.T, r *running) []string {
	t.Helper()
	ast := r.app.Store.(interface {
		Size(context.Context) (uint64, error)
		ReadLeaves(context.Context, uint64, uint64) ([][]byte, [][]byte, error)
	})
	n, _ := ast.Size(context.Background())
	leaves, _, err := ast.ReadLeaves(context.Background(), 0, n)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(leaves))
	for i, l := range leaves {
		out[i] = string(l)
	}
	return out
}
