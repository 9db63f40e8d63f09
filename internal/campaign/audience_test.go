package campaign_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/campaign/channel"
)

// adPlatform keeps a customer list as an ad platform would, from signed deltas.
type adPlatform struct {
	mu      sync.Mutex
	members map[string]bool
	syncs   int
}

func (p *adPlatform) handler(t *testing.T, secret []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := channel.Verify(secret, b, r.Header.Get(channel.HeaderSignature), time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), 401)
			return
		}
		var d struct {
			Destination string
			Add, Remove []string
		}
		if err := json.Unmarshal(b, &d); err != nil || d.Destination != "alimama-custom-audience" {
			http.Error(w, "bad delta", 400)
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.syncs++
		for _, h := range d.Add {
			p.members[h] = true
		}
		for _, h := range d.Remove {
			delete(p.members, h)
		}
		w.WriteHeader(204)
	})
}

func (p *adPlatform) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for h := range p.members {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

func sha(s string) string { x := sha256.Sum256([]byte(s)); return hex.EncodeToString(x[:]) }

// An ad-platform audience holds only people with the third-party purpose and its separate
// consent for the named recipient, as normalised SHA-256 hashes; a person who withdraws is
// removed at the next sync (PIPL Art. 23; NC-04, NC-08).
func TestAdAudienceDeltaRemovesWithdrawn(t *testing.T) {
	secret := []byte("platform-secret-0123456789")
	p := &adPlatform{members: map[string]bool{}}
	srv := httptest.NewServer(p.handler(t, secret))
	defer srv.Close()
	h := newHarness(t, harnessOpts{audiences: map[string]channel.AudiencePlatform{
		"alimama-custom-audience": &channel.AudienceWebhook{URL: srv.URL, Secret: secret}}})
	ctx := context.Background()
	h.elig.set("ann", person{consent: true, thirdParty: true, email: "  Ann@Example.COM ", phone: "138 0013 8000"})
	h.elig.set("ben", person{consent: true, thirdParty: true, email: "ben@example.com"})
	h.elig.set("cat", person{consent: true, thirdParty: false, email: "cat@example.com"}) // no separate consent
	h.elig.set("dee", person{consent: false, thirdParty: true, email: "dee@example.com"})
	h.segs.members["buyers"] = []string{"ann", "ben", "cat", "dee"}
	h.define(t, `{"id": "lookalike", "purpose": "marketing.advertising.third_party.targeted", "audience": {"segment": "buyers"},
		"channel": {"type": "ad_audience", "destination": "alimama-custom-audience", "recipient": "Alimama Ads"},
		"schedule": {"kind": "recurring", "every": "24h"}}`)
	r, err := h.svc.SyncAudience(ctx, "lookalike")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{sha("+8613800138000"), sha("ann@example.com"), sha("ben@example.com")}
	slices.Sort(want)
	if got := p.list(); !slices.Equal(got, want) {
		t.Fatalf("platform list = %v\nwant %v (ann's email and phone, ben's email)", got, want)
	}
	if r.Wanted != 2 || r.Added != 3 || r.Skipped["no_third_party_consent"] != 1 || r.Skipped["no_consent"] != 1 {
		t.Fatalf("first sync = %+v", r)
	}
	if e := h.rec.events[0]; e.Recipient != "Alimama Ads" || len(h.rec.batches[0]) != 2 {
		t.Fatalf("processing act = %+v for %v", e, h.rec.batches[0])
	}
	// Nothing changed: no delta, no call.
	if r, _ := h.svc.SyncAudience(ctx, "lookalike"); r.Added+r.Removed != 0 || p.syncs != 1 {
		t.Fatalf("idle sync = %+v, %d calls", r, p.syncs)
	}
	// Ann withdraws her separate consent to sharing with Alimama.
	h.elig.update("ann", func(x *person) { x.thirdParty = false })
	r, err = h.svc.SyncAudience(ctx, "lookalike")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.list(); !slices.Equal(got, []string{sha("ben@example.com")}) || r.Removed != 2 || r.Added != 0 {
		t.Fatalf("after withdrawal: platform list %v, sync %+v; want only ben", got, r)
	}
	if m, _ := h.st.(interface {
		AudienceMembers(context.Context, string) ([]string, error)
	}).AudienceMembers(ctx, "alimama-custom-audience"); !slices.Equal(m, []string{sha("ben@example.com")}) {
		t.Fatalf("synced set in the store = %v", m)
	}
}

func TestNormalise(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"138 0013 8000", "+8613800138000"}, {"+86 (138) 0013-8000", "+8613800138000"}, {"0086 13800138000", "+8613800138000"},
		{"+1 415 555 2671", "+14155552671"},
	} {
		if got, err := channel.NormalisePhone(c.in, "86"); err != nil || got != c.want {
			t.Errorf("NormalisePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "12", "abc", "+0123456789", "1234567890123456789"} {
		if got, err := channel.NormalisePhone(bad, "86"); err == nil {
			t.Errorf("NormalisePhone(%q) = %q, want an error", bad, got)
		}
	}
	if got, err := channel.NormaliseEmail(" A.B@Example.ORG "); err != nil || got != "a.b@example.org" {
		t.Errorf("NormaliseEmail = %q, %v", got, err)
	}
	for _, bad := range []string{"", "@x", "a@", "a b@c", "a@b@c"} {
		if _, err := channel.NormaliseEmail(bad); err == nil {
			t.Errorf("NormaliseEmail(%q) accepted", bad)
		}
	}
	add, remove := channel.Delta([]string{"a", "b", "c", "c"}, []string{"d", "b", "b"})
	if !slices.Equal(add, []string{"d"}) || !slices.Equal(remove, []string{"a", "c"}) {
		t.Errorf("Delta = %v, %v", add, remove)
	}
}
