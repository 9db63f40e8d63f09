// Package channel delivers rendered campaign messages: a signed webhook (HMAC-SHA256 over
// timestamp and body, an Idempotency-Key per message), email over SMTP (RFC 8058 one-click
// unsubscribe headers on every message) and ad-platform audiences (normalised, SHA-256
// hashed email and phone, synced as add/remove deltas). It also serves the one-click
// unsubscribe link as an http.Handler the server mounts.
//
// It is the one part of the campaign engine that speaks network protocols; retries are not
// its business: a Sender reports each message's outcome (nil, transient, or wrapping
// ErrPermanent) and the engine retries transient failures durably on the job queue, with
// Backoff, until it dead-letters them.
//
//	wh, _ := channel.NewWebhook(channel.WebhookConfig{URL: "https://shop.example/hooks/push", Secret: secret})
//	errs := wh.Send(ctx, msgs) // one error per message
//
// A receiver verifies with channel.Verify(secret, body, r.Header.Get(channel.HeaderSignature),
// time.Now(), 5*time.Minute) and drops an Idempotency-Key it has seen.
package channel
