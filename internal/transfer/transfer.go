package transfer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/policy"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/store"
)

// Kinds of transfer: who is asking.
const (
	KindExport       = "export"        // an anonymised export or a segment's audience export
	KindAudienceSync = "audience_sync" // an ad-audience sync to an ad platform
	KindPartnerJob   = "partner_job"   // a clean-room partner job
)

// ActTransfer is the processing act of a transfer abroad.
const ActTransfer audit.Act = "cross_border_transfer"

// Errors of Check.
var (
	// ErrUnknownRecipient: the manifest names no such recipient, or not for this purpose.
	ErrUnknownRecipient = errors.New("transfer: the recipient is not declared for this purpose")
	// ErrNoMechanism: a recipient abroad without a transfer mechanism in force for its country.
	ErrNoMechanism = errors.New("transfer: no valid transfer mechanism")
	// ErrThreshold: the transfer would take the year's count past what the mechanism covers.
	ErrThreshold = errors.New("transfer: beyond what the mechanism covers this year")
	// ErrNoConsent: nobody in the transfer gave separate consent to it.
	ErrNoConsent = errors.New("transfer: nobody in it gave separate consent to the transfer abroad")
	// ErrInvalid: a malformed request.
	ErrInvalid = errors.New("transfer: invalid request")
)

// RefusedError says why a whole transfer was refused; it wraps one of the errors above.
type RefusedError struct {
	Recipient string
	Country   string
	Reason    string
	err       error
}

func (e *RefusedError) Error() string {
	where := e.Recipient
	if e.Country != "" {
		where += " (" + e.Country + ")"
	}
	return fmt.Sprintf("%v: transfer to %s refused: %s", e.err, where, e.Reason)
}

func (e *RefusedError) Unwrap() error { return e.err }

// Store is the register.
type Store interface {
	store.Transfers
}

// Consents reads people's consent histories (the ledger) and drops stale grants.
type Consents interface {
	Histories(ctx context.Context, subjectIDs []string) (map[string][]store.ConsentRecord, error)
	Effective(st consent.State) (consent.State, map[string]bool)
}

// Recorder records transfers and names people by the log's pseudonym.
type Recorder interface {
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
	Pseudonym(subjectID string) string
}

// Config is what a Service needs; all but Now and Location are required.
type Config struct {
	Store    Store
	Consents Consents
	Regime   func() *regime.Regime
	Recorder Recorder
	Now      func() time.Time
	// Location is the home time zone the calendar year is counted in (default UTC).
	Location *time.Location
}

// Service checks and registers transfers.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	return &Service{cfg: cfg}
}

// Request is one transfer an exporter wants to make.
type Request struct {
	Kind      string
	Recipient string
	Purpose   string
	Subjects  []string
	Actor     string
}

// Warning is a threshold the year's count approaches or reached.
type Warning struct {
	Threshold string `json:"threshold"`
	Limit     int64  `json:"limit"`
	Count     int64  `json:"count"`
	Message   string `json:"message"`
}

// Decision is what may go.
type Decision struct {
	Recipient string   `json:"recipient"`
	Abroad    bool     `json:"abroad"`
	Countries []string `json:"countries"`
	Mechanism string   `json:"mechanism,omitempty"`
	Kind      string   `json:"mechanism_kind,omitempty"`
	Sensitive bool     `json:"sensitive"`
	// Allowed are the people who may be sent (all of them for a recipient at home).
	Allowed []string `json:"-"`
	// Refused counts the people left out, by the policy's reason.
	Refused   map[string]int `json:"refused"`
	Warnings  []Warning      `json:"warnings"`
	Transfers []string       `json:"transfers,omitempty"`
	AuditLeaf uint64         `json:"audit_leaf,omitempty"`
}

// The CAC thresholds (non-CIIO processors, people counted since 1 January): Art. 5(4)
// exemption below ExemptGeneral people's general data; standard contract or
// certification up to ContractGeneral / ContractSensitive; security assessment beyond.
const (
	ExemptGeneral     int64 = 100_000
	ContractGeneral   int64 = 1_000_000
	ContractSensitive int64 = 10_000
	// WarnAt is the share of a threshold at which warnings start.
	WarnAt = 0.8
)

// Levels of mechanism, weakest first.
const (
	levelNone = iota
	levelContract
	levelAssessment
)

func levelOf(kind string) int {
	switch kind {
	case "standard_contract", "certification":
		return levelContract
	case "security_assessment":
		return levelAssessment
	}
	return levelNone
}

