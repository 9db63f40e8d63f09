package rights

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mailer sends one plain-text email (the visitor's one-time code and receipt).
type Mailer interface {
	Mail(ctx context.Context, to, subject, body string) error
}

// SMTPConfig configures the SMTP mailer.
type SMTPConfig struct {
	// Addr is the SMTP server, host:port.
	Addr string
	// From is the sender address; FromName its display name (the shop's name).
	From     string
	FromName string
	// Username and Password authenticate (SASL PLAIN), only over TLS or to a loopback
	// server: a password is never sent in clear over a network.
	Username, Password string
	// TLS is "starttls" (use STARTTLS when offered, the default), "require" (refuse a
	// server without STARTTLS), "implicit" (TLS from the first byte, port 465) or "none".
	TLS string
	// Timeout bounds one message's connection (default 20 s).
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (tests trust their own certificate with it).
	TLSConfig *tls.Config
}

// SMTPMailer sends mail through an SMTP server with github.com/emersion/go-smtp: one
// connection per message (codes are rare; a pool would only hold idle connections).
type SMTPMailer struct{ cfg SMTPConfig }

// NewSMTP checks the configuration and returns a mailer.
func NewSMTP(cfg SMTPConfig) (*SMTPMailer, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: addr %q: want host:port", cfg.Addr)
	}
	if !plainAddress(cfg.From) {
		return nil, fmt.Errorf("smtp: from %q is not an email address", cfg.From)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = "starttls"
	case "starttls", "require", "implicit", "none":
	default:
		return nil, fmt.Errorf("smtp: tls %q: want starttls, require, implicit or none", cfg.TLS)
	}
	if cfg.Username != "" && cfg.TLS == "none" && !loopback(host) {
		return nil, errors.New("smtp: a password is sent only over TLS (or to a loopback server): set tls to starttls, require or implicit")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Second
	}
	return &SMTPMailer{cfg: cfg}, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// plainAddress accepts a bare address: no display name, brackets, spaces or line breaks
// (nothing a header could be smuggled in with).
func plainAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && len(a) <= 254 && !strings.ContainsAny(a, "<>()[],;:\\\"\r\n\t ")
}

// Mail implements Mailer.
func (m *SMTPMailer) Mail(ctx context.Context, to, subject, body string) error {
	if !plainAddress(to) {
		return fmt.Errorf("smtp: the recipient is not an email address")
	}
	host, _, _ := net.SplitHostPort(m.cfg.Addr)
	tc := m.cfg.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	c, secure, err := m.dial(ctx, tc)
	if err != nil {
		return err
	}
	defer c.Close()
	if m.cfg.Username != "" {
		if !secure && !loopback(host) {
			return errors.New("smtp: the server offered no TLS; the password is not sent")
		}
		if err := c.Auth(sasl.NewPlainClient("", m.cfg.Username, m.cfg.Password)); err != nil {
			return fmt.Errorf("smtp: auth: %w", err)
		}
	}
	if err := c.SendMail(m.cfg.From, []string{to}, bytes.NewReader(m.render(to, subject, body))); err != nil {
		return fmt.Errorf("smtp: send: %w", err)
	}
	return c.Quit()
}

// dial connects as the TLS setting says. With "starttls" the server is asked first
// whether it offers STARTTLS (go-smtp upgrades a connection only as it opens it).
func (m *SMTPMailer) dial(ctx context.Context, tc *tls.Config) (*smtp.Client, bool, error) {
	d := net.Dialer{Timeout: m.cfg.Timeout}
	connect := func() (net.Conn, error) {
		var conn net.Conn
		var err error
		if m.cfg.TLS == "implicit" {
			conn, err = (&tls.Dialer{NetDialer: &d, Config: tc}).DialContext(ctx, "tcp", m.cfg.Addr)
		} else {
			conn, err = d.DialContext(ctx, "tcp", m.cfg.Addr)
		}
		if err != nil {
			return nil, fmt.Errorf("smtp: dial: %w", err)
		}
		conn.SetDeadline(time.Now().Add(m.cfg.Timeout))
		return conn, nil
	}
	conn, err := connect()
	if err != nil {
		return nil, false, err
	}
	switch m.cfg.TLS {
	case "implicit":
		return smtp.NewClient(conn), true, nil
	case "none":
		return smtp.NewClient(conn), false, nil
	case "starttls":
		probe := smtp.NewClient(conn)
		if err := probe.Hello("localhost"); err != nil {
			probe.Close()
			return nil, false, fmt.Errorf("smtp: hello: %w", err)
		}
		if ok, _ := probe.Extension("STARTTLS"); !ok {
			return probe, false, nil
		}
		probe.Quit()
		if conn, err = connect(); err != nil {
			return nil, false, err
		}
	}
	c, err := smtp.NewClientStartTLS(conn, tc)
	if err != nil {
		return nil, false, fmt.Errorf("smtp: starttls: %w", err)
	}
	return c, true, nil
}

// render writes the message in RFC 5322 form: UTF-8 text, quoted-printable, the subject
// and the sender's name encoded (RFC 2047) so Chinese survives every hop.
func (m *SMTPMailer) render(to, subject, body string) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	from := m.cfg.From
	if m.cfg.FromName != "" {
		from = mime.QEncoding.Encode("utf-8", m.cfg.FromName) + " <" + m.cfg.From + ">"
	}
	h("From", from)
	h("To", "<"+to+">")
	h("Subject", mime.QEncoding.Encode("utf-8", subject))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+newID("rm_")+"@"+m.cfg.From[strings.LastIndexByte(m.cfg.From, '@')+1:]+">")
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="utf-8"`)
	h("Content-Transfer-Encoding", "quoted-printable")
	// A transactional message: no auto-replies back, please.
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}
