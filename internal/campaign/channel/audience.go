package channel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
)

// NormaliseEmail returns an address as ad platforms match it: trimmed and lower-cased.
func NormaliseEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || strings.ContainsFunc(s, unicode.IsSpace) || strings.Count(s, "@") != 1 {
		return "", errors.New("normalise email: not an address")
	}
	return s, nil
}

// NormalisePhone returns a number in E.164 (+8613812345678): separators dropped, a
// leading 00 read as +, and a number without a country code given defaultCC ("86").
func NormalisePhone(s, defaultCC string) (string, error) {
	s = strings.TrimSpace(s)
	var digits strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", fmt.Errorf("normalise phone: unexpected %q", r)
		}
	}
	d := digits.String()
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	default:
		d = strings.TrimPrefix(d, "0") // national trunk prefix
		d = defaultCC + d
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", errors.New("normalise phone: not an E.164 number")
	}
	return "+" + d, nil
}

// Hash returns the lower-case hex SHA-256 of a normalised identifier: the form ad
// platforms accept for customer-list matching.
func Hash(normalised string) string {
	sum := sha256.Sum256([]byte(normalised))
	return hex.EncodeToString(sum[:])
}

// Delta returns what to add to and remove from the synced set to make it the wanted set.
// Both inputs may be unsorted and hold duplicates; outputs are sorted.
func Delta(synced, wanted []string) (add, remove []string) {
	s := slices.Compact(slices.Sorted(slices.Values(synced)))
	w := slices.Compact(slices.Sorted(slices.Values(wanted)))
	i, j := 0, 0
	for i < len(s) || j < len(w) {
		switch {
		case j == len(w) || (i < len(s) && s[i] < w[j]):
			remove = append(remove, s[i])
			i++
		case i == len(s) || w[j] < s[i]:
			add = append(add, w[j])
			j++
		default:
			i++
			j++
		}
	}
	return add, remove
}

// AudiencePlatform receives audience deltas for a destination (an ad platform's customer
// list). Adding a hash present, or removing one absent, must be harmless.
type AudiencePlatform interface {
	SyncAudience(ctx context.Context, destination string, add, remove []string) error
}

// AudienceWebhook sends deltas as one signed JSON POST per sync, the shape a connector to
// a platform's customer-list API takes:
// {"destination": "...", "add": [sha256...], "remove": [sha256...]}.
type AudienceWebhook struct {
	URL    string
	Secret []byte
	Client *http.Client
	Now    func() time.Time
}

// SyncAudience implements AudiencePlatform.
func (a *AudienceWebhook) SyncAudience(ctx context.Context, destination string, add, remove []string) error {
	body, _ := json.Marshal(map[string]any{"destination": destination, "add": nonNil(add), "remove": nonNil(remove)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("audience sync: %w", err)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	client := a.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderSignature, Sign(a.Secret, body, now()))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("audience sync: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("audience sync: http %d", resp.StatusCode)
	}
	return nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
