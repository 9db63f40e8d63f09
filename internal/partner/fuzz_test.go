package partner_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/partner"
)

func seedInvite(t testing.TB) partner.Invite {
	inv, err := partner.NewInvite(identity(t, 1), "https://steward.a.example/base", t0.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func classified(t *testing.T, err error) {
	t.Helper()
	var fe *partner.FormatError
	if !errors.As(err, &fe) || fe.Reason == "" || fe.Detail == "" || !errors.Is(err, partner.ErrMalformed) {
		t.Fatalf("unclassified error %T %v", err, err)
	}
}

// FuzzParseInvite: never panics; rejects only with a classified *FormatError; what it
// accepts has a canonical URL, a 32-byte key and a positive expiry, and re-encodes to the
// token it came from.
func FuzzParseInvite(f *testing.F) {
	f.Add(seedInvite(f).String())
	f.Add(partner.InvitePrefix)
	f.Add(partner.InvitePrefix + "AQ")
	f.Add("steward-invite-v1.AAAA====")
	f.Fuzz(func(t *testing.T, s string) {
		inv, err := partner.ParseInvite(s)
		if err != nil {
			classified(t, err)
			return
		}
		if len(inv.Key) != 32 || inv.Expires.Unix() <= 0 {
			t.Fatalf("accepted %+v", inv)
		}
		if u, err := partner.CheckURL(inv.URL); err != nil || u != inv.URL {
			t.Fatalf("accepted url %q: %v", inv.URL, err)
		}
		if inv.String() != strings.TrimSpace(s) {
			t.Fatal("does not re-encode to its token")
		}
	})
}

// FuzzParseAcceptance: the same for acceptances.
func FuzzParseAcceptance(f *testing.F) {
	inv := seedInvite(f)
	acc, err := partner.Accept(inv, identity(f, 2), "http://127.0.0.1:8081", t0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(acc.String())
	f.Add(partner.AcceptancePrefix + "AQ")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := partner.ParseAcceptance(s)
		if err != nil {
			classified(t, err)
			return
		}
		if len(a.Key) != 32 || len(a.InviteID) != 32 || a.Time.Unix() <= 0 {
			t.Fatalf("accepted %+v", a)
		}
		if a.String() != strings.TrimSpace(s) {
			t.Fatal("does not re-encode to its token")
		}
		// Whatever parses, only the genuine acceptance verifies.
		if err := inv.Verify(a, t0, 0); err == nil && a.String() != acc.String() {
			t.Fatal("a different acceptance verifies")
		}
	})
}

// FuzzParseSignature: never panics; rejects only with a classified *FormatError; what it
// accepts re-encodes to the header it came from.
func FuzzParseSignature(f *testing.F) {
	h, err := partner.NewSigner(identity(f, 1), func() time.Time { return t0 }, nil).Sign(identity(f, 2).PublicKey(),
		partner.Request{Method: "POST", Path: "/x", Body: []byte("b")})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(h)
	f.Add("v1;key=;ts=;nonce=;digest=;sig=")
	f.Add("v1;key=x;ts=01;nonce=a;digest=b;sig=c")
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := partner.ParseSignature(s)
		if err != nil {
			classified(t, err)
			return
		}
		if sig.String() != s {
			t.Fatalf("does not re-encode: %q vs %q", sig.String(), s)
		}
	})
}
