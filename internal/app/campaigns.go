package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/auth"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/campaign/channel"
	"github.com/stewardhq/steward/internal/config"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault/keyring"
)

// WebhookSecretFile, in the data directory, holds the secret campaign webhooks are signed
// with (HMAC-SHA256, channel.Verify): the shop's receiver needs it to check each post.
const WebhookSecretFile = "webhook-secret"

// keyed derives a campaign key from the keyring's index secret, so every node of one
// deployment derives the same key (the holdout stays stable, links sent by one node open
// on another) and nobody without the keyring can.
func keyed(kr keyring.Keyring, label string) []byte {
	m := hmac.New(sha256.New, kr.IndexSecret())
	m.Write([]byte(label))
	return m.Sum(nil)
}

// publicBase is the address people's links point at: the public URL, else the listen
// address.
func publicBase(cfg config.Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimSuffix(cfg.PublicURL, "/")
	}
	return "http://" + cfg.Addr
}

// campaignChannels builds the channels the configuration enables: the webhook (signed with
// a keyring-derived secret, also written to <data>/webhook-secret for the receiver) and
// SMTP email.
func campaignChannels(cfg config.Config, kr keyring.Keyring, sender string) (map[string]channel.Sender, error) {
	out := map[string]channel.Sender{}
	if cfg.WebhookURL != "" {
		secret := hex.EncodeToString(keyed(kr, "steward/campaign-webhook-secret"))
		path := filepath.Join(cfg.DataDir, WebhookSecretFile)
		if b, err := os.ReadFile(path); err != nil || strings.TrimSpace(string(b)) != secret {
			if err := auth.WriteSecretFile(path, secret); err != nil {
				return nil, err
			}
		}
		wh, err := channel.NewWebhook(channel.WebhookConfig{URL: cfg.WebhookURL, Secret: []byte(secret)})
		if err != nil {
			return nil, err
		}
		out[campaign.ChannelWebhook] = wh
	}
	// One SMTP server serves the shop: campaign email and the rights form's codes.
	if cfg.Notify.SMTPAddr != "" {
		em, err := channel.NewEmail(channel.EmailConfig{Addr: cfg.Notify.SMTPAddr, From: cfg.Notify.SMTPFrom, FromName: sender})
		if err != nil {
			return nil, err
		}
		out[campaign.ChannelEmail] = em
	}
	return out, nil
}

// campaignLimits turns the manifest's campaigns section into the engine's limits.
func campaignLimits(m *manifest.Manifest) campaign.Limits {
	c := m.CampaignLimits()
	q := campaign.QuietHours{Start: campaign.Clock(c.QuietHours.Start), End: campaign.Clock(c.QuietHours.End), Action: c.QuietHours.Action}
	return campaign.Limits{Caps: campaign.CapsConfig{PerDay: c.PerDay, ElderlyPerDay: c.ElderlyPerDay}, QuietHours: &q}
}

// campaignDP lets results of definitions that name a privacy budget be released through
// the DP ledger, over the store's budgets.
func campaignDP(st store.Store, rec *audit.Recorder) *campaign.DPConfig {
	pages, ok := st.(store.CampaignMessagePages)
	if !ok {
		return nil
	}
	return &campaign.DPConfig{Budgets: st, Messages: pages, Recorder: rec}
}
