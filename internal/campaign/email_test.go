package campaign_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/campaign/channel"
)

// smtpServer is a real SMTP server (go-smtp) on loopback that keeps what it receives.
type smtpServer struct {
	mu   sync.Mutex
	msgs [][]byte
	rcpt []string
}

func (b *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }

type smtpSession struct {
	b  *smtpServer
	to string
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if from != "news@shop.example" {
		return &smtp.SMTPError{Code: 550, Message: "unknown sender"}
	}
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(to, "@invalid.example") {
		return &smtp.SMTPError{Code: 550, Message: "no such user"}
	}
	s.to = to
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, b)
	s.b.rcpt = append(s.b.rcpt, s.to)
	s.b.mu.Unlock()
	return nil
}

func startSMTP(t *testing.T) (*smtpServer, string) {
	be := &smtpServer{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return be, ln.Addr().String()
}

// The one-click unsubscribe link in an email sent over real SMTP records an objection to
// direct marketing (RFC 8058; PT-07), after which no marketing message is sent.
func TestUnsubscribeRecordsObjection(t *testing.T) {
	be, addr := startSMTP(t)
	em, err := channel.NewEmail(channel.EmailConfig{Addr: addr, From: "news@shop.example", FromName: "Demo Shop 小店"})
	if err != nil {
		t.Fatal(err)
	}
	var unsub http.Handler
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { unsub.ServeHTTP(w, r) }))
	defer web.Close()
	clk := &clock{t: time.Date(2026, 5, 1, 4, 0, 0, 0, time.UTC)} // noon in Shanghai
	h := newHarness(t, harnessOpts{clock: clk, channels: map[string]channel.Sender{"email": em}, unsubURL: web.URL + "/u"})
	unsub = channel.UnsubscribeHandler(h.svc.Unsubscribe)
	ctx := context.Background()
	h.elig.set("eve", person{consent: true, email: "eve@mail.example", tz: "Asia/Shanghai"})
	h.elig.set("bad", person{consent: true, email: "bad@invalid.example", tz: "Asia/Shanghai"})
	h.define(t, `{"id": "news", "purpose": "marketing.communications.email", "audience": {"segment": "all"},
		"channel": {"type": "email"}, "sender": "Demo Shop",
		"content": {"plain": {"subject": "春季促销", "body": "全场八折。"}},
		"schedule": {"kind": "once", "at": "2026-05-01T10:00:00Z"}}`)
	b, err := h.svc.DeliverBatch(ctx, campaign.DeliverArgs{Campaign: "news", Run: "r1", Batch: "b", Step: -1, Subjects: []string{"eve", "bad"}}, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if b.Delivered != 1 || b.Dead != 1 {
		t.Fatalf("batch = %+v; want eve delivered, the refused address dead-lettered at once", b)
	}
	if len(be.msgs) != 1 || be.rcpt[0] != "eve@mail.example" {
		t.Fatalf("server got %d messages for %v", len(be.msgs), be.rcpt)
	}
	m, err := mail.ReadMessage(bytes.NewReader(be.msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if subject != "【广告】春季促销" || !strings.Contains(string(body), "发送方：Demo Shop") || !strings.Contains(string(body), "为什么收到这条信息：https://shop.example/privacy/why?m=msg_") {
		t.Fatalf("subject %q body %q: want the ad label, the sender and the why link", subject, body)
	}
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post = %q", got)
	}
	if !strings.HasPrefix(m.Header.Get("Message-Id"), "<msg_") {
		t.Fatalf("Message-ID = %q", m.Header.Get("Message-Id"))
	}
	link := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(link, web.URL+"/u?t=v2.") || !strings.Contains(string(body), link) {
		t.Fatalf("List-Unsubscribe = %q (and in the body)", link)
	}
	// A link scanner's GET does not unsubscribe.
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || h.elig.people["eve"].objected {
		t.Fatalf("GET: status %d, objected %v", resp.StatusCode, h.elig.people["eve"].objected)
	}
	// A forged token is refused.
	u, _ := url.Parse(link)
	tok := u.Query().Get("t")
	forged := web.URL + "/u?t=" + url.QueryEscape(tok[:len(tok)-2]+"AA")
	resp, _ = http.Post(forged, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	resp.Body.Close()
	if resp.StatusCode != 400 || h.elig.people["eve"].objected {
		t.Fatalf("forged token: status %d, objected %v", resp.StatusCode, h.elig.people["eve"].objected)
	}
	// The mail client's one-click POST records the objection.
	resp, err = http.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !h.elig.people["eve"].objected {
		t.Fatalf("one-click POST: status %d, objected %v", resp.StatusCode, h.elig.people["eve"].objected)
	}
	b, _ = h.svc.DeliverBatch(ctx, campaign.DeliverArgs{Campaign: "news", Run: "r2", Batch: "b", Step: -1, Subjects: []string{"eve"}}, 1, 4)
	if b.Delivered != 0 || b.Skipped["objected_direct_marketing"] != 1 || len(be.msgs) != 1 {
		t.Fatalf("after unsubscribing: %+v, %d emails", b, len(be.msgs))
	}
}
