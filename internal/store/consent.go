package store

import (
	"context"
	"errors"
	"time"
)

// ErrInvalid reports a record the store refuses (a missing field, an unknown method).
var ErrInvalid = errors.New("invalid record")

// Consent methods: how a choice reached Steward.
const (
	MethodBanner        = "banner"
	MethodPrivacyCenter = "privacy_center"
	MethodAPI           = "api"
	MethodTCF           = "tcf"
	MethodGPC           = "gpc"
	MethodSDK           = "sdk" // a consent signal carried by tracked events (context.consent)
	MethodImport        = "import"
	// MethodOperator: an operator recorded a choice the person made elsewhere (a signed
	// form, a call), with the evidence attached.
	MethodOperator = "operator"
	// MethodSubscription: Steward recorded the start or end of a privacy subscription the
	// person bought (signal.ad_free; issue 25).
	MethodSubscription = "subscription"
	// MethodUnsubscribe: the person used the one-click unsubscribe link of a marketing
	// message (RFC 8058); it records an objection to direct marketing.
	MethodUnsubscribe = "unsubscribe_link"
)

// ValidMethod reports whether m is a known consent method.
func ValidMethod(m string) bool {
	switch m {
	case MethodBanner, MethodPrivacyCenter, MethodAPI, MethodTCF, MethodGPC, MethodSDK, MethodImport, MethodOperator, MethodSubscription,
		MethodUnsubscribe:
		return true
	}
	return false
}

// ConsentRecord is one entry of the consent ledger: a subject granted or withdrew one
// purpose (or set a signal such as "personalisation off"), under a notice version, by a
// method, at a time. Records are never changed; the latest per purpose is in force.
type ConsentRecord struct {
	Seq int64 // set on read: the ledger's order
	// ID is unique per subject (PostgreSQL partitions the ledger by subject, and a unique
	// key there must include it); the consent service draws 96 random bits.
	ID            string
	SubjectID     string
	Purpose       string
	Granted       bool
	NoticeVersion string
	NoticeHash    string
	Method        string
	Jurisdiction  string
	At            time.Time
	// Evidence is a JSON object: banner variant, the choices shown, a TC string, the
	// request's GPC header… whatever proves how the choice was made.
	Evidence []byte
	// Actor is who recorded it: "subject", an operator id, or "system".
	Actor string
}

// Validate checks the fields every record needs.
func (r ConsentRecord) Validate() error {
	switch {
	case r.ID == "" || r.SubjectID == "" || r.Purpose == "":
		return errors.Join(ErrInvalid, errors.New("consent record needs id, subject and purpose"))
	case !ValidMethod(r.Method):
		return errors.Join(ErrInvalid, errors.New("consent record has an unknown method"))
	case r.At.IsZero():
		return errors.Join(ErrInvalid, errors.New("consent record has no time"))
	case r.NoticeVersion == "" || r.NoticeHash == "":
		return errors.Join(ErrInvalid, errors.New("consent record names no notice version and hash"))
	}
	return nil
}

// ConsentLedger keeps consent records. There is no update and no delete.
type ConsentLedger interface {
	// AppendConsent stores records atomically: all or none. An invalid record fails the
	// whole call with ErrInvalid.
	AppendConsent(ctx context.Context, records []ConsentRecord) error
	// ConsentHistory returns a subject's records in ledger order (time, then sequence).
	ConsentHistory(ctx context.Context, subjectID string) ([]ConsentRecord, error)
	// ConsentHistories returns the histories of several subjects at once.
	ConsentHistories(ctx context.Context, subjectIDs []string) (map[string][]ConsentRecord, error)
	// ConsentCounts returns, per purpose and day (UTC, "2006-01-02"), how many grants and
	// withdrawals were recorded between from and to: the console's consent-rate charts.
	ConsentCounts(ctx context.Context, from, to time.Time) ([]ConsentCount, error)
}

// ConsentCount is one cell of ConsentCounts.
type ConsentCount struct {
	Purpose   string
	Day       string
	Granted   int64
	Withdrawn int64
}
