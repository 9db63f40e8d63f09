package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/stewardhq/steward/internal/config"
)

// addNotifyFlags adds the SMTP and rights-webhook settings to serve and demo. Secrets are
// never flags (a process list shows flags): they come from the environment or a file.
func addNotifyFlags(fs *flag.FlagSet, cfg *config.Config) {
	n := &cfg.Notify
	fs.StringVar(&n.SMTPAddr, "smtp-addr", n.SMTPAddr, "SMTP server (host:port) that sends visitors their one-time code; empty leaves the public request form off [STEWARD_SMTP_ADDR]")
	fs.StringVar(&n.SMTPFrom, "smtp-from", n.SMTPFrom, "sender address of those emails [STEWARD_SMTP_FROM]")
	fs.StringVar(&n.SMTPUsername, "smtp-username", n.SMTPUsername, "SMTP user; the password comes from STEWARD_SMTP_PASSWORD or --smtp-password-file [STEWARD_SMTP_USERNAME]")
	fs.Func("smtp-password-file", "file holding the SMTP password [STEWARD_SMTP_PASSWORD_FILE]", secretFile(&n.SMTPPassword))
	fs.StringVar(&n.SMTPTLS, "smtp-tls", n.SMTPTLS, "starttls (default), require, implicit or none [STEWARD_SMTP_TLS]")
	fs.StringVar(&n.RightsWebhookURL, "rights-webhook-url", n.RightsWebhookURL, "the shop's backend URL notified of every change of a rights request [STEWARD_RIGHTS_WEBHOOK_URL]")
	fs.Func("rights-webhook-secret-file", "file holding the secret that signs those notices (HMAC-SHA256, at least 16 bytes) [STEWARD_RIGHTS_WEBHOOK_SECRET, _FILE]",
		secretFile(&n.RightsWebhookSecret))
}

func secretFile(dst *string) func(string) error {
	return func(path string) error {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		*dst = strings.TrimSpace(string(b))
		return nil
	}
}
