package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
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
	// ActProfiling: people's data was used to build their profiles for a purpose on a day
	// (one audience leaf per purpose and day, not one per rebuild).
	ActProfiling Act = "profiling"
	// ActSessionMinted: an operator opened a privacy-center session for a person.
	ActSessionMinted Act = "session_minted"
	// ActSuppressionLifted: an operator let an erased person's userId in again.
	ActSuppressionLifted Act = "suppression_lifted"
	// ActIdentityLink: an operator approved (merged) or rejected a held link between two
	// identified people; one leaf per person.
	ActIdentityLink Act = "identity_link"
	// ActAnonymisedRelease: people's data went, generalised to meet k-anonymity (and
	// l-diversity, t-closeness), into an anonymised export (one audience leaf per release).
	ActAnonymisedRelease Act = "anonymised_release"
	// ActCleanRoom: people's blinded match keys (and values) entered a clean-room job with
	// a partner (one audience leaf per job and side; the partner learns counts and sums only).
	ActCleanRoom Act = "clean_room"
	// ActFederatedTraining: people's data trained a model jointly with partners (vertical
	// or horizontal federated learning); one audience leaf per run and side.
	ActFederatedTraining Act = "federated_training"
	// ActFederatedScoring: people were scored by a jointly trained model.
	ActFederatedScoring Act = "federated_scoring"
	// ActBidRanking: people's ad features were encrypted and advertisers' bids on them
	// ranked (one audience leaf per ranking run).
	ActBidRanking Act = "bid_ranking"
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
// whitespace, the time in UTC. The bytes are those of canonicalGeneral; the common case
// is written directly (the round trip through a map was most of an append's CPU), and
// anything unusual (invalid UTF-8, a sequence beyond float64's exact integers, a year
// outside 0000–9999) takes the general path.
func (l Leaf) Canonical() ([]byte, error) {
	if l.Act == "" {
		return nil, errors.New("audit leaf: empty act")
	}
	if l.Actor == "" {
		return nil, errors.New("audit leaf: empty actor")
	}
	if b, ok := l.canonicalFast(); ok {
		return b, nil
	}
	return l.canonicalGeneral()
}

// canonicalGeneral is the definition of the canonical form: encoding/json's struct
// encoding, decoded into a map and encoded again, which sorts every key.
func (l Leaf) canonicalGeneral() ([]byte, error) {
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

// maxExactSeq is the largest sequence the general path renders as itself: the map round
// trip holds numbers as float64.
const maxExactSeq = 1 << 53

// canonicalFast writes the canonical form directly, keys in sorted order, or reports
// that the leaf needs the general path.
func (l Leaf) canonicalFast() ([]byte, bool) {
	if l.Seq > maxExactSeq || l.Time.Year() < 0 || l.Time.Year() > 9999 {
		return nil, false
	}
	b := make([]byte, 0, 256)
	var ok bool
	str := func(key, v string, omitEmpty bool) bool {
		if omitEmpty && v == "" {
			return true
		}
		b = append(b, key...)
		b, ok = appendJSONString(b, v)
		return ok
	}
	if !str(`{"act":`, string(l.Act), false) || !str(`,"actor":`, l.Actor, false) {
		return nil, false
	}
	if len(l.Categories) > 0 {
		b = append(b, `,"categories":[`...)
		for i, c := range l.Categories {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendJSONString(b, c); !ok {
				return nil, false
			}
		}
		b = append(b, ']')
	}
	if len(l.Detail) > 0 {
		keys := make([]string, 0, len(l.Detail))
		for k := range l.Detail {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, `,"detail":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendJSONString(b, k); !ok {
				return nil, false
			}
			b = append(b, ':')
			if b, ok = appendJSONString(b, l.Detail[k]); !ok {
				return nil, false
			}
		}
		b = append(b, '}')
	}
	if !str(`,"legal_basis":`, l.LegalBasis, true) || !str(`,"purpose":`, l.Purpose, true) || !str(`,"recipient":`, l.Recipient, true) {
		return nil, false
	}
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, l.Seq, 10)
	if !str(`,"subject":`, l.Subject, true) {
		return nil, false
	}
	b = append(b, `,"time":"`...)
	b = l.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"', '}'), true
}

// appendJSONString appends s as encoding/json encodes a string (HTML-escaped). It refuses
// invalid UTF-8, which the general path's round trip turns into U+FFFD.
func appendJSONString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			if !utf8.ValidString(s) {
				return b, false
			}
			q, err := json.Marshal(s)
			if err != nil {
				return b, false
			}
			return append(b, q...), true
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}

// ParseLeaf decodes leaf bytes as stored.
func ParseLeaf(b []byte) (Leaf, error) {
	var l Leaf
	if err := json.Unmarshal(b, &l); err != nil {
		return Leaf{}, fmt.Errorf("audit leaf: %w", err)
	}
	return l, nil
}