// required is the level the year's counts call for.
func required(general, sensitive int64) int {
	switch {
	case general >= ContractGeneral || sensitive >= ContractSensitive:
		return levelAssessment
	case general >= ExemptGeneral || sensitive > 0:
		return levelContract
	}
	return levelNone
}

// warnings lists the thresholds the counts reach WarnAt of or pass.
func warnings(general, sensitive int64) []Warning {
	var out []Warning
	add := func(name string, limit, n int64, what string) {
		if float64(n) >= WarnAt*float64(limit) {
			msg := fmt.Sprintf("%d of %d people's %s transferred abroad this year (%.0f%%): ", n, limit, what, 100*float64(n)/float64(limit))
			switch name {
			case "exempt_general":
				msg += "from 100,000 a CAC standard contract or certification is required (CAC Provisions 2024 Art. 8)"
			default:
				msg += "from here only a CAC security assessment covers further transfers (CAC Provisions 2024 Art. 7)"
			}
			out = append(out, Warning{Threshold: name, Limit: limit, Count: n, Message: msg})
		}
	}
	add("exempt_general", ExemptGeneral, general, "general personal information")
	add("contract_general", ContractGeneral, general, "general personal information")
	add("contract_sensitive", ContractSensitive, sensitive, "sensitive personal information")
	return out
}

// Year is the calendar year an instant counts in.
func (s *Service) Year(t time.Time) int { return t.In(s.cfg.Location).Year() }

func newID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "tr_" + hex.EncodeToString(b)
}

// homeKinds are the mechanism kinds the home jurisdiction accepts; nil accepts any.
func homeKinds(home string) []string {
	switch {
	case strings.EqualFold(home, "CN"):
		return manifest.CACKinds
	case regime.JurisdictionOf(home, "") == "EU":
		return manifest.GDPRKinds
	}
	return nil
}

// categories are what the recipient receives: its declared categories, else what the
// purpose may use.
func categories(r *regime.Regime, rc manifest.Recipient, purpose string) []string {
	if len(rc.Categories) > 0 {
		return rc.Categories
	}
	return r.CategoriesOf(purpose)
}

// Check decides a transfer, registers what goes and records it; see the package doc.
func (s *Service) Check(ctx context.Context, req Request) (Decision, error) {
	dec, plan, err := s.decide(ctx, req)
	if err != nil || !dec.Abroad {
		return dec, err
	}
	for _, c := range dec.Countries {
		rec := store.TransferRecord{ID: newID(), At: plan.now.UTC(), Year: plan.year, Kind: req.Kind, Recipient: dec.Recipient, Country: c,
			Mechanism: dec.Mechanism, Purpose: req.Purpose, Categories: plan.cats, Sensitive: dec.Sensitive, Individuals: len(dec.Allowed),
			Refused: dec.Refused, Actor: req.Actor}
		if _, err := s.cfg.Store.RecordTransfer(ctx, rec, plan.pseudonyms); err != nil {
			return dec, err
		}
		dec.Transfers = append(dec.Transfers, rec.ID)
	}
	actor := req.Actor
	if actor == "" {
		actor = "system"
	}
	leaf, err := s.cfg.Recorder.RecordAudience(ctx, audit.Event{Act: ActTransfer, Actor: actor, Purpose: req.Purpose, LegalBasis: "separate_consent",
		Recipient: dec.Recipient, Detail: map[string]string{"kind": req.Kind, "countries": strings.Join(dec.Countries, ","), "mechanism": dec.Mechanism,
			"mechanism_kind": dec.Kind, "individuals": strconv.Itoa(len(dec.Allowed)), "refused": strconv.Itoa(len(req.Subjects) - len(dec.Allowed)),
			"sensitive": strconv.FormatBool(dec.Sensitive)}}, dec.Allowed)
	if err != nil {
		return dec, err
	}
	dec.AuditLeaf = leaf
	return dec, nil
}

// Screen is Check without registering or recording anything: what a preview shows.
func (s *Service) Screen(ctx context.Context, req Request) (Decision, error) {
	dec, _, err := s.decide(ctx, req)
	return dec, err
}

// plan is what decide worked out for registering.
type plan struct {
	now        time.Time
	year       int
	cats       []string
	pseudonyms []string
}

