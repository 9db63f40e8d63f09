package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Act names a kind of processing act recorded in the ledger.
type Act string

// The processing acts the ledger records.
const (
	ActConsentChange  Act = "consent_change"
	ActRead           Act = "read"
	ActExport         Act = "export"
	ActActivation     Act = "activation"
	ActErasure        Act = "erasure"
	ActRightsStep     Act = "rights_step"
	ActOperatorSignin Act = "operator_signin"
	ActKeyRotation    Act = "key_rotation"
	ActManifestChange Act = "manifest_change"
	ActDPQuery        Act = "dp_query"
	// ActTagDeleted: a person deleted a tag about themselves.
	ActTagDeleted Act = "tag_deleted"
	// ActDefinitionChange: an operator defined or removed a tag or segment.
	ActDefinitionChange Act = "definition_change"
)

// Leaf is one ledger entry. Subject is a keyed pseudonym, never a raw id.
// Seq is the leaf's own index, so deletions, insertions and reorderings show
// up at the first leaf whose stored position disagrees with it.
type Leaf struct {
	Seq        uint64            `json:"seq"`
	Time       time.Time         `json:"time"`
	Act        Act               `json:"act"`
	Subject    string            `json:"subject,omitempty"`
	Actor      string            `json:"actor"`
	Purpose    string            `json:"purpose,omitempty"`
	Categories []string          `json:"categories,omitempty"`
	LegalBasis string            `json:"legal_basis,omitempty"`
	Recipient  string            `json:"recipient,omitempty"`
	Detail     map[string]string `json:"detail,omitempty"`
}

// Canonical returns the leaf as canonical JSON: keys sorted, no insignificant
// whitespace. Going through a map makes encoding/json sort every key.
func (l Leaf) Canonical() ([]byte, error) {
	if l.Act == "" {
		return nil, errors.New("audit leaf: empty act")
	}
	if l.Actor == "" {
		return nil, errors.New("audit leaf: empty actor")
	}
	b, err := json.Marshal(l)
	if err != nil {
		return nil, fmt.Errorf("audit leaf: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("audit leaf: %w", err)
	}
	// Time is rendered in UTC so the same instant always has the same bytes.
	m["time"] = l.Time.UTC().Format(time.RFC3339Nano)
	return json.Marshal(m)
}

// ParseLeaf decodes leaf bytes as stored.
func ParseLeaf(b []byte) (Leaf, error) {
	var l Leaf
	if err := json.Unmarshal(b, &l); err != nil {
		return Leaf{}, fmt.Errorf("audit leaf: %w", err)
	}
	return l, nil
}
