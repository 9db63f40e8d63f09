package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// WebhookPoster posts the notices rights sends the shop's backend (rights knows no HTTP).
// Redirects are not followed: a signed notice goes only where the shop configured.
type WebhookPoster struct {
	Client *http.Client
}

// NewWebhookPoster returns a poster with a 10 s timeout.
func NewWebhookPoster() *WebhookPoster {
	return &WebhookPoster{Client: &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Post implements rights.Poster.
func (p *WebhookPoster) Post(ctx context.Context, url string, header map[string]string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "Steward-Webhook/1")
	res, err := p.Client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	return res.StatusCode, nil
}
