package consent

import (
	"context"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/store"
)

// Separate consent (单独同意, PIPL Arts. 23, 29, 39): sharing with a third party, transfer
// abroad, sensitive data. It is its own act, asked on its own, naming the recipient — its
// name, contact, what it receives and how — and the record keeps the recipient and the
// notice shown. Bundled signals ("accept all", a consent manager's category flag) never grant
// it; withdrawing needs no ceremony.

// ErrSeparateConsent: a grant of a purpose that needs separate consent without naming a
// declared recipient that serves it.
var ErrSeparateConsent = errors.New("consent: a separate consent names a recipient that serves the purpose")

// RecipientView is a recipient as a separate consent names it.
type RecipientView struct {
	Name       string   `json:"name"`
	Contact    string   `json:"contact"`
	Method     string   `json:"method"`
	Countries  []string `json:"countries"`
	Categories []string `json:"categories"`
}

// SeparateRecords builds the records of one separate consent: the purpose, and — when the
// purpose hands data to the recipient (sharing, selling) — the consent naming the recipient
// that the policy checks before any share with it. Evidence names the recipient as shown.
func (l *Ledger) SeparateRecords(subjectID, purpose, recipient string, granted bool, m Meta) ([]store.ConsentRecord, error) {
	if l.cfg.Regime == nil {
		return nil, ErrSeparateConsent
	}
	r := l.cfg.Regime()
	p, ok := r.Purpose(purpose)
	if !ok || !p.SeparateConsent {
		return nil, fmt.Errorf("%w: %q is not a purpose that needs separate consent", ErrSeparateConsent, purpose)
	}
	rc, ok := r.Manifest().Recipient(recipient)
	if !ok || !rc.Serves(purpose) {
		return nil, fmt.Errorf("%w: %q does not receive data for %s", ErrSeparateConsent, recipient, purpose)
	}
	ev := map[string]any{"separate": true, "recipient": RecipientView{Name: rc.Name, Contact: rc.Contact, Method: rc.Method,
		Countries: rc.Countries, Categories: rc.Categories}}
	if extra, ok := m.Evidence.(map[string]any); ok {
		for k, v := range extra {
			ev[k] = v
		}
	}
	m.Evidence = ev
	choices := []Choice{{Key: purpose, Granted: granted}}
	if purpose == "third_party_sharing" || p.SaleShare {
		choices = append(choices, Choice{Key: policy.RecipientConsent(recipient), Granted: granted})
	}
	return l.Records(subjectID, choices, m)
}

// Separate records a separate consent made in the privacy center (or by an operator with
// evidence), or its withdrawal.
func (l *Ledger) Separate(ctx context.Context, subjectID, purpose, recipient string, granted bool, m Meta) error {
	recs, err := l.SeparateRecords(subjectID, purpose, recipient, granted, m)
	if err != nil {
		return err
	}
	_, err = l.append(ctx, subjectID, recs)
	return err
}
