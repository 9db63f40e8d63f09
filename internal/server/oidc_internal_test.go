package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/stewardhq/steward/internal/server/oidctest"
)

// idToken runs the authorization code flow against a real provider as client id and
// returns the ID token it signed for nonce.
func idToken(t *testing.T, op *oidctest.Provider, id, secret, nonce string) string {
	t.Helper()
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, op.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	c := oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: p.Endpoint(), RedirectURL: "http://127.0.0.1:1/callback", Scopes: []string{oidc.ScopeOpenID, "email"}}
	back, err := op.Authorize(ctx, c.AuthCodeURL("state-1", oidc.Nonce(nonce)), op.User1)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Exchange(ctx, back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("no ID token")
	}
	return raw
}

// The ID token check signs in only with a token the configured provider signed for this
// client and this attempt: a token for another client (audience), from another provider
// (issuer, even one that knows a client of the same name), or for another attempt (nonce)
// is refused. Tokens come from real providers on 127.0.0.1.
func TestOIDCVerifyRefusesForeignTokens(t *testing.T) {
	cb := "http://127.0.0.1:1/callback"
	mine := oidctest.Start(t, oidctest.Client{ID: "steward", Secret: "s1", RedirectURI: cb}, oidctest.Client{ID: "other-app", Secret: "s2", RedirectURI: cb})
	elsewhere := oidctest.Start(t, oidctest.Client{ID: "steward", Secret: "s1", RedirectURI: cb})
	f, err := newOIDCFlow(&Server{}, OIDC{Issuer: mine.Issuer, ClientID: "steward", ClientSecret: "s1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := f.discover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	good := idToken(t, mine, "steward", "s1", "nonce-1")
	id, err := f.verify(ctx, p, good, "nonce-1")
	if err != nil || id.Issuer != mine.Issuer || id.Subject != oidctest.Subject1 {
		t.Fatalf("the provider's own token for this client: %+v %v", id, err)
	}
	if _, err := f.verify(ctx, p, good, "nonce-2"); !errors.Is(err, errNonce) {
		t.Fatalf("another attempt's nonce: %v", err)
	}
	if _, err := f.verify(ctx, p, "", "nonce-1"); !errors.Is(err, errNoIDToken) {
		t.Fatalf("no token: %v", err)
	}
	for _, c := range []struct {
		name, raw, want string
	}{
		{"audience", idToken(t, mine, "other-app", "s2", "nonce-1"), "audience"},
		// Another provider's token fails on its signature (go-oidc checks it before the
		// issuer claim): only the configured issuer's published keys are trusted.
		{"issuer", idToken(t, elsewhere, "steward", "s1", "nonce-1"), "signature"},
		{"tampered", good[:len(good)-4] + "AAAA", "signature"},
	} {
		if _, err := f.verify(ctx, p, c.raw, "nonce-1"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
	}
}

// A provider whose discovery document names another issuer than the configured one is not
// used at all.
func TestOIDCDiscoveryRefusesAnotherIssuer(t *testing.T) {
	op := oidctest.Start(t, oidctest.Client{ID: "steward", Secret: "s1", RedirectURI: "http://127.0.0.1:1/callback"})
	f, _ := newOIDCFlow(&Server{}, OIDC{Issuer: op.Issuer + "/", ClientID: "steward", ClientSecret: "s1"}, nil)
	if _, err := f.discover(context.Background()); err == nil || !strings.Contains(err.Error(), "did not match") {
		t.Fatalf("discovery of a provider naming another issuer: %v", err)
	}
}

// The attempt cookie opens only under its own key, unchanged and unexpired.
func TestOIDCAttemptCookie(t *testing.T) {
	f, _ := newOIDCFlow(&Server{}, OIDC{Issuer: "https://idp.example", ClientID: "steward", ClientSecret: "s1"}, nil)
	g, _ := newOIDCFlow(&Server{}, OIDC{Issuer: "https://idp.example", ClientID: "steward", ClientSecret: "s2"}, nil)
	a := attempt{State: "st", Nonce: "n", Verifier: "v", Expires: timeNow().Add(oidcAttemptTTL)}
	v := f.seal(a)
	if got, ok := f.open(v); !ok || got.State != "st" || got.Nonce != "n" || got.Verifier != "v" {
		t.Fatalf("open = %+v %v", got, ok)
	}
	if _, ok := g.open(v); ok {
		t.Fatal("another secret's key opened the cookie")
	}
	if _, ok := f.open(v[:len(v)-2] + "AA"); ok {
		t.Fatal("a changed cookie opened")
	}
	a.Expires = timeNow().Add(-1)
	if _, ok := f.open(f.seal(a)); ok {
		t.Fatal("an expired attempt opened")
	}
}
