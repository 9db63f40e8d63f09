package channel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// EmailConfig configures the SMTP channel.
type EmailConfig struct {
	// Addr is the SMTP server (host:port).
	Addr string
	// From is the envelope and header sender address; FromName its display name.
	From     string
	FromName string
	// Hello is the name sent in EHLO (default "localhost").
	Hello string
	// Auth, when set, authenticates after STARTTLS (net/smtp refuses PLAIN auth without
	// TLS except to localhost).
	Auth smtp.Auth
	// RequireTLS refuses servers that do not offer STARTTLS.
	RequireTLS bool
	// MessageIDDomain is the right-hand side of Message-ID (default From's domain).
	MessageIDDomain string
	// Timeout bounds one batch's connection (default 30 s).
	Timeout time.Duration
	// Now stamps the Date header (default time.Now).
	Now func() time.Time
}

// Email delivers messages over SMTP: one connection per batch, one transaction per
// message. Every message carries RFC 8058 one-click unsubscribe headers, and a Message-ID
// derived from the message id, so a retried message is recognisably the same one.
type Email struct {
	cfg EmailConfig
}

// NewEmail returns an SMTP channel.
func NewEmail(cfg EmailConfig) (*Email, error) {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("email: addr: %w", err)
	}
	at := strings.LastIndexByte(cfg.From, '@')
	if at < 1 || strings.ContainsAny(cfg.From, "<>\r\n ") {
		return nil, fmt.Errorf("email: from %q is not an address", cfg.From)
	}
	if cfg.Hello == "" {
		cfg.Hello = "localhost"
	}
	if cfg.MessageIDDomain == "" {
		cfg.MessageIDDomain = cfg.From[at+1:]
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Email{cfg: cfg}, nil
}

// Send implements Sender.
func (e *Email) Send(ctx context.Context, msgs []Message) []error {
	errs := make([]error, len(msgs))
	fail := func(err error) []error {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return errs
	}
	d := net.Dialer{Timeout: e.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", e.cfg.Addr)
	if err != nil {
		return fail(fmt.Errorf("email: dial: %w", err))
	}
	conn.SetDeadline(time.Now().Add(e.cfg.Timeout))
	host, _, _ := net.SplitHostPort(e.cfg.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fail(fmt.Errorf("email: %w", err))
	}
	defer c.Close()
	if err := c.Hello(e.cfg.Hello); err != nil {
		return fail(fmt.Errorf("email: hello: %w", err))
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(nil); err != nil {
			return fail(fmt.Errorf("email: starttls: %w", err))
		}
	} else if e.cfg.RequireTLS {
		return fail(fmt.Errorf("email: %s offers no STARTTLS", e.cfg.Addr))
	}
	if e.cfg.Auth != nil {
		if err := c.Auth(e.cfg.Auth); err != nil {
			return fail(fmt.Errorf("email: auth: %w", err))
		}
	}
	for i, m := range msgs {
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			continue
		}
		errs[i] = e.one(c, m)
		if errs[i] != nil {
			if c.Reset() != nil {
				return fail(errs[i])
			}
		}
	}
	c.Quit()
	return errs
}

func (e *Email) one(c *smtp.Client, m Message) error {
	if m.Email == "" || strings.ContainsAny(m.Email, "<>\r\n ") || !strings.Contains(m.Email, "@") {
		return fmt.Errorf("email: %w: no valid address", ErrPermanent)
	}
	if m.UnsubscribeURL == "" {
		// Every marketing email carries a one-click unsubscribe; refuse to send without.
		return fmt.Errorf("email: %w: message has no unsubscribe link", ErrPermanent)
	}
	if err := c.Mail(e.cfg.From); err != nil {
		return smtpErr("mail from", err)
	}
	if err := c.Rcpt(m.Email); err != nil {
		return smtpErr("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr("data", err)
	}
	if _, err := w.Write(e.Render(m)); err != nil {
		w.Close()
		return smtpErr("data", err)
	}
	if err := w.Close(); err != nil {
		return smtpErr("data", err)
	}
	return nil
}

// smtpErr marks 5xx replies permanent: the server refused for good.
func smtpErr(op string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("email: %s: %w: %v", op, ErrPermanent, err)
	}
	return fmt.Errorf("email: %s: %w", op, err)
}

// Render returns the message in RFC 5322 form with the headers Steward sets.
func (e *Email) Render(m Message) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	from := e.cfg.From
	if e.cfg.FromName != "" {
		from = mime.QEncoding.Encode("utf-8", e.cfg.FromName) + " <" + e.cfg.From + ">"
	}
	h("From", from)
	h("To", "<"+m.Email+">")
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", e.cfg.Now().UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+m.ID+"@"+e.cfg.MessageIDDomain+">")
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="utf-8"`)
	h("Content-Transfer-Encoding", "quoted-printable")
	// RFC 8058: a POST to this https URI with the body "List-Unsubscribe=One-Click"
	// unsubscribes without further interaction. (The MTA's DKIM signature must cover
	// both headers, as the RFC requires.)
	h("List-Unsubscribe", "<"+m.UnsubscribeURL+">")
	h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	if m.Ad {
		h("X-Steward-Ad", "1")
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}
