// Package oidctest runs a real OpenID Connect provider on 127.0.0.1 for tests: zitadel's
// example provider (github.com/zitadel/oidc/v3, a certified OP library) with its in-memory
// storage, its username and password login page, and the web clients a test registers.
// Steward's console sign-in is tested against it end to end.
package oidctest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// Password is every test user's password.
const Password = "verysecure"

// The provider's users: User1 (subject "id1", verified email Email1) and User2 (subject
// "id2", verified email Email2).
const (
	Subject1 = "id1"
	Email1   = "test-user@zitadel.ch"
	User2    = "test-user2"
	Subject2 = "id2"
	Email2   = "test-user2@zitadel.ch"
)

// Provider is a running provider.
type Provider struct {
	// Issuer is its issuer URL, http://127.0.0.1:PORT.
	Issuer string
	// User1 is the username of the first user (test-user@127.0.0.1).
	User1 string
}

// Client is a web client registered with the provider (HTTP Basic client authentication,
// the authorization code flow).
type Client struct {
	ID, Secret  string
	RedirectURI string
}

// Start runs a provider until the test ends, knowing the given clients.
func Start(t testing.TB, clients ...Client) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	cs := map[string]*storage.Client{}
	for _, c := range clients {
		cs[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURI)
	}
	st := storage.NewStorageWithClients(storage.NewUserStore(issuer), cs)
	srv := &http.Server{Handler: exampleop.SetupServer(issuer, st, nil, false)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &Provider{Issuer: issuer, User1: "test-user@127.0.0.1"}
}

// Authorize runs the authorization request authURL (made by a relying party) as a browser
// would, signing in as username, and returns the URL the provider sends the browser back to
// (the relying party's redirect URI with the code and state), without following it.
func (p *Provider) Authorize(ctx context.Context, authURL, username string) (*url.URL, error) {
	jar, _ := cookiejar.New(nil)
	var back *url.URL
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), p.Issuer) {
			back = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := get(ctx, c, authURL)
	if err != nil {
		return nil, err
	}
	if back != nil {
		return back, nil
	}
	login := res.Request.URL // the login page, with the auth request's id
	id := login.Query().Get("authRequestID")
	if id == "" {
		return nil, fmt.Errorf("oidctest: the provider did not show its login page but %s", login)
	}
	form := url.Values{"id": {id}, "username": {username}, "password": {Password}}
	req, _ := http.NewRequestWithContext(ctx, "POST", p.Issuer+"/login/username", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = c.Do(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if back == nil {
		return nil, fmt.Errorf("oidctest: login as %s did not return to the client (%d): %.200s", username, res.StatusCode, b)
	}
	return back, nil
}

func get(ctx context.Context, c *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode >= 400 {
		return nil, errors.New("oidctest: " + u + ": " + res.Status)
	}
	return res, nil
}
