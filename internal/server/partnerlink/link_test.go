package partnerlink_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/server/partnerlink"
)

func ident(t *testing.T) *partner.Identity {
	id, err := partner.GenerateIdentity(nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSignedBothWays(t *testing.T) {
	a, b, eve := ident(t), ident(t), ident(t)
	vb, err := partnerlink.NewVerifier(b.PublicKey(), partnerlink.NewPeers(map[string]ed25519.PublicKey{"a": a.PublicKey()}))
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	h := partnerlink.Handler("/p/", partner.NewSigner(b, nil, nil), vb, 1<<10, func(_ context.Context, p partner.Peer, step string, body []byte) ([]byte, error) {
		seen = p.ID
		switch step {
		case "echo":
			return append([]byte("echo:"), body...), nil
		case "late":
			return nil, fmt.Errorf("wait: %w", partnerlink.ErrConflict)
		}
		return nil, errors.New("no such step")
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := func(from *partner.Identity, peer ed25519.PublicKey) *partnerlink.Client {
		return clientPinning(t, srv.URL, from, peer, peer)
	}
	ctx := context.Background()
	out, err := client(a, b.PublicKey()).Call(ctx, "echo", []byte("hi"))
	if err != nil || string(out) != "echo:hi" || seen != "a" {
		t.Fatalf("call: %q %v (peer %q)", out, err, seen)
	}
	// A caller nobody pinned is refused.
	if _, err := client(eve, b.PublicKey()).Call(ctx, "echo", nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("unknown caller: %v", err)
	}
	// The answer is verified too: a caller whose verifier pins another key for the
	// server (as if someone else answered) refuses b's answer although b served it.
	if _, err := clientPinning(t, srv.URL, a, b.PublicKey(), eve.PublicKey()).Call(ctx, "echo", []byte("x")); err == nil ||
		!strings.Contains(err.Error(), "answer") {
		t.Fatalf("answer from an unpinned key: %v", err)
	}
	// Errors: out of turn 409, protocol 400, too large 413, unsigned 401.
	if _, err := client(a, b.PublicKey()).Call(ctx, "late", nil); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("late: %v", err)
	}
	if _, err := client(a, b.PublicKey()).Call(ctx, "nope", nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("unknown step: %v", err)
	}
	if _, err := client(a, b.PublicKey()).Call(ctx, "echo", make([]byte, 2<<10)); err == nil || !strings.Contains(err.Error(), "413") {
		t.Fatalf("too large: %v", err)
	}
	resp, err := http.Post(srv.URL+"/p/echo", "application/octet-stream", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d", resp.StatusCode)
	}
}

// clientPinning calls the server as from, addressing to, and verifies answers against answerKey.
func clientPinning(t *testing.T, url string, from *partner.Identity, to, answerKey ed25519.PublicKey) *partnerlink.Client {
	t.Helper()
	v, err := partnerlink.NewVerifier(from.PublicKey(), partnerlink.NewPeers(map[string]ed25519.PublicKey{"b": answerKey}))
	if err != nil {
		t.Fatal(err)
	}
	return &partnerlink.Client{URL: url, Prefix: "/p/", Signer: partner.NewSigner(from, nil, nil), Peer: to, Verifier: v}
}
