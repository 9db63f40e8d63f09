package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/campaign/channel"
)

// Sink is the demo shop's webhook receiver on loopback: what the shop's own server would
// run to turn campaign messages into app pushes. It verifies every post's signature
// (channel.Verify, with the secret Steward writes to <data>/webhook-secret), keeps one
// message per idempotency key — a redelivered message is acknowledged, not kept twice —
// and prints each new one.
type Sink struct {
	URL string

	srv    *http.Server
	ln     net.Listener
	secret func() []byte
	out    io.Writer

	mu   sync.Mutex
	msgs map[string]channel.WebhookBody
	seen []string // keys in arrival order
	dups int
}

// StartSink listens on addr ("127.0.0.1:0" for any free port). secret is asked for the
// signing secret on each post (Steward writes it when it opens, after the sink started);
// out, when not nil, gets one line per message.
func StartSink(addr string, secret func() []byte, out io.Writer) (*Sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo sink: %w", err)
	}
	s := &Sink{URL: "http://" + ln.Addr().String() + "/campaign-messages", ln: ln, secret: secret, out: out,
		msgs: map[string]channel.WebhookBody{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	sec := s.secret()
	if len(sec) == 0 {
		http.Error(w, "no secret yet", http.StatusServiceUnavailable) // Steward retries
		return
	}
	if err := channel.Verify(sec, b, r.Header.Get(channel.HeaderSignature), time.Now(), 5*time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var m channel.WebhookBody
	if err := json.Unmarshal(b, &m); err != nil {
		http.Error(w, "not a campaign message", http.StatusBadRequest)
		return
	}
	key := r.Header.Get(channel.HeaderIdempotencyKey)
	s.mu.Lock()
	_, dup := s.msgs[key]
	if dup {
		s.dups++
	} else {
		s.msgs[key] = m
		s.seen = append(s.seen, key)
	}
	s.mu.Unlock()
	if !dup && s.out != nil {
		fmt.Fprintf(s.out, "demo shop: message %s for %s (%s): %s\n", key, m.Recipient, m.Campaign, firstLine(m.Body))
	}
	w.WriteHeader(http.StatusNoContent)
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// Messages returns the messages kept, in arrival order.
func (s *Sink) Messages() []channel.WebhookBody {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]channel.WebhookBody, 0, len(s.seen))
	for _, k := range s.seen {
		out = append(out, s.msgs[k])
	}
	return out
}

// ByRecipient returns the messages kept for each recipient (the shop's userId).
func (s *Sink) ByRecipient() map[string][]channel.WebhookBody {
	out := map[string][]channel.WebhookBody{}
	for _, m := range s.Messages() {
		out[m.Recipient] = append(out[m.Recipient], m)
	}
	for _, ms := range out {
		sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	}
	return out
}

// Duplicates counts redelivered messages (same idempotency key) that were not kept again.
func (s *Sink) Duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dups
}

// Close stops the sink.
func (s *Sink) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
