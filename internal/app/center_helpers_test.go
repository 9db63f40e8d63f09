package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"github.com/stewardhq/steward/internal/app"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/browsertest"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/config"
)

// startAppWith is startApp with the configuration tuned first (SMTP, webhooks).
func startAppWith(t *testing.T, tune func(*config.Config)) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	tune(&cfg)
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	tok, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.AdminTokenFile))
	key, _ := os.ReadFile(filepath.Join(cfg.DataDir, auth.WriteKeyFile))
	return &running{app: a, base: "http://" + ln.Addr().String(), admin: strings.TrimSpace(string(tok)), key: strings.TrimSpace(string(key))}
}

// hook is the shop's backend: a real HTTP server on loopback that verifies each notice's
// signature as a shop would (channel.Verify) and refuses the unsigned or forged.
type hook struct {
	*httptest.Server
	secret []byte
	mu     sync.Mutex
	got    []hookNotice
	bad    int
	fail   int // answer 500 to this many valid deliveries first
	tries  map[string]int
}

type hookNotice struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Request struct {
		ID, Type, State, Jurisdiction, Origin string
		UserID                                string `json:"user_id"`
		Deadline                              time.Time
		Extended                              bool
	} `json:"request"`
	Key   string
	Event string
}

func newHook(t *testing.T, secret string) *hook {
	h := &hook{secret: []byte(secret), tries: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := channel.Verify(h.secret, body, r.Header.Get("Steward-Signature"), time.Now(), 5*time.Minute); err != nil {
			h.mu.Lock()
			h.bad++
			h.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var n hookNotice
		json.Unmarshal(body, &n)
		n.Key, n.Event = r.Header.Get("Idempotency-Key"), r.Header.Get("Steward-Event")
		h.mu.Lock()
		defer h.mu.Unlock()
		h.tries[n.ID]++
		if h.fail > 0 {
			h.fail--
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		h.got = append(h.got, n)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

// wait returns the notices received once one satisfies ok.
func (h *hook) wait(t *testing.T, what string, ok func(hookNotice) bool) hookNotice {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		for _, n := range h.got {
			if ok(n) {
				h.mu.Unlock()
				return n
			}
		}
		h.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the shop's backend never heard: %s (got %+v)", what, h.got)
	return hookNotice{}
}

// mailbox is a real SMTP server (github.com/emersion/go-smtp) on loopback that keeps what
// it receives.
type mailbox struct {
	Addr string
	mu   sync.Mutex
	msgs []received
}

type received struct {
	From, To, Subject, Body string
}

type mailSession struct {
	box      *mailbox
	from, to string
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(m.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, received{From: s.from, To: s.to, Subject: subject, Body: string(b)})
	s.box.mu.Unlock()
	return nil
}

func newMailbox(t *testing.T) *mailbox {
	box := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: box}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	box.Addr = ln.Addr().String()
	return box
}

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// code waits for the newest mail to an address and returns the code in it.
func (b *mailbox) code(t *testing.T, to string, seen int) (string, received) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		var mine []received
		for _, m := range b.msgs {
			if m.To == to {
				mine = append(mine, m)
			}
		}
		b.mu.Unlock()
		if len(mine) > seen {
			m := mine[len(mine)-1]
			if c := sixDigits.FindStringSubmatch(m.Subject); c != nil {
				return c[1], m
			}
			return "", m
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no mail to %s", to)
	return "", received{}
}

// shoot takes the acceptance screenshots of the page as it stands: 1400×1000 and 390×844.
func shoot(t *testing.T, p page, name string) {
	t.Helper()
	browsertest.Screenshot(t, p.ctx, name+"-1400", 1400, 1000)
	browsertest.Screenshot(t, p.ctx, name+"-390", 390, 844)
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(1400, 1000)); err != nil {
		t.Fatal(err)
	}
}

// audiencePreview previews a segment expression for a purpose: "size" and each exclusion
// reason's count.
func (r *running) audiencePreview(t *testing.T, expression, purpose string) map[string]int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"expression": expression, "purpose": purpose})
	status, out := r.call(t, "POST", "/api/v1/segments/preview", r.admin, string(body))
	if status != 200 {
		t.Fatalf("preview: %d %s", status, out)
	}
	var p struct {
		Size     int
		Excluded []struct {
			Reason string
			Count  int
		}
	}
	json.Unmarshal(out, &p)
	m := map[string]int{"size": p.Size}
	for _, x := range p.Excluded {
		m[x.Reason] = x.Count
	}
	return m
}
