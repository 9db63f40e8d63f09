package partner_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/partner"
)

// Shop A invites shop B; B accepts; A verifies the acceptance and pins B's key; then B
// calls A with a signed request, and a replay of it is refused.
func Example() {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, _ := partner.GenerateIdentity(nil)
	b, _ := partner.GenerateIdentity(nil)

	inv, _ := partner.NewInvite(a, "https://steward.shop-a.example", now.Add(24*time.Hour), nil)
	token := inv.String() // handed to B's privacy officer out of band

	got, _ := partner.ParseInvite(token) // on B
	acc, _ := partner.Accept(got, b, "https://steward.shop-b.example", now)

	accepted, _ := partner.ParseAcceptance(acc.String()) // on A, with inv from its store
	fmt.Println("acceptance:", inv.Verify(accepted, now, 0))
	fmt.Println("same pairing on both sides:", partner.PairingID(a.PublicKey(), accepted.Key) == partner.PairingID(b.PublicKey(), got.Key))

	peers := pinned{partner.KeyID(accepted.Key): {ID: "prt_b", Key: accepted.Key, Status: partner.StatusActive}}
	v, _ := partner.NewVerifier(partner.VerifierConfig{Self: a.PublicKey(), Peers: peers, Nonces: partner.NewMemoryNonces(0, clock), Now: clock})
	req := partner.Request{Method: "POST", Path: "/api/v1/partner/cleanroom/jobs/job-1/messages", Body: []byte("…")}
	header, _ := partner.NewSigner(b, clock, nil).Sign(got.Key, req)

	p, err := v.Verify(context.Background(), header, req)
	fmt.Println("call from", p.ID, err)
	_, err = v.Verify(context.Background(), header, req)
	fmt.Println("replay refused:", errors.Is(err, partner.ErrReplay))
	// Output:
	// acceptance: <nil>
	// same pairing on both sides: true
	// call from prt_b <nil>
	// replay refused: true
}

type pinned map[string]partner.Peer

func (p pinned) PeerByKey(_ context.Context, keyID string) (partner.Peer, error) {
	if x, ok := p[keyID]; ok {
		return x, nil
	}
	return partner.Peer{}, partner.ErrUnknownPeer
}
