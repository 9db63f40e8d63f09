package channel

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Message is one rendered message, ready for a channel. The campaign engine renders the
// text (with the ad label, the sender and the "why you got this" link already in it) and
// sets the same facts as fields, so structured channels carry them too.
type Message struct {
	// ID is the message's idempotency key: the same on every retry, so the receiver can
	// drop duplicates (webhook Idempotency-Key; email Message-ID).
	ID         string
	CampaignID string
	// RecipientID is the person's id in the receiving system (webhooks); Email their
	// address (email).
	RecipientID string
	Email       string
	Subject     string
	Body        string
	// Ad: the message advertises (label shown); Label is its text (广告 or Ad).
	Ad     bool
	Label  string
	Sender string
	// WhyURL says why the person received it; UnsubscribeURL objects to direct marketing
	// in one click (RFC 8058 for email).
	WhyURL         string
	UnsubscribeURL string
	Personalised   bool
	Locale         string
}

// Sender delivers messages. Send returns one error per message, in order: nil for
// delivered, an error wrapping ErrPermanent when retrying cannot help, any other error
// for a transient failure the engine retries later.
type Sender interface {
	Send(ctx context.Context, msgs []Message) []error
}

// ErrPermanent marks a failure that retrying cannot mend (the receiver refused the
// message, the address is invalid): the message is dead-lettered at once.
var ErrPermanent = errors.New("permanent failure")

// Backoff returns the delay before retry number attempt (1 for the first retry):
// exponential from base, capped at max, with "equal jitter" (half fixed, half random) so
// that receivers recovering from an outage are not hit by every retry at once.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}
