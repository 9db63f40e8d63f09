package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// PostBatch posts one batch, retrying while the server asks it to (429) or briefly fails,
// as Segment's clients do.
func PostBatch(ctx context.Context, client *http.Client, url, key string, body []byte) error {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.SetBasicAuth(key, "")
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err == nil {
			msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
			res.Body.Close()
			switch {
			case res.StatusCode == http.StatusOK:
				return nil
			case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
				err = fmt.Errorf("status %d: %s", res.StatusCode, bytes.TrimSpace(msg))
			default:
				return fmt.Errorf("batch refused: status %d: %s", res.StatusCode, bytes.TrimSpace(msg))
			}
		}
		if attempt >= 8 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
		}
	}
}
