package channel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhook headers.
const (
	// HeaderSignature carries "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
	HeaderSignature = "Steward-Signature"
	// HeaderIdempotencyKey carries the message id: the same on every retry.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// WebhookConfig configures a webhook channel.
type WebhookConfig struct {
	URL    string
	Secret []byte
	// Client defaults to one with a 10 s timeout.
	Client *http.Client
	// Concurrency bounds parallel posts of one batch (default 16).
	Concurrency int
	// Now is the signing clock (default time.Now).
	Now func() time.Time
}

// Webhook posts each message as JSON, signed, with its idempotency key.
type Webhook struct {
	cfg WebhookConfig
}

// NewWebhook returns a webhook channel.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("webhook: url %q is not http(s)", cfg.URL)
	}
	if len(cfg.Secret) < 16 {
		return nil, errors.New("webhook: secret must be at least 16 bytes")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.Client == nil {
		// net/http keeps only 2 idle connections per host by default: parallel posts to
		// one receiver would open and close a connection each.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 4 * cfg.Concurrency
		cfg.Client = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Webhook{cfg: cfg}, nil
}

// WebhookBody is the JSON a webhook receives.
type WebhookBody struct {
	ID             string `json:"id"`
	Campaign       string `json:"campaign"`
	Recipient      string `json:"recipient"`
	Subject        string `json:"subject,omitempty"`
	Body           string `json:"body"`
	Ad             bool   `json:"ad"`
	Label          string `json:"label,omitempty"`
	Sender         string `json:"sender"`
	WhyURL         string `json:"why_url"`
	UnsubscribeURL string `json:"unsubscribe_url,omitempty"`
	Personalised   bool   `json:"personalised"`
	Locale         string `json:"locale,omitempty"`
}

// WebhookJSON returns the JSON body posted for m.
func (m Message) WebhookJSON() []byte {
	b, _ := json.Marshal(WebhookBody{ID: m.ID, Campaign: m.CampaignID, Recipient: m.RecipientID, Subject: m.Subject, Body: m.Body,
		Ad: m.Ad, Label: m.Label, Sender: m.Sender, WhyURL: m.WhyURL, UnsubscribeURL: m.UnsubscribeURL, Personalised: m.Personalised,
		Locale: m.Locale})
	return b
}

// Sign returns the signature header value for body at t.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// ErrBadSignature reports a webhook signature that does not verify.
var ErrBadSignature = errors.New("webhook: bad signature")

// Verify checks a signature header against body, refusing ones older (or newer) than
// tolerance at now: what a receiver runs.
func Verify(secret, body []byte, header string, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp outside tolerance", ErrBadSignature)
	}
	want := Sign(secret, body, time.Unix(sec, 0))
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+sig)) {
		return ErrBadSignature
	}
	return nil
}

// Send implements Sender: the batch's posts run in parallel, up to Concurrency.
func (w *Webhook) Send(ctx context.Context, msgs []Message) []error {
	errs := make([]error, len(msgs))
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range msgs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = w.post(ctx, msgs[i])
		}()
	}
	wg.Wait()
	return errs
}

func (w *Webhook) post(ctx context.Context, m Message) error {
	body := m.WebhookJSON()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w: %v", ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotencyKey, m.ID)
	req.Header.Set(HeaderSignature, Sign(w.cfg.Secret, body, w.cfg.Now()))
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: post: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout || c == http.StatusConflict || c == http.StatusTooManyRequests || c >= 500:
		return fmt.Errorf("webhook: http %d", c)
	default:
		return fmt.Errorf("webhook: %w: http %d", ErrPermanent, c)
	}
}
