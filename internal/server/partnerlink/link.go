// Package partnerlink carries protocol messages between paired Steward instances over
// HTTP, signed both ways with the instances' partner identities (internal/partner): the
// caller signs each request for the peer's pinned key, the callee verifies it, hands the
// body to the protocol and signs its answer for the caller, who verifies that too (the
// signature over a response names the method RESPONSE and the request's path, so it can
// never pass for a request). The federated-learning and bid-ranking protocols
// (internal/federated, internal/bidding) are message handlers that know nothing of HTTP;
// this package is their wire, used by their cross-process tests and `steward bench fl`
// and `steward bench bids`.
//
//	POST <prefix><step>   Steward-Signature: v1;…   body: the step's message
//	200                   Steward-Signature: v1;…   body: the answer
//	4xx                   {"error": {"code": "...", "message": "..."}}
package partnerlink

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/stewardhq/steward/internal/partner"
)

// MethodResponse is the method a response's signature covers.
const MethodResponse = "RESPONSE"

// HandleFunc handles one step of a protocol for the verified peer and returns its answer.
type HandleFunc func(ctx context.Context, peer partner.Peer, step string, body []byte) ([]byte, error)

// Handler serves POST <prefix><step>: it refuses an unsigned or badly signed call (401), a
// body over maxBody (413), and maps the protocol's error to 400 (409 when the error says
// it is out of turn via ErrConflict), with the JSON error envelope.
func Handler(prefix string, self *partner.Signer, v *partner.Verifier, maxBody int64, h HandleFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) {
			writeErr(w, http.StatusNotFound, "not_found", "no such step")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeErr(w, http.StatusRequestEntityTooLarge, "too_large", "the message is larger than this step takes")
			return
		}
		peer, err := v.Verify(r.Context(), r.Header.Get(partner.HeaderName), partner.Request{Method: r.Method, Path: r.URL.RequestURI(), Body: body})
		if err != nil {
			writeErr(w, http.StatusUnauthorized, "partner_signature", err.Error())
			return
		}
		out, err := h(r.Context(), peer, strings.TrimPrefix(r.URL.Path, prefix), body)
		if err != nil {
			code := http.StatusBadRequest
			if errors.Is(err, ErrConflict) {
				code = http.StatusConflict
			}
			writeErr(w, code, "protocol", err.Error())
			return
		}
		sig, err := self.Sign(peer.Key, partner.Request{Method: MethodResponse, Path: r.URL.RequestURI(), Body: out})
		if err != nil {
			writeErr(w, http.StatusInternalServerError, "internal", "sign answer")
			return
		}
		w.Header().Set(partner.HeaderName, sig)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(out)
	})
}

// ErrConflict marks a protocol error meaning "not now" (a step out of turn).
var ErrConflict = errors.New("step out of turn")

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// Client calls one peer.
type Client struct {
	URL      string // the peer's base URL, e.g. http://127.0.0.1:8081
	Prefix   string // e.g. /partner/fl/
	Signer   *partner.Signer
	Peer     ed25519.PublicKey
	Verifier *partner.Verifier // verifies the peer's answers (Self: our own key)
	HTTP     *http.Client      // nil: http.DefaultClient
	MaxBody  int64             // largest answer read; 0: 64 MiB
}

// Call sends body to step and returns the verified answer.
func (c *Client) Call(ctx context.Context, step string, body []byte) ([]byte, error) {
	path := c.Prefix + step
	sig, err := c.Signer.Sign(c.Peer, partner.Request{Method: http.MethodPost, Path: path, Body: body})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set(partner.HeaderName, sig)
	req.Header.Set("Content-Type", "application/octet-stream")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", step, err)
	}
	defer resp.Body.Close()
	max := c.MaxBody
	if max <= 0 {
		max = 64 << 20
	}
	out, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", step, err)
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("call %s: answer larger than %d bytes", step, max)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("call %s: %s: %s", step, resp.Status, bytes.TrimSpace(out))
	}
	p, err := c.Verifier.Verify(ctx, resp.Header.Get(partner.HeaderName), partner.Request{Method: MethodResponse, Path: path, Body: out})
	if err != nil {
		return nil, fmt.Errorf("call %s: answer: %w", step, err)
	}
	if !p.Key.Equal(c.Peer) {
		return nil, fmt.Errorf("call %s: answer signed by another partner", step)
	}
	return out, nil
}

// Peers is a fixed set of pinned partners (tests, benchmarks; the product's store pins
// partners through pairing).
type Peers struct {
	mu sync.RWMutex
	m  map[string]partner.Peer
}

// NewPeers pins each key as an active partner named by id.
func NewPeers(keys map[string]ed25519.PublicKey) *Peers {
	p := &Peers{m: map[string]partner.Peer{}}
	for id, k := range keys {
		p.m[partner.KeyID(k)] = partner.Peer{ID: id, Key: k, Status: partner.StatusActive}
	}
	return p
}

// PeerByKey implements partner.Peers.
func (p *Peers) PeerByKey(_ context.Context, keyID string) (partner.Peer, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if v, ok := p.m[keyID]; ok {
		return v, nil
	}
	return partner.Peer{}, partner.ErrUnknownPeer
}

// NewVerifier returns a verifier for calls (or answers) addressed to self from peers.
func NewVerifier(self ed25519.PublicKey, peers *Peers) (*partner.Verifier, error) {
	return partner.NewVerifier(partner.VerifierConfig{Self: self, Peers: peers, Nonces: partner.NewMemoryNonces(1<<16, nil)})
}
