package channel_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/campaign/channel"
)

func TestSignVerify(t *testing.T) {
	secret, body, now := []byte("0123456789abcdef"), []byte(`{"id":"m1"}`), time.Unix(1_800_000_000, 0)
	h := channel.Sign(secret, body, now)
	if err := channel.Verify(secret, body, h, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	for name, c := range map[string]struct {
		secret, body []byte
		header       string
		at           time.Time
	}{
		"tampered body": {secret, []byte(`{"id":"m2"}`), h, now},
		"wrong secret":  {[]byte("another secret!!"), body, h, now},
		"replayed late": {secret, body, h, now.Add(10 * time.Minute)},
		"garbage":       {secret, body, "t=x,v1=", now},
		"empty":         {secret, body, "", now},
	} {
		if err := channel.Verify(c.secret, c.body, c.header, c.at, 5*time.Minute); !errors.Is(err, channel.ErrBadSignature) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt <= 12; attempt++ {
		d := channel.Backoff(attempt, time.Second, time.Minute)
		ceil := min(time.Second<<(attempt-1), time.Minute)
		if d < ceil/2 || d > ceil {
			t.Errorf("attempt %d: %v outside [%v, %v]", attempt, d, ceil/2, ceil)
		}
	}
}

// 2xx delivers; 408/409/429/5xx and network errors are transient; other 4xx are permanent.
func TestWebhookOutcomes(t *testing.T) {
	codes := map[string]int{"ok": 204, "busy": 503, "slow": 429, "bad": 400, "gone": 410}
	var gotKey string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKey = r.Header.Get(channel.HeaderIdempotencyKey)
		w.WriteHeader(codes[gotKey])
	}))
	defer srv.Close()
	wh, err := channel.NewWebhook(channel.WebhookConfig{URL: srv.URL, Secret: []byte("0123456789abcdef"), Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	errs := wh.Send(context.Background(), []channel.Message{{ID: "ok"}, {ID: "busy"}, {ID: "slow"}, {ID: "bad"}, {ID: "gone"}})
	want := []string{"nil", "transient", "transient", "permanent", "permanent"}
	for i, err := range errs {
		got := "nil"
		if err != nil {
			got = "transient"
			if errors.Is(err, channel.ErrPermanent) {
				got = "permanent"
			}
		}
		if got != want[i] {
			t.Errorf("message %d: %v (%s), want %s", i, err, got, want[i])
		}
	}
	srv.Close()
	if errs := wh.Send(context.Background(), []channel.Message{{ID: "ok"}}); errs[0] == nil || errors.Is(errs[0], channel.ErrPermanent) {
		t.Errorf("closed receiver: %v, want a transient error", errs[0])
	}
	if _, err := channel.NewWebhook(channel.WebhookConfig{URL: "ftp://x", Secret: []byte("0123456789abcdef")}); err == nil {
		t.Error("ftp URL accepted")
	}
}
