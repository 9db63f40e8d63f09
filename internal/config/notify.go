package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// Notify configures how Steward reaches people and the shop outside the browser (issue 18
// item 4): the SMTP server that sends visitors their one-time code, and the shop's backend
// that hears of every change of a rights request by a signed webhook.
type Notify struct {
	// SMTPAddr is the SMTP server (host:port); empty leaves the public request form off.
	SMTPAddr string
	// SMTPFrom is the sender address of those emails.
	SMTPFrom string
	// SMTPUsername and SMTPPassword authenticate (the password is a secret).
	SMTPUsername string
	SMTPPassword string
	// SMTPTLS is starttls (default), require, implicit or none.
	SMTPTLS string
	// RightsWebhookURL is where the shop's backend receives rights-request notices; empty:
	// none are sent.
	RightsWebhookURL string
	// RightsWebhookSecret signs them (HMAC-SHA256); at least 16 bytes (a secret).
	RightsWebhookSecret string
}

// notifyFromEnv applies the STEWARD_SMTP_* and STEWARD_RIGHTS_WEBHOOK_* variables; each
// secret may come from a file (STEWARD_X_FILE).
func notifyFromEnv(c Config, getenv func(string) string) (Config, error) {
	n := &c.Notify
	for dst, name := range map[*string]string{&n.SMTPAddr: "STEWARD_SMTP_ADDR", &n.SMTPFrom: "STEWARD_SMTP_FROM",
		&n.SMTPUsername: "STEWARD_SMTP_USERNAME", &n.SMTPTLS: "STEWARD_SMTP_TLS", &n.RightsWebhookURL: "STEWARD_RIGHTS_WEBHOOK_URL",
		&n.SMTPPassword: "STEWARD_SMTP_PASSWORD", &n.RightsWebhookSecret: "STEWARD_RIGHTS_WEBHOOK_SECRET"} {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	for dst, name := range map[*string]string{&n.SMTPPassword: "STEWARD_SMTP_PASSWORD_FILE", &n.RightsWebhookSecret: "STEWARD_RIGHTS_WEBHOOK_SECRET_FILE"} {
		if f := getenv(name); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return c, fmt.Errorf("config: %s: %w", name, err)
			}
			*dst = strings.TrimSpace(string(b))
		}
	}
	return c, nil
}

// validate returns every problem of the notify settings.
func (n Notify) validate() []error {
	var errs []error
	if n.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(n.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("smtp addr %q: want host:port", n.SMTPAddr))
		}
		if at := strings.LastIndexByte(n.SMTPFrom, '@'); at < 1 || strings.ContainsAny(n.SMTPFrom, "<>\r\n ") {
			errs = append(errs, fmt.Errorf("smtp from %q: want the sender's email address", n.SMTPFrom))
		}
	}
	switch n.SMTPTLS {
	case "", "starttls", "require", "implicit", "none":
	default:
		errs = append(errs, fmt.Errorf("smtp tls %q: want starttls, require, implicit or none", n.SMTPTLS))
	}
	if n.RightsWebhookURL != "" {
		u, err := url.Parse(n.RightsWebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("rights webhook url %q: want http(s)://host/path", n.RightsWebhookURL))
		}
		if len(n.RightsWebhookSecret) < 16 {
			errs = append(errs, errors.New("rights webhook secret: at least 16 bytes (STEWARD_RIGHTS_WEBHOOK_SECRET or _FILE)"))
		}
	}
	return errs
}
