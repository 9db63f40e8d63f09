package partner_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/partner"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func identity(t testing.TB, b byte) *partner.Identity {
	t.Helper()
	id, err := partner.NewIdentity(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestIdentity(t *testing.T) {
	a, err := partner.GenerateIdentity(nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := partner.NewIdentity(a.Seed())
	if err != nil || !a.PublicKey().Equal(again.PublicKey()) || a.KeyID() != again.KeyID() {
		t.Fatal("an identity does not survive its seed")
	}
	if _, err := partner.NewIdentity(make([]byte, 31)); !errors.Is(err, partner.ErrKey) {
		t.Fatalf("short seed: %v", err)
	}
	pub, err := partner.ParseKeyID(a.KeyID())
	if err != nil || !pub.Equal(a.PublicKey()) || len(a.KeyID()) != 43 {
		t.Fatalf("key id round trip: %v", err)
	}
	for _, bad := range []string{"", "abc", a.KeyID() + "A", a.KeyID() + "=", strings.Repeat("*", 43)} {
		if _, err := partner.ParseKeyID(bad); !errors.Is(err, partner.ErrKey) {
			t.Errorf("ParseKeyID(%q): %v", bad, err)
		}
	}
	b := identity(t, 2)
	if partner.PairingID(a.PublicKey(), b.PublicKey()) != partner.PairingID(b.PublicKey(), a.PublicKey()) {
		t.Fatal("pairing id depends on who invited whom")
	}
	if partner.PairingID(a.PublicKey(), b.PublicKey()) == partner.PairingID(a.PublicKey(), identity(t, 3).PublicKey()) {
		t.Fatal("two pairings share an id")
	}
}

func TestInviteRoundTrip(t *testing.T) {
	a := identity(t, 1)
	inv, err := partner.NewInvite(a, "https://steward.shop-a.example/", t0.Add(24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	if inv.URL != "https://steward.shop-a.example" {
		t.Fatalf("url not canonical: %q", inv.URL)
	}
	tok := inv.String()
	if !strings.HasPrefix(tok, partner.InvitePrefix) {
		t.Fatal(tok)
	}
	got, err := partner.ParseInvite("  " + tok + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != inv.URL || !got.Key.Equal(inv.Key) || got.Secret != inv.Secret || !got.Expires.Equal(inv.Expires) || got.ID() != inv.ID() {
		t.Fatalf("round trip: %+v vs %+v", got, inv)
	}
	if strings.Contains(inv.ID(), fmt.Sprintf("%x", inv.Secret[:4])) {
		t.Fatal("the invite id shows the secret")
	}
	other, _ := partner.NewInvite(a, "https://steward.shop-a.example", t0.Add(time.Hour), nil)
	if other.Secret == inv.Secret || other.ID() == inv.ID() {
		t.Fatal("two invites share a secret")
	}
}

func TestParseInviteRejects(t *testing.T) {
	a := identity(t, 1)
	inv, _ := partner.NewInvite(a, "https://a.example", t0.Add(time.Hour), nil)
	tok := inv.String()
	body := tok[len(partner.InvitePrefix):]
	flip := []byte(body)
	flip[20] ^= 0x01 // a copy error inside the token
	if flip[20] == '-' || flip[20] == '_' {
		flip[20] = 'A'
	}
	cases := []struct{ name, token, reason string }{
		{"empty", "", partner.ReasonPrefix},
		{"prefix", "steward-invite-v2." + body, partner.ReasonPrefix},
		{"acceptance", partner.AcceptancePrefix + body, partner.ReasonPrefix},
		{"padding", tok + "==", partner.ReasonBase64},
		{"alphabet", tok[:len(tok)-3] + "+/A", partner.ReasonBase64},
		{"short", partner.InvitePrefix + "AAAA", partner.ReasonLength},
		{"truncated", tok[:len(tok)-4], partner.ReasonChecksum},
		{"copy error", partner.InvitePrefix + string(flip), partner.ReasonChecksum},
		{"long", partner.InvitePrefix + strings.Repeat("A", 4000), partner.ReasonLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := partner.ParseInvite(c.token)
			var fe *partner.FormatError
			if !errors.As(err, &fe) || !errors.Is(err, partner.ErrMalformed) || fe.Reason != c.reason {
				t.Fatalf("error %v, want reason %s", err, c.reason)
			}
			if strings.Contains(err.Error(), body[:16]) {
				t.Fatal("the error quotes the token")
			}
		})
	}
	for _, u := range []string{"http://a.example", "ftp://a.example", "https://user:pw@a.example", "https://a.example/?x=1",
		"https://a.example/#f", "https://", "a.example", "https://a.example/p q", "https://a.example/ü"} {
		if _, err := partner.NewInvite(a, u, t0, nil); !errors.Is(err, partner.ErrURL) {
			t.Errorf("NewInvite(%q): %v, want ErrURL", u, err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:9000/steward", "http://[::1]:80"} {
		if _, err := partner.NewInvite(a, u, t0, nil); err != nil {
			t.Errorf("loopback %q: %v", u, err)
		}
	}
}

// pair runs the whole pairing: A invites, B accepts, A verifies.
func TestPairing(t *testing.T) {
	a, b := identity(t, 1), identity(t, 2)
	inv, _ := partner.NewInvite(a, "https://a.example", t0.Add(time.Hour), nil)
	got, _ := partner.ParseInvite(inv.String())
	acc, err := partner.Accept(got, b, "https://b.example/steward/", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := partner.ParseAcceptance(acc.String())
	if err != nil {
		t.Fatal(err)
	}
	if parsed.URL != "https://b.example/steward" || !parsed.Key.Equal(b.PublicKey()) || parsed.InviteID != inv.ID() {
		t.Fatalf("acceptance %+v", parsed)
	}
	if err := inv.Verify(parsed, t0.Add(2*time.Minute), 0); err != nil {
		t.Fatalf("genuine acceptance refused: %v", err)
	}
	if strings.Contains(acc.String(), strings.TrimRight(fmt.Sprintf("%x", inv.Secret), "0")) {
		t.Fatal("the acceptance carries the secret")
	}

	mutated := func(f func(*partner.Acceptance)) partner.Acceptance {
		c := parsed
		c.Key = bytes.Clone(parsed.Key)
		f(&c)
		return c
	}
	c := identity(t, 3)
	other, _ := partner.NewInvite(a, "https://a.example", t0.Add(time.Hour), nil)
	forged, _ := partner.Accept(partner.Invite{URL: inv.URL, Key: inv.Key, Expires: inv.Expires}, c, "https://c.example", t0) // wrong secret
	cases := []struct {
		name string
		inv  partner.Invite
		acc  partner.Acceptance
		now  time.Time
		want error
	}{
		{"expired", inv, parsed, t0.Add(time.Hour), partner.ErrExpired},
		{"another invite", other, parsed, t0.Add(time.Minute), partner.ErrBadAcceptance},
		{"old", inv, parsed, t0.Add(7 * time.Minute), partner.ErrStale},
		{"future", inv, mutated(func(a *partner.Acceptance) { a.Time = t0.Add(30 * time.Minute) }), t0, partner.ErrStale},
		{"wrong secret", inv, mutated(func(a *partner.Acceptance) { *a = forged; a.InviteID = inv.ID() }), t0, partner.ErrBadAcceptance},
		{"url changed", inv, mutated(func(a *partner.Acceptance) { a.URL = "https://evil.example" }), t0, partner.ErrBadAcceptance},
		{"key changed", inv, mutated(func(a *partner.Acceptance) { a.Key = c.PublicKey() }), t0, partner.ErrBadAcceptance},
		{"signature", inv, mutated(func(a *partner.Acceptance) { a.Sig[3] ^= 1 }), t0, partner.ErrBadAcceptance},
		{"mac", inv, mutated(func(a *partner.Acceptance) { a.MAC[0] ^= 1 }), t0, partner.ErrBadAcceptance},
		{"self", inv, mutated(func(a *partner.Acceptance) { a.Key = inv.Key }), t0, partner.ErrSelfPairing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.inv.Verify(c.acc, c.now, 0); !errors.Is(err, c.want) {
				t.Fatalf("Verify: %v, want %v", err, c.want)
			}
		})
	}
	// The redirected acceptance: valid for A's invite, presented to another inviter with
	// the same secret (a copied invite) but another key, fails.
	redirected := inv
	redirected.Key = c.PublicKey()
	if err := redirected.Verify(parsed, t0.Add(time.Minute), 0); !errors.Is(err, partner.ErrBadAcceptance) {
		t.Fatalf("redirected: %v", err)
	}
	if _, err := partner.Accept(inv, b, "https://b.example", t0.Add(2*time.Hour)); !errors.Is(err, partner.ErrExpired) {
		t.Fatalf("accept expired: %v", err)
	}
	if _, err := partner.Accept(inv, a, "https://a2.example", t0); !errors.Is(err, partner.ErrSelfPairing) {
		t.Fatalf("accept own invite: %v", err)
	}
	for _, bad := range []string{"", partner.AcceptancePrefix, partner.AcceptancePrefix + "AAAA", acc.String() + "A", acc.String()[:len(acc.String())-2]} {
		if _, err := partner.ParseAcceptance(bad); !errors.Is(err, partner.ErrMalformed) {
			t.Errorf("ParseAcceptance(%.30q): %v", bad, err)
		}
	}
}

// peers is an in-memory Peers.
type peers struct {
	mu sync.Mutex
	m  map[string]partner.Peer
}

func (p *peers) PeerByKey(_ context.Context, keyID string) (partner.Peer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if x, ok := p.m[keyID]; ok {
		return x, nil
	}
	return partner.Peer{}, partner.ErrUnknownPeer
}

func (p *peers) set(id string, k ed25519.PublicKey, s partner.Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[partner.KeyID(k)] = partner.Peer{ID: id, Key: k, Status: s}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestSignedRequests(t *testing.T) {
	a, b, c := identity(t, 1), identity(t, 2), identity(t, 3)
	clk := &clock{t: t0}
	ps := &peers{m: map[string]partner.Peer{}}
	ps.set("prt_a", a.PublicKey(), partner.StatusActive)
	nonces := partner.NewMemoryNonces(0, clk.now)
	v, err := partner.NewVerifier(partner.VerifierConfig{Self: b.PublicKey(), Peers: ps, Nonces: nonces, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	signer := partner.NewSigner(a, clk.now, nil)
	ctx := context.Background()
	req := partner.Request{Method: "POST", Path: "/api/v1/partner/jobs/job-1/messages?kind=blinded", Body: []byte("STCR\x01...")}
	h, err := signer.Sign(b.PublicKey(), req)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(ctx, h, req)
	if err != nil || p.ID != "prt_a" {
		t.Fatalf("genuine request: %+v, %v", p, err)
	}
	// Replayed: refused, and again a minute later.
	if _, err := v.Verify(ctx, h, req); !errors.Is(err, partner.ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	clk.t = t0.Add(time.Minute)
	if _, err := v.Verify(ctx, h, req); !errors.Is(err, partner.ErrReplay) {
		t.Fatalf("replay after a minute: %v", err)
	}
	// After the window the replay is stale (and its nonce may be forgotten).
	clk.t = t0.Add(6 * time.Minute)
	if _, err := v.Verify(ctx, h, req); !errors.Is(err, partner.ErrStale) {
		t.Fatalf("replay after the window: %v", err)
	}

	sign := func(s *partner.Signer, to ed25519.PublicKey, r partner.Request) string {
		h, err := s.Sign(to, r)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	clk.t = t0
	tampered := func(f func(*partner.Signature)) string {
		s, err := partner.ParseSignature(sign(signer, b.PublicKey(), req))
		if err != nil {
			t.Fatal(err)
		}
		f(&s)
		return s.String()
	}
	other := req
	other.Body = []byte("STCR\x01..,")
	otherPath := req
	otherPath.Path = "/api/v1/partner/jobs/job-2/messages?kind=blinded"
	otherMethod := req
	otherMethod.Method = "PUT"
	cases := []struct {
		name   string
		header string
		req    partner.Request
		before func()
		want   error
	}{
		{"tampered body", sign(signer, b.PublicKey(), req), other, nil, partner.ErrTamperedBody},
		{"tampered path", sign(signer, b.PublicKey(), req), otherPath, nil, partner.ErrBadSignature},
		{"tampered method", sign(signer, b.PublicKey(), req), otherMethod, nil, partner.ErrBadSignature},
		{"body and digest swapped", tampered(func(s *partner.Signature) { s.Digest[0] ^= 1 }), req, nil, partner.ErrTamperedBody},
		{"time moved", tampered(func(s *partner.Signature) { s.Time = s.Time.Add(time.Second) }), req, nil, partner.ErrBadSignature},
		{"nonce changed", tampered(func(s *partner.Signature) { s.Nonce = "AAAAAAAAAAAAAAAAAAAAAA" }), req, nil, partner.ErrBadSignature},
		{"signature bit", tampered(func(s *partner.Signature) { s.Sig[10] ^= 4 }), req, nil, partner.ErrBadSignature},
		{"for another recipient", sign(signer, c.PublicKey(), req), req, nil, partner.ErrBadSignature},
		{"unknown key", sign(partner.NewSigner(c, clk.now, nil), b.PublicKey(), req), req, nil, partner.ErrUnknownPeer},
		{"claims another's key", tampered(func(s *partner.Signature) { s.KeyID = c.KeyID() }), req,
			func() { ps.set("prt_c", c.PublicKey(), partner.StatusActive) }, partner.ErrBadSignature},
		{"stale", sign(partner.NewSigner(a, func() time.Time { return t0.Add(-6 * time.Minute) }, nil), b.PublicKey(), req), req, nil, partner.ErrStale},
		{"future", sign(partner.NewSigner(a, func() time.Time { return t0.Add(6 * time.Minute) }, nil), b.PublicKey(), req), req, nil, partner.ErrStale},
		{"malformed", "v1;key=x", req, nil, partner.ErrMalformed},
		{"suspended", sign(signer, b.PublicKey(), req), req, func() { ps.set("prt_a", a.PublicKey(), partner.StatusSuspended) }, partner.ErrSuspended},
		{"revoked", sign(signer, b.PublicKey(), req), req, func() { ps.set("prt_a", a.PublicKey(), partner.StatusRevoked) }, partner.ErrRevoked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk.t = t0
			ps.set("prt_a", a.PublicKey(), partner.StatusActive)
			if c.before != nil {
				c.before()
			}
			n := nonces.Len()
			if _, err := v.Verify(ctx, c.header, c.req); !errors.Is(err, c.want) {
				t.Fatalf("Verify: %v, want %v", err, c.want)
			}
			if nonces.Len() != n {
				t.Fatal("a refused request used up a nonce")
			}
		})
	}
	// A refused forgery does not burn the genuine request's nonce.
	ps.set("prt_a", a.PublicKey(), partner.StatusActive)
	genuine := sign(signer, b.PublicKey(), req)
	s, _ := partner.ParseSignature(genuine)
	s.Sig[0] ^= 1
	if _, err := v.Verify(ctx, s.String(), req); !errors.Is(err, partner.ErrBadSignature) {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, genuine, req); err != nil {
		t.Fatalf("genuine after a forgery with its nonce: %v", err)
	}
	if _, err := signer.Sign(b.PublicKey(), partner.Request{Method: "post", Path: "/x"}); !errors.Is(err, partner.ErrRequest) {
		t.Fatalf("lower-case method: %v", err)
	}
	if _, err := signer.Sign(b.PublicKey(), partner.Request{Method: "POST", Path: "/x y"}); !errors.Is(err, partner.ErrRequest) {
		t.Fatalf("space in path: %v", err)
	}
	if _, err := signer.Sign(b.PublicKey(), partner.Request{Method: "POST", Path: "x"}); !errors.Is(err, partner.ErrRequest) {
		t.Fatalf("relative path: %v", err)
	}
}

// Concurrent deliveries of one request: exactly one is accepted.
func TestReplayRace(t *testing.T) {
	a, b := identity(t, 1), identity(t, 2)
	ps := &peers{m: map[string]partner.Peer{}}
	ps.set("prt_a", a.PublicKey(), partner.StatusActive)
	v, _ := partner.NewVerifier(partner.VerifierConfig{Self: b.PublicKey(), Peers: ps, Nonces: partner.NewMemoryNonces(0, nil)})
	req := partner.Request{Method: "POST", Path: "/p", Body: []byte("x")}
	h, _ := partner.NewSigner(a, nil, nil).Sign(b.PublicKey(), req)
	var ok sync.WaitGroup
	var mu sync.Mutex
	accepted, refused := 0, 0
	for range 32 {
		ok.Add(1)
		go func() {
			defer ok.Done()
			_, err := v.Verify(context.Background(), h, req)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				accepted++
			} else if errors.Is(err, partner.ErrReplay) {
				refused++
			}
		}()
	}
	ok.Wait()
	if accepted != 1 || refused != 31 {
		t.Fatalf("accepted %d, refused %d", accepted, refused)
	}
}

func TestMemoryNonces(t *testing.T) {
	clk := &clock{t: t0}
	m := partner.NewMemoryNonces(2000, clk.now)
	ctx := context.Background()
	for i := range 2000 {
		if fresh, err := m.Remember(ctx, "k", fmt.Sprint(i), t0.Add(time.Minute)); !fresh || err != nil {
			t.Fatalf("%d: %v %v", i, fresh, err)
		}
	}
	if _, err := m.Remember(ctx, "k", "x", t0.Add(time.Minute)); !errors.Is(err, partner.ErrNonceCacheFull) {
		t.Fatalf("full: %v", err)
	}
	if fresh, _ := m.Remember(ctx, "k", "7", t0.Add(time.Minute)); fresh {
		t.Fatal("a remembered nonce is fresh")
	}
	clk.t = t0.Add(2 * time.Minute) // everything expired: swept, room again
	if fresh, err := m.Remember(ctx, "k", "x", t0.Add(3*time.Minute)); !fresh || err != nil {
		t.Fatalf("after expiry: %v %v", fresh, err)
	}
	if m.Len() > 2 {
		t.Fatalf("%d nonces held after the sweep", m.Len())
	}
}

func TestStatus(t *testing.T) {
	cases := []struct {
		from partner.Status
		e    partner.StatusEvent
		to   partner.Status
		ok   bool
	}{
		{partner.StatusActive, partner.Suspend, partner.StatusSuspended, true},
		{partner.StatusSuspended, partner.Resume, partner.StatusActive, true},
		{partner.StatusActive, partner.Revoke, partner.StatusRevoked, true},
		{partner.StatusSuspended, partner.Revoke, partner.StatusRevoked, true},
		{partner.StatusActive, partner.Resume, partner.StatusActive, false},
		{partner.StatusSuspended, partner.Suspend, partner.StatusSuspended, false},
		{partner.StatusRevoked, partner.Resume, partner.StatusRevoked, false},
		{partner.StatusRevoked, partner.Suspend, partner.StatusRevoked, false},
		{partner.StatusActive, "delete", partner.StatusActive, false},
	}
	for _, c := range cases {
		got, err := c.from.Next(c.e)
		if got != c.to || (err == nil) != c.ok || (err != nil && !errors.Is(err, partner.ErrStatus)) {
			t.Errorf("%s --%s--> %s, %v; want %s ok=%v", c.from, c.e, got, err, c.to, c.ok)
		}
	}
}
