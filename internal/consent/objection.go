package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// ObjectDirectMarketing records that the person objects to direct marketing (GDPR Art.
// 21(3), PIPL Art. 24, PT-07) because they used the unsubscribe link of a message: the
// signal SignalObjectDirectMarketing, set with method store.MethodUnsubscribe and the
// channel that carried the link as evidence. It is a choice like any other: one ledger
// record, one processing act, and the listeners (the profile engine) told at once; every
// marketing send checks it from then on. via names the link's kind ("email_one_click");
// at is when the person clicked (the record's own time is the ledger's clock).
//
// It is what campaign.Objector asks for; a person who already objects is left as is, so a
// second click adds nothing.
func (l *Ledger) ObjectDirectMarketing(ctx context.Context, subjectID string, at time.Time, via string) error {
	st, err := l.State(ctx, subjectID)
	if err != nil {
		return fmt.Errorf("object to direct marketing: %w", err)
	}
	if st.Granted(SignalObjectDirectMarketing) {
		return nil
	}
	_, err = l.Record(ctx, subjectID, []Choice{{Key: SignalObjectDirectMarketing, Granted: true}},
		Meta{Method: store.MethodUnsubscribe, Actor: "subject", Evidence: map[string]string{"via": via, "clicked_at": at.UTC().Format(time.RFC3339)}})
	if err != nil {
		return fmt.Errorf("object to direct marketing: %w", err)
	}
	return nil
}