func (s *Service) decide(ctx context.Context, req Request) (Decision, plan, error) {
	var pl plan
	if req.Recipient == "" || req.Purpose == "" || !slices.Contains([]string{KindExport, KindAudienceSync, KindPartnerJob}, req.Kind) {
		return Decision{}, pl, fmt.Errorf("%w: a transfer names its kind, recipient and purpose", ErrInvalid)
	}
	r := s.cfg.Regime()
	m := r.Manifest()
	rc, ok := m.Recipient(req.Recipient)
	if !ok || !rc.Serves(req.Purpose) {
		return Decision{}, pl, &RefusedError{Recipient: req.Recipient, Reason: "the manifest does not name it as a recipient for " + req.Purpose, err: ErrUnknownRecipient}
	}
	dec := Decision{Recipient: rc.Name, Refused: map[string]int{}, Warnings: []Warning{}, Countries: []string{}}
	for _, c := range rc.Countries {
		if m.Abroad(c) {
			dec.Countries = append(dec.Countries, strings.ToUpper(c))
		}
	}
	if len(dec.Countries) == 0 {
		dec.Allowed = req.Subjects
		return dec, pl, nil // at home: no transfer abroad
	}
	dec.Abroad = true
	now := s.cfg.Now()
	day := now.In(s.cfg.Location).Format(time.DateOnly)
	mech, ok := m.Transfers[rc.Transfer]
	if !ok {
		return dec, pl, &RefusedError{Recipient: rc.Name, Reason: "the manifest names no transfer mechanism for it", err: ErrNoMechanism}
	}
	dec.Mechanism, dec.Kind = mech.Key, mech.Kind
	if kinds := homeKinds(m.Home); kinds != nil && !slices.Contains(kinds, mech.Kind) {
		return dec, pl, &RefusedError{Recipient: rc.Name, Reason: fmt.Sprintf("mechanism %s is a %s, which the law of %s does not accept for data leaving it (want %s)",
			mech.Key, mech.Kind, m.Home, strings.Join(kinds, ", ")), err: ErrNoMechanism}
	}
	if ok, why := mech.InForce(day); !ok {
		return dec, pl, &RefusedError{Recipient: rc.Name, Reason: "mechanism " + mech.Key + " is not in force: " + why, err: ErrNoMechanism}
	}
	for _, c := range dec.Countries {
		if !mech.Covers(c) {
			return dec, pl, &RefusedError{Recipient: rc.Name, Country: c, Reason: "mechanism " + mech.Key + " does not cover " + c, err: ErrNoMechanism}
		}
	}
	cats := categories(r, rc, req.Purpose)
	for _, c := range cats {
		dec.Sensitive = dec.Sensitive || m.Sensitive(c)
	}
	// Each person: separate consent to the transfer and a basis for the purpose, now.
	hist, err := s.cfg.Consents.Histories(ctx, req.Subjects)
	if err != nil {
		return dec, pl, err
	}
	pd := r.Policy()
	for _, id := range req.Subjects {
		st, _ := s.cfg.Consents.Effective(consent.Fold(hist[id], now))
		d := pd.Decide(policy.Request{Subject: access.SubjectState(pd, st, false, 0), Purpose: req.Purpose, Categories: cats,
			Action: policy.Transfer, Recipient: rc.Name, MechanismRecorded: true})
		if d.Effect == policy.Deny {
			dec.Refused[d.Reason]++
			continue
		}
		dec.Allowed = append(dec.Allowed, id)
	}
	if len(dec.Allowed) == 0 {
		return dec, pl, &RefusedError{Recipient: rc.Name, Reason: fmt.Sprintf("none of %d people may go (%s)", len(req.Subjects), reasons(dec.Refused)), err: ErrNoConsent}
	}
	// The year's counts, with the people of this transfer not yet counted.
	year := s.Year(now)
	ps := make([]string, len(dec.Allowed))
	for i, id := range dec.Allowed {
		ps[i] = s.cfg.Recorder.Pseudonym(id)
	}
	general, sensitive, err := s.cfg.Store.TransferTotals(ctx, year)
	if err != nil {
		return dec, pl, err
	}
	counted, err := s.cfg.Store.CountedIndividuals(ctx, year, dec.Sensitive, ps)
	if err != nil {
		return dec, pl, err
	}
	fresh := int64(len(uniq(ps)) - counted)
	if dec.Sensitive {
		sensitive += fresh
	} else {
		general += fresh
	}
	if w := warnings(general, sensitive); w != nil {
		dec.Warnings = w
	}
	if strings.EqualFold(m.Home, "CN") {
		if need := required(general, sensitive); levelOf(mech.Kind) < need {
			return dec, pl, &RefusedError{Recipient: rc.Name, Reason: fmt.Sprintf("this year's transfers would reach %d people's general and %d people's sensitive data, which only a CAC security assessment covers (mechanism %s is a %s)",
				general, sensitive, mech.Key, mech.Kind), err: ErrThreshold}
		}
	}
	pl.now, pl.year, pl.cats, pl.pseudonyms = now, year, cats, ps
	return dec, pl, nil
}

func uniq(ps []string) []string {
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
}

func reasons(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
