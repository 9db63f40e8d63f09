package collect

import (
	"bytes"
	"encoding/json"

	"github.com/stewardhq/steward/internal/collect/segmentspec"
	"github.com/stewardhq/steward/internal/store"
)

// contactsOf appends the blind indexes of the email address and phone number an identify
// message's kept body holds (issue 18 item 1), so an operator can find the person by
// either: an exact match on a keyed digest, never a scan of plaintext. Only what the gate
// kept is indexed — a trait stripped for want of a purpose leaves no trace — and a value
// that does not normalise (the vault's rules, as for every index) is skipped.
func (c *Collector) contactsOf(out []store.IdentityLink, m *segmentspec.Message, kept []byte, subjectID string) []store.IdentityLink {
	if m.Type != segmentspec.TypeIdentify || (m.Traits["email"] == nil && m.Traits["phone"] == nil) {
		return out
	}
	if !bytes.Contains(kept, []byte(`"email"`)) && !bytes.Contains(kept, []byte(`"phone"`)) {
		return out
	}
	var body struct {
		Traits struct {
			Email any `json:"email"`
			Phone any `json:"phone"`
		} `json:"traits"`
	}
	if json.Unmarshal(kept, &body) != nil {
		return out
	}
	for _, f := range []struct {
		kind string
		v    any
	}{{store.IdentityEmail, body.Traits.Email}, {store.IdentityPhone, body.Traits.Phone}} {
		s, ok := f.v.(string)
		if !ok || s == "" {
			continue
		}
		h, err := c.cfg.Index.Index(f.kind, s)
		if err != nil {
			continue
		}
		out = append(out, store.IdentityLink{Key: store.IdentityKey{Kind: f.kind, Hash: string(h)}, SubjectID: subjectID, CreatedAt: m.ReceivedAt})
	}
	return out
}
