package bench

import (
	"context"
	"crypto/ed25519"
	"net"
	"net/http"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/server/partnerlink"
)

// linkServer serves h for the caller with identity caller over partnerlink on a loopback
// port and returns a client of it (every call and answer signed, as between instances).
func linkServer(caller *partner.Identity, prefix string, h partnerlink.HandleFunc) (*partnerlink.Client, func(), error) {
	self, err := partner.GenerateIdentity(nil)
	if err != nil {
		return nil, nil, err
	}
	v, err := partnerlink.NewVerifier(self.PublicKey(), partnerlink.NewPeers(map[string]ed25519.PublicKey{"caller": caller.PublicKey()}))
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: partnerlink.Handler(prefix, partner.NewSigner(self, nil, nil), v, 256<<20, h), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	cv, err := partnerlink.NewVerifier(caller.PublicKey(), partnerlink.NewPeers(map[string]ed25519.PublicKey{"server": self.PublicKey()}))
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	return &partnerlink.Client{URL: "http://" + ln.Addr().String(), Prefix: prefix, Signer: partner.NewSigner(caller, nil, nil),
		Peer: self.PublicKey(), Verifier: cv, HTTP: &http.Client{Timeout: 5 * time.Minute}}, func() { srv.Close() }, nil
}

// audience is a recorder that counts acts instead of keeping a log: the benchmarks
// measure the protocols, and the audit log has a benchmark of its own.
type audience struct{ n int }

func (a *audience) RecordAudience(context.Context, audit.Event, []string) (uint64, error) {
	a.n++
	return uint64(a.n), nil
}

func (a *audience) Record(context.Context, audit.Event) error { a.n++; return nil }
