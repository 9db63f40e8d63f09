package server

import (
	"context"
	"net/http"

	"github.com/stewardhq/steward/internal/algorithm"
	"github.com/stewardhq/steward/internal/anonexport"
	"github.com/stewardhq/steward/internal/assessment"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/campaign"
	"github.com/stewardhq/steward/internal/cleanroom/room"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/dp"
	"github.com/stewardhq/steward/internal/dp/stored"
	"github.com/stewardhq/steward/internal/equity"
	"github.com/stewardhq/steward/internal/incident"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/pricing"
	"github.com/stewardhq/steward/internal/profile"
	"github.com/stewardhq/steward/internal/recommend"
	"github.com/stewardhq/steward/internal/regime"
	"github.com/stewardhq/steward/internal/retention"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/segment"
	"github.com/stewardhq/steward/internal/signin"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/tcf"
	"github.com/stewardhq/steward/internal/transfer"

	"github.com/stewardhq/steward/internal/auth"
)

// Access says who may call a route.
type Access int

const (
	// Public routes need no credential (health, well-known documents).
	Public Access = iota
	// Operator routes need an operator bearer token holding the route's scope.
	Operator
	// WriteKey routes need a source write key (event ingestion).
	WriteKey
	// Subject routes need a privacy-center session bound to one subject.
	Subject
	// Partner routes are calls from a paired Steward instance: signed by it (the
	// Steward-Signature header), verified against its pinned key, fresh, never replayed.
	Partner
)

// Route is one row of the route table.
type Route struct {
	Method string
	Path   string
	Access Access
	Scope  auth.Scope // required scope for Operator routes
	// AnyScope, for an Operator route without Scope, lists scopes of which the token must
	// hold one: a route whose answer shows each part its scope allows (the person page).
	AnyScope []auth.Scope
	MaxBody  int64  // request body limit; 0 means defaultMaxBody
	Summary  string // one line for the OpenAPI document
	Handle   func(http.ResponseWriter, *http.Request) error
	// Needs names the service the route needs; empty when it needs none. A route whose
	// service this server was built without answers 503.
	Needs string
	// In and Out are the request and response body types (zero values), for the OpenAPI
	// document; Status is the success status (0: 200, or 204 when Out is nil and the
	// method changes state). Query lists the query parameters.
	In, Out any
	Status  int
	Query   []Param
}

// Param is a query parameter of a route.
type Param struct {
	Name, Description string
	Required          bool
	// Type is the parameter's JSON Schema type: "" is string, or integer, boolean.
	Type string
}

const defaultMaxBody = 1 << 20

// cleanroomMessageLimit bounds one clean-room protocol message: 256 MiB holds the largest
// message of a job over four million people a side (the Reply, 64 bytes a person).
const cleanroomMessageLimit = 256 << 20

// available reports which services this server has.
func (s *Server) available() map[string]bool {
	c := s.cfg
	return map[string]bool{"": true, "regime": c.Regime != nil, "consent": c.Ledger != nil, "collect": c.Collect != nil,
		"subjects": c.Index != nil && c.Reader != nil && c.Ledger != nil && c.Regime != nil,
		"rights":   c.Rights != nil, "profiles": c.Profiles != nil && c.Regime != nil, "audit": c.Audit != nil,
		"equity": c.Equity != nil, "anonymised": c.Anonymised != nil,
		"recommend": c.Recommend != nil, "pricing": c.Pricing != nil, "algorithms": c.Algorithms != nil,
		"people": c.Index != nil && c.Reader != nil && c.Regime != nil, "oidc": s.oidc != nil, "signin": c.SignIn != nil,
		"campaigns": c.Campaigns != nil, "dp": c.DP != nil,
		"retention": c.Retention != nil, "transfers": c.Transfers != nil, "assessments": c.Assessments != nil,
		"incidents": c.Incidents != nil, "bundles": c.Bundles != nil, "cleanroom": c.CleanRoom != nil, "vault": c.Dictionaries != nil}
}

var (
	langParam   = Param{Name: "lang", Description: "en or zh-CN (else Accept-Language)"}
	momentParam = Param{Name: "moment", Description: "a just-in-time moment: registration, search, checkout, browsing, location, photo_upload"}
)

// table is the one list of Steward's routes.
func (s *Server) table() []Route {
	c := s.cfg
	manifests := manifestAPI{c.Regime}
	me := meAPI{s: s, rights: c.Rights, ledger: c.Ledger}
	subjects := subjectAPI{s: s, index: c.Index, reader: c.Reader, ledger: c.Ledger, profiles: c.Profiles, regime: c.Regime}
	requests := rightsAPI{c.Rights}
	visitors := visitorAPI{rights: c.Rights, limit: s.visitorLimit}
	consents := consentAPI{c.Ledger}
	audits := auditAPI{c.Audit}
	profiles := profilesAPI{engine: c.Profiles, regime: c.Regime}
	identities := identityAPI{c.Collect}
	equities := equityAPI{s: s, svc: c.Equity, sub: subjects}
	anonymised := anonymisedAPI{c.Anonymised}
	offers := offersAPI{s: s, recommend: c.Recommend, pricing: c.Pricing}
	prices := pricingAPI{c.Pricing}
	algos := algorithmsAPI{reg: c.Algorithms, regime: c.Regime, page: c.AlgorithmsPage}
	people := peopleAPI{s: s, index: c.Index, reader: c.Reader, profiles: c.Profiles, regime: c.Regime, rights: c.Rights, audit: c.Audit, console: c.Console}
	overview := overviewAPI{s: s, intake: c.Intake, console: c.Console, regime: c.Regime, rights: c.Rights, audit: c.Audit}
	admin := operatorAdminAPI{s: s, signin: c.SignIn}
	oidcRP := s.oidc
	if oidcRP == nil {
		oidcRP = &oidcFlow{} // its routes answer 503 ("oidc" is not available)
	}
	campaigns := campaignsAPI{c.Campaigns}
	vaults := vaultAPI{c.Dictionaries}
	tokenParam := []Param{{Name: "t", Description: "the opaque token of the link", Required: true}}
	reports := reportsAPI{ledger: c.DP, source: c.DPSource}
	crm := cleanroomAPI{c.CleanRoom}
	comp := complianceAPI{retention: c.Retention, transfers: c.Transfers, assessments: c.Assessments, incidents: c.Incidents, bundles: c.Bundles,
		audit: c.Store}
	return []Route{
		{Method: "GET", Path: "/healthz", Access: Public, Summary: "200 when the store answers", Handle: s.healthz, Out: health{}},
		{Method: "GET", Path: "/api/openapi.json", Access: Public, Summary: "this API's OpenAPI document, built from the route table", Handle: s.openAPIHandler, Out: map[string]any{}},

		{Method: "POST", Path: "/v1/{endpoint}", Access: WriteKey, MaxBody: 1 << 20, Needs: "collect", Summary: "Segment tracking API: track, identify, page, screen, group, alias, batch, import and the browser's t, p, i, g, a, s, b", Handle: s.ingest, In: map[string]any{}, Out: ingestOK{}},
		{Method: "OPTIONS", Path: "/v1/{endpoint}", Access: Public, Summary: "CORS preflight for browser clients", Handle: s.ingestPreflight, Status: http.StatusNoContent},
		{Method: "GET", Path: "/v1/projects/{writeKey}/settings", Access: Public, Summary: "settings document for @segment/analytics-next", Handle: s.browserSettings, Out: map[string]any{}},

		{Method: "GET", Path: "/v1/recommendations", Access: WriteKey, Needs: "recommend", Summary: "items for a slot, personalised only while the visitor's consent permits, each labelled with its reason (write key as Basic user, X-Write-Key or ?writeKey=)", Handle: offers.recommendations, Out: recommend.Result{}, Query: recommendParams},
		{Method: "OPTIONS", Path: "/v1/recommendations", Access: Public, Summary: "CORS preflight", Handle: offers.preflight, Status: http.StatusNoContent},
		{Method: "POST", Path: "/v1/offers/quote", Access: WriteKey, MaxBody: 8 << 10, Needs: "pricing", Summary: "a price with every factor applied and its reason, and whether it was personalised (write key as Basic user or X-Write-Key)", Handle: offers.quote, In: QuoteRequest{}, Out: pricing.Quote{}},
		{Method: "OPTIONS", Path: "/v1/offers/quote", Access: Public, Summary: "CORS preflight", Handle: offers.preflight, Status: http.StatusNoContent},
		{Method: "GET", Path: "/algorithms", Access: Public, Needs: "algorithms", Summary: "the public algorithm register (HTML, en and zh-CN)", Handle: algos.publicPage},
		{Method: "GET", Path: "/api/v1/algorithms/public", Access: Public, Needs: "algorithms", Summary: "the algorithm register as published: principles, purpose, inputs, filing number", Handle: algos.publicList, Out: algorithm.PublicList{}, Query: []Param{langParam}},
		{Method: "GET", Path: "/api/v1/algorithms", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "algorithms", Summary: "the algorithm register with each algorithm's review status", Handle: algos.list, Out: EntryList{}},
		{Method: "PUT", Path: "/api/v1/algorithms/{id}", Access: Operator, Scope: auth.ScopeManifestWrite, MaxBody: 64 << 10, Needs: "algorithms", Summary: "register an algorithm, or set the filing number of one Steward describes", Handle: algos.put, In: algorithm.Algorithm{}, Out: algorithm.Entry{}},
		{Method: "GET", Path: "/api/v1/algorithms/{id}/assessments", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "algorithms", Summary: "an algorithm's assessments, newest first", Handle: algos.assessments, Out: AssessmentList{}},
		{Method: "POST", Path: "/api/v1/algorithms/{id}/assessments", Access: Operator, Scope: auth.ScopeManifestWrite, MaxBody: 16 << 10, Needs: "algorithms", Summary: "record an assessment (next review at most a year later)", Handle: algos.assess, In: algorithm.AssessmentInput{}, Out: algorithm.Assessment{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/price-rules", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "pricing", Summary: "price rules in force", Handle: prices.rules, Out: RuleList{}},
		{Method: "POST", Path: "/api/v1/price-rules", Access: Operator, Scope: auth.ScopeActivationWrite, MaxBody: 64 << 10, Needs: "pricing", Summary: "save a price rule, checked for fairness; a refusal names the factor", Handle: prices.putRule, In: pricing.Rule{}, Out: pricing.Rule{}, Status: http.StatusCreated},
		{Method: "DELETE", Path: "/api/v1/price-rules/{name}", Access: Operator, Scope: auth.ScopeActivationWrite, Needs: "pricing", Summary: "remove a price rule", Handle: prices.deleteRule, Status: http.StatusNoContent},
		{Method: "GET", Path: "/api/v1/pricing/quotes/{id}", Access: Operator, Scope: auth.ScopeRightsRead, Needs: "pricing", Summary: "a quote issued earlier: prices, rules applied and bands, never the person (to answer an explanation or review request)", Handle: prices.issued, Out: pricing.IssuedQuote{}},
		{Method: "GET", Path: "/api/v1/pricing/audit", Access: Operator, Scope: auth.ScopeReportsRead, Needs: "pricing", Summary: "fairness audit of issued quotes: the same item in the same hour by customer tenure, device and spend band", Handle: prices.audit, Out: pricing.Report{}, Query: auditParams},

		{Method: "GET", Path: "/api/v1/schemas/{name}", Access: Public, Summary: "published JSON Schemas (export.json: the portable data export)", Handle: s.getSchema, Out: map[string]any{}},
		{Method: "GET", Path: "/sdk/notice.json", Access: Public, Needs: "regime", Summary: "the layered privacy notice in force (?lang=, ?moment= for just-in-time notices)", Handle: manifests.publicNotice, Out: regime.NoticeDoc{}, Query: []Param{langParam, momentParam}},
		{Method: "GET", Path: "/sdk/config.json", Access: Public, Needs: "regime", Summary: "what the consent SDK shows: categories, statements, GPC effects, notice version", Handle: manifests.banner, Out: regime.Banner{}, Query: []Param{langParam}},
		{Method: "GET", Path: "/.well-known/gpc.json", Access: Public, Summary: "Global Privacy Control support statement", Handle: s.gpcJSON, Out: gpcDoc{}},
		{Method: "POST", Path: "/api/v1/tcf/decode", Access: Operator, Scope: auth.ScopeConsentRead, MaxBody: 128 << 10, Summary: "decode an IAB TCF v2.2/v2.3 TC string into its lists", Handle: s.tcfDecode, In: tcfDecodeRequest{}, Out: tcf.TCString{}},

		{Method: "POST", Path: "/api/v1/subjects/{id}/sessions", Access: Operator, Scope: auth.ScopeSessionsWrite, Needs: "subjects", Summary: "mint a privacy-center session for the shop's signed-in customer ({id} is the shop's userId)", Handle: subjects.mintSession, In: SessionRequest{}, Out: Session{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/me", Access: Subject, Needs: "rights", Summary: "the privacy center's view of the signed-in subject", Handle: me.overview, Out: rights.Overview{}, Query: []Param{langParam}},
		{Method: "POST", Path: "/api/v1/me/consents", Access: Subject, MaxBody: 16 << 10, Needs: "consent", Summary: "grant or withdraw one purpose (the subject's own choice)", Handle: me.setConsent, In: ConsentChoice{}, Status: http.StatusNoContent},
		{Method: "POST", Path: "/api/v1/me/personalisation", Access: Subject, MaxBody: 1 << 10, Needs: "consent", Summary: "turn personalisation off (every targeting purpose withdrawn at once) or back on", Handle: me.setPersonalisation, In: PersonalisationSwitch{}, Status: http.StatusNoContent},
		{Method: "GET", Path: "/api/v1/me/tier", Access: Subject, Needs: "equity", Summary: "the person's privacy tier (derived from their consents), the tiers from most to least sharing, points balance and privacy subscription", Handle: equities.tier, Out: equity.Standing{}, Query: []Param{langParam}},
		{Method: "POST", Path: "/api/v1/me/tier", Access: Subject, MaxBody: 1 << 10, Needs: "equity", Summary: "choose a tier: records exactly the consent changes that match it, up or down", Handle: equities.chooseTier, In: TierChoice{}, Out: TierChosen{}},
		{Method: "GET", Path: "/api/v1/me/points", Access: Subject, Needs: "equity", Summary: "the person's privacy points: balance and every entry, explained (completed months accrue first)", Handle: equities.points, Out: equity.Points{}, Query: []Param{langParam}},
		{Method: "POST", Path: "/api/v1/me/subscription", Access: Subject, MaxBody: 1 << 10, Needs: "equity", Summary: "buy months of the privacy subscription with points: no advertising while it runs", Handle: equities.redeem, In: SubscriptionPurchase{}, Out: equity.SubscriptionView{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/subjects/{id}/subscriptions", Access: Operator, Scope: auth.ScopeConsentWrite, MaxBody: 1 << 10, Needs: "equity", Summary: "the shop's backend records a paid privacy subscription for its customer ({id} is the shop's userId)", Handle: equities.paid, In: PaidSubscription{}, Out: equity.SubscriptionView{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/me/consent-mode", Access: Subject, Needs: "consent", Summary: "Google Consent Mode v2 values derived from the subject's state", Handle: me.consentMode, Out: map[string]string{}},
		{Method: "GET", Path: "/api/v1/me/export", Access: Subject, Needs: "rights", Summary: "the subject's data as portable JSON", Handle: me.export, Out: rights.Portable{}, Query: []Param{langParam}},
		{Method: "GET", Path: "/api/v1/subjects/{id}/events", Access: Operator, Scope: auth.ScopeProfilesRead, Needs: "subjects", Summary: "events of the shop's userId {id} as ?purpose= may see them (identifiers masked unless admin or privacy officer)", Handle: subjects.events, Out: SubjectEvents{}, Query: []Param{{Name: "purpose", Description: "the purpose of the read", Required: true}}},
		{Method: "GET", Path: "/api/v1/consent/rates", Access: Operator, Scope: auth.ScopeConsentRead, Needs: "consent", Summary: "grants and withdrawals per purpose per day (?days=30)", Handle: consents.rates, Out: consent.Rates{}, Query: []Param{{Name: "days", Description: "days back, 1 to 3660 (default 30)"}}},
		{Method: "GET", Path: "/api/v1/subjects/{id}/consent", Access: Operator, Scope: auth.ScopeConsentRead, Needs: "subjects", Summary: "consent state of the shop's userId {id} at ?at= (default now), with its records", Handle: subjects.consentAt, Out: consent.Snapshot{}, Query: []Param{{Name: "at", Description: "an RFC 3339 instant (default now)"}}},
		{Method: "DELETE", Path: "/api/v1/me", Access: Subject, Needs: "rights", Summary: "delete my account and data now; answers with the completeness check", Handle: me.erase, Out: rights.ErasureReport{}},
		{Method: "POST", Path: "/api/v1/me/requests", Access: Subject, MaxBody: 16 << 10, Needs: "rights", Summary: "file a rights request (access, export, correction, erasure, restriction, objection, withdrawal, explanation, account_deletion, human_review)", Handle: me.createRequest, In: NewRequest{}, Out: rights.RequestView{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/me/requests", Access: Subject, Needs: "rights", Summary: "my rights requests", Handle: me.requests, Out: RequestList{}},
		{Method: "GET", Path: "/api/v1/me/requests/{id}", Access: Subject, Needs: "rights", Summary: "one of my rights requests", Handle: me.request, Out: rights.RequestView{}},
		{Method: "GET", Path: "/api/v1/rights-requests", Access: Operator, Scope: auth.ScopeRightsRead, Needs: "rights", Summary: "the request queue: open first by deadline, with due-soon and overdue flags", Handle: requests.list, Out: RequestList{}},
		{Method: "GET", Path: "/api/v1/rights-requests/{id}", Access: Operator, Scope: auth.ScopeRightsRead, Needs: "rights", Summary: "one request with its steps", Handle: requests.get, Out: rights.RequestView{}},
		{Method: "POST", Path: "/api/v1/rights-requests/{id}/steps", Access: Operator, Scope: auth.ScopeRightsWrite, Needs: "rights", Summary: "move a request on (in_progress, done, refused with a reason)", Handle: requests.step, In: RequestStep{}, Out: rights.RequestView{}},
		{Method: "POST", Path: "/api/v1/rights-requests/{id}/assignee", Access: Operator, Scope: auth.ScopeRightsWrite, MaxBody: 1 << 10, Needs: "rights", Summary: "assign the request to an operator (\"\" unassigns); audited", Handle: requests.assign, In: AssignRequest{}, Out: rights.RequestView{}},
		{Method: "POST", Path: "/api/v1/rights-requests/{id}/notes", Access: Operator, Scope: auth.ScopeRightsWrite, MaxBody: 16 << 10, Needs: "rights", Summary: "add a note to an open request (sealed under the person's key; the log records that a note was added, not its text)", Handle: requests.note, In: NoteRequest{}, Out: rights.RequestView{}},
		{Method: "POST", Path: "/api/v1/rights-requests/{id}/verification", Access: Operator, Scope: auth.ScopeRightsWrite, MaxBody: 1 << 10, Needs: "rights", Summary: "verify the identity of a request from the public form: email_on_file or reauthenticated with the customer's user_id, or no_account", Handle: requests.verify, In: VerificationRequest{}, Out: rights.RequestView{}},
		{Method: "POST", Path: "/api/v1/rights-requests/{id}/extension", Access: Operator, Scope: auth.ScopeRightsWrite, MaxBody: 1 << 10, Needs: "rights", Summary: "extend the deadline once, before it passes, where the law allows (GDPR +2 months, CCPA +45 days; never under PIPL), reason complexity or volume", Handle: requests.extend, In: ExtensionRequest{}, Out: rights.RequestView{}},
		{Method: "POST", Path: "/api/v1/visitor/requests/code", Access: Public, MaxBody: 4 << 10, Needs: "rights", Summary: "the public request form: send a one-time code to an email address (the same answer for every address)", Handle: visitors.code, In: VisitorCodeRequest{}, Out: rights.Challenge{}, Status: http.StatusAccepted},
		{Method: "POST", Path: "/api/v1/visitor/requests", Access: Public, MaxBody: 16 << 10, Needs: "rights", Summary: "the public request form: file the request with the code received; an operator verifies the identity next", Handle: visitors.confirm, In: VisitorConfirmRequest{}, Out: rights.VisitorReceipt{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/me/activity", Access: Subject, Needs: "rights", Summary: "my transparency report in plain words, each line with the log entry and proof it rests on", Handle: me.activity, Out: rights.Activity{}, Query: []Param{langParam}},
		{Method: "GET", Path: "/api/v1/me/flows", Access: Subject, Needs: "rights", Summary: "where my data went: collected, purposes, tags, campaigns, partners, deleted; each line backed by a log entry", Handle: me.flows, Out: rights.Flows{}, Query: []Param{langParam}},
		{Method: "POST", Path: "/api/v1/suppressions/lift", Access: Operator, Scope: auth.ScopeRightsWrite, MaxBody: 4 << 10, Needs: "rights", Summary: "let events for an erased person's userId in again (erasure suppresses them); audited", Handle: requests.liftSuppression, In: LiftRequest{}, Out: Lifted{}},
		{Method: "DELETE", Path: "/api/v1/me/session", Access: Subject, Summary: "sign out of the privacy center", Handle: me.signOut, Status: http.StatusNoContent},

		{Method: "GET", Path: "/api/v1/taxonomy", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "regime", Summary: "data categories (with PIPL grades) and purposes (with bases, retention and statements)", Handle: manifests.taxonomy, Out: regime.Taxonomy{}, Query: []Param{langParam}},
		{Method: "GET", Path: "/api/v1/manifest", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "regime", Summary: "the privacy manifest in force: version, hash, YAML", Handle: manifests.current, Out: regime.Version{}},
		{Method: "PUT", Path: "/api/v1/manifest", Access: Operator, Scope: auth.ScopeManifestWrite, MaxBody: 1 << 20, Needs: "regime", Summary: "check and publish a new manifest version (application/yaml); located errors on 400", Handle: manifests.publish, In: "yaml", Out: regime.Summary{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/manifest/versions", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "regime", Summary: "every manifest version, newest first", Handle: manifests.versions, Out: VersionList{}},
		{Method: "GET", Path: "/api/v1/manifest/versions/{seq}", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "regime", Summary: "one manifest version with its YAML", Handle: manifests.version, Out: regime.Version{}},
		{Method: "GET", Path: "/api/v1/notices/{seq}", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "regime", Summary: "the layered notice of a manifest version (?lang=, ?moment=)", Handle: manifests.versionNotice, Out: regime.NoticeDoc{}, Query: []Param{langParam, momentParam}},
		{Method: "GET", Path: "/api/v1/manifest/diff", Access: Operator, Scope: auth.ScopeManifestRead, Needs: "regime", Summary: "changes between two manifest versions (?from=&to=)", Handle: manifests.diff, Out: regime.Diff{}, Query: []Param{{Name: "from", Required: true}, {Name: "to", Required: true}}},

		{Method: "GET", Path: "/api/v1/audit/checkpoint", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "audit", Summary: "the latest signed checkpoint of the audit log (C2SP signed note)", Handle: audits.latest, Out: audit.CheckpointView{}},
		{Method: "POST", Path: "/api/v1/audit/checkpoint", Access: Operator, Scope: auth.ScopeAuditWrite, Needs: "audit", Summary: "sign a checkpoint of the log as it is now", Handle: audits.sign, Out: audit.CheckpointView{}},
		{Method: "GET", Path: "/api/v1/audit/leaves/{index}", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "audit", Summary: "one leaf of the audit log", Handle: audits.leaf, Out: audit.LeafView{}},
		{Method: "GET", Path: "/api/v1/audit/proofs/inclusion", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "audit", Summary: "RFC 6962 inclusion proof (?index=&size=)", Handle: audits.inclusion, Out: audit.InclusionView{}, Query: []Param{{Name: "index", Required: true}, {Name: "size", Required: true}}},
		{Method: "GET", Path: "/api/v1/audit/proofs/consistency", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "audit", Summary: "RFC 6962 consistency proof (?old=&new=)", Handle: audits.consistency, Out: audit.ConsistencyView{}, Query: []Param{{Name: "old", Required: true}, {Name: "new", Required: true}}},
		{Method: "GET", Path: "/api/v1/me/report", Access: Subject, Needs: "audit", Summary: "my transparency report: every use of my data, each with its inclusion proof", Handle: audits.report, Out: audit.TransparencyReport{}},

		{Method: "GET", Path: "/api/v1/tags", Access: Operator, Scope: auth.ScopeTagsRead, Needs: "profiles", Summary: "tag definitions with coverage, deletions and next expiry", Handle: profiles.tags, Out: TagList{}},
		{Method: "POST", Path: "/api/v1/tags", Access: Operator, Scope: auth.ScopeTagsWrite, MaxBody: 64 << 10, Needs: "profiles", Summary: "define or replace a tag (rule, statistical or model); refused with the reason, e.g. a marketing tag on a sensitive category", Handle: profiles.defineTag, In: manifest.Tag{}, Out: profile.TagView{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/tags/{name}", Access: Operator, Scope: auth.ScopeTagsRead, Needs: "profiles", Summary: "one tag definition with coverage", Handle: profiles.tag, Out: profile.TagView{}},
		{Method: "DELETE", Path: "/api/v1/tags/{name}", Access: Operator, Scope: auth.ScopeTagsWrite, Needs: "profiles", Summary: "remove a tag defined through the API (its values vanish)", Handle: profiles.deleteTag, Status: http.StatusNoContent},
		{Method: "POST", Path: "/api/v1/vault/dictionaries/retrain", Access: Operator, Scope: auth.ScopeKeysRotate, Needs: "vault", Summary: "train a new compression dictionary for event bodies from the next events this node seals (old rows keep theirs)", Handle: vaults.retrain, Out: DictionaryRetrain{}, Status: http.StatusAccepted},
		{Method: "POST", Path: "/api/v1/profiles/refresh", Access: Operator, Scope: auth.ScopeTagsWrite, Needs: "profiles", Summary: "recompute every tag and segment now", Handle: profiles.refresh, Out: Refreshed{}},
		{Method: "GET", Path: "/api/v1/segments", Access: Operator, Scope: auth.ScopeSegmentsRead, Needs: "profiles", Summary: "segments with size, size by purpose eligibility and exclusions by reason (counts only)", Handle: profiles.segments, Out: SegmentList{}},
		{Method: "POST", Path: "/api/v1/segments", Access: Operator, Scope: auth.ScopeSegmentsWrite, MaxBody: 64 << 10, Needs: "profiles", Summary: "define or replace a segment (expression and purpose); located errors on 400", Handle: profiles.defineSegment, In: profile.SegmentDef{}, Out: profile.SegmentView{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/segments/preview", Access: Operator, Scope: auth.ScopeSegmentsRead, MaxBody: 64 << 10, Needs: "profiles", Summary: "counts for an expression and purpose, never who", Handle: profiles.preview, In: PreviewRequest{}, Out: segment.Preview{}},
		{Method: "GET", Path: "/api/v1/segments/{name}", Access: Operator, Scope: auth.ScopeSegmentsRead, Needs: "profiles", Summary: "one segment with its counts", Handle: profiles.segment, Out: profile.SegmentView{}},
		{Method: "DELETE", Path: "/api/v1/segments/{name}", Access: Operator, Scope: auth.ScopeSegmentsWrite, Needs: "profiles", Summary: "remove a segment", Handle: profiles.deleteSegment, Status: http.StatusNoContent},
		{Method: "POST", Path: "/api/v1/segments/{name}/export", Access: Operator, Scope: auth.ScopeActivationWrite, MaxBody: 1 << 10, Needs: "profiles", Summary: "release the audience for the segment's purpose if it has at least min_audience people (default 50); audited", Handle: profiles.export, In: ExportRequest{}, Out: profile.Release{}},
		{Method: "GET", Path: "/api/v1/subjects/{id}/profile", Access: Operator, Scope: auth.ScopeProfilesRead, Needs: "profiles", Summary: "traits, computed attributes and tags of the shop's userId {id} as ?purpose= may see them", Handle: subjects.profile, Out: profile.ProfileView{}, Query: []Param{{Name: "purpose", Required: true}}},
		{Method: "GET", Path: "/api/v1/anonymised-exports/options", Access: Operator, Scope: auth.ScopeAnonymisedRead, Needs: "anonymised", Summary: "what an anonymised export may hold: purposes allowed to export, the columns of ?purpose= (default analytics.reporting) with their hierarchies, segments", Handle: anonymised.options, Out: anonexport.Options{}, Query: []Param{{Name: "purpose", Description: "the export's purpose"}}},
		{Method: "POST", Path: "/api/v1/anonymised-exports/preview", Access: Operator, Scope: auth.ScopeAnonymisedRead, MaxBody: 16 << 10, Needs: "anonymised", Summary: "dry run of an anonymised export: risk before and after (en, zh-CN), transformation, suppressed records, utility; no data; 422 naming the model when it cannot be met", Handle: anonymised.preview, In: anonexport.Spec{}, Out: anonexport.Preview{}},
		{Method: "POST", Path: "/api/v1/anonymised-exports", Access: Operator, Scope: auth.ScopeAnonymisedRelease, MaxBody: 16 << 10, Needs: "anonymised", Summary: "release an anonymised export (CSV or JSON rows) once recorded in the audit log; 409 if it no longer matches its preview, 422 naming the model when it cannot be met", Handle: anonymised.release, In: AnonymisedExportRequest{}, Out: anonexport.Release{}},
		{Method: "GET", Path: "/api/v1/retention", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "retention", Summary: "the retention in force (per event kind, field and category, and what happens at expiry) and the passes that ran", Handle: comp.retentionStatus, Out: RetentionStatus{}},
		{Method: "POST", Path: "/api/v1/retention/runs", Access: Operator, Scope: auth.ScopeManifestWrite, Needs: "retention", Summary: "run a retention pass now (it also runs daily); audited with its counts", Handle: comp.retentionRun, Out: retention.Report{}},
		{Method: "GET", Path: "/api/v1/transfers", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "transfers", Summary: "the cross-border transfer register of ?year= (default this year): recipients, mechanisms in force, people counted against the CAC thresholds, warnings, entries", Handle: comp.transferRegister, Out: transfer.Register{}, Query: []Param{{Name: "year", Description: "a calendar year (default the current one)"}}},
		{Method: "GET", Path: "/api/v1/assessments", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "assessments", Summary: "records of processing and impact assessments with their status, and the purposes of the manifest in force that need one", Handle: comp.assessmentList, Out: ImpactAssessmentList{}},
		{Method: "POST", Path: "/api/v1/assessments", Access: Operator, Scope: auth.ScopeManifestWrite, MaxBody: 1 << 20, Needs: "assessments", Summary: "draft an assessment generated from the manifest in force, or from a manifest to publish (kind pipia with a purpose, or ropa)", Handle: comp.assessmentDraft, In: DraftAssessment{}, Out: assessment.View{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/assessments/{id}", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "assessments", Summary: "one assessment with its generated content", Handle: comp.assessmentGet, Out: assessment.View{}},
		{Method: "POST", Path: "/api/v1/assessments/{id}/review", Access: Operator, Scope: auth.ScopeManifestWrite, MaxBody: 16 << 10, Needs: "assessments", Summary: "mark a draft reviewed, with a note", Handle: comp.assessmentStep(true), In: AssessmentStep{}, Out: assessment.View{}},
		{Method: "POST", Path: "/api/v1/assessments/{id}/approve", Access: Operator, Scope: auth.ScopeManifestWrite, MaxBody: 16 << 10, Needs: "assessments", Summary: "approve a reviewed assessment (another person than the reviewer); valid a year", Handle: comp.assessmentStep(false), In: AssessmentStep{}, Out: assessment.View{}},
		{Method: "GET", Path: "/api/v1/incidents", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "incidents", Summary: "the breach register, each incident with its deadlines and draft notices", Handle: comp.incidentList, Out: IncidentList{}},
		{Method: "POST", Path: "/api/v1/incidents", Access: Operator, Scope: auth.ScopeRightsWrite, MaxBody: 64 << 10, Needs: "incidents", Summary: "open an incident: its scope in the audit log (window, actors, acts, purposes, recipients); affected people and categories are computed from the log", Handle: comp.incidentOpen, In: incident.Report{}, Out: incident.View{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/incidents/{id}", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "incidents", Summary: "one incident with its PIPL Art. 57 notices to the regulator and to people, in zh-CN and en", Handle: comp.incidentGet, Out: incident.View{}},
		{Method: "POST", Path: "/api/v1/incidents/{id}", Access: Operator, Scope: auth.ScopeRightsWrite, MaxBody: 64 << 10, Needs: "incidents", Summary: "fill in the Art. 57 contents, mark a notice sent (regulator or individuals; refused while any is missing) or close", Handle: comp.incidentChange, In: incident.Update{}, Out: incident.View{}},
		{Method: "POST", Path: "/api/v1/compliance/bundle", Access: Operator, Scope: auth.ScopeAuditRead, Needs: "bundles", Summary: "make the signed evidence bundle of a compliance audit (application/x-tar; check it offline with steward compliance verify)", Handle: comp.bundle, Status: http.StatusOK},
		{Method: "GET", Path: "/api/v1/me/tags", Access: Subject, Needs: "profiles", Summary: "the tags used on me, each with why it applies", Handle: profiles.myTags, Out: profile.MyTags{}, Query: []Param{langParam}},
		{Method: "DELETE", Path: "/api/v1/me/tags/{name}", Access: Subject, Needs: "profiles", Summary: "delete a tag about me; it is not computed for me again", Handle: profiles.deleteMyTag, Status: http.StatusNoContent},

		{Method: "GET", Path: "/api/v1/identity/held-links", Access: Operator, Scope: auth.ScopeSubjectsRead, Needs: "collect", Summary: "links between two identified people that a client-side call asked for and ingestion held for review (?status=pending|approved|rejected|all)", Handle: identities.list, Out: heldLinkList{}, Query: []Param{{Name: "status", Description: "pending (default), approved, rejected or all"}}},
		{Method: "POST", Path: "/api/v1/identity/held-links/{id}/approve", Access: Operator, Scope: auth.ScopeIdentitiesWrite, Needs: "collect", Summary: "approve a held link: the two people are merged; audited for both", Handle: identities.decide(true), Out: heldLinkJSON{}},
		{Method: "POST", Path: "/api/v1/identity/held-links/{id}/reject", Access: Operator, Scope: auth.ScopeIdentitiesWrite, Needs: "collect", Summary: "reject a held link: the two people stay apart; audited for both", Handle: identities.decide(false), Out: heldLinkJSON{}},

		{Method: "GET", Path: "/api/v1/subjects", Access: Operator, AnyScope: personScopes, Needs: "people", Summary: "find people by the shop's userId, or (with subjects:read) an email or phone number: exact matches through blind indexes, never a scan", Handle: people.search, Out: SubjectSearch{}, Query: []Param{{Name: "q", Description: "a userId, email address or phone number", Required: true}}},
		{Method: "GET", Path: "/api/v1/subjects/{id}/person", Access: Operator, AnyScope: personScopes, Needs: "people", Summary: "the person page of the shop's userId {id}: identifiers by kind, contact (subjects:read; a recorded read), tags with reasons (tags:read), segments (segments:read), rights requests (rights:read), latest audit acts (audit:read)", Handle: people.person, Out: Person{}, Query: []Param{langParam}},
		{Method: "GET", Path: "/api/v1/overview", Access: Operator, Scope: auth.ScopeReportsRead, Summary: "is everything fine: ingestion per day (received, stored, dropped by reason), people, consent choices per purpose per day of the choice, the rights queue, audit checkpoint lag, store health", Handle: overview.overview, Out: Overview{}, Query: []Param{{Name: "days", Description: "days back including today, 1 to 366 (default 30)", Type: "integer"}, langParam}},
		{Method: "GET", Path: "/api/v1/roles", Access: Operator, Scope: auth.ScopeOperatorsRead, Summary: "operator roles with the scopes each grants, and token lifetimes", Handle: admin.roles, Out: RoleList{}},
		{Method: "GET", Path: "/api/v1/operators/logins", Access: Operator, Scope: auth.ScopeOperatorsRead, Needs: "signin", Summary: "how operators sign in through the identity provider", Handle: admin.logins, Out: LoginList{}},
		{Method: "PUT", Path: "/api/v1/operators/{id}/login", Access: Operator, Scope: auth.ScopeOperatorsWrite, MaxBody: 4 << 10, Needs: "signin", Summary: "set how an operator signs in through the identity provider: its issuer and subject, or an email address the provider verifies", Handle: admin.setLogin, In: LoginRequest{}, Out: signin.Login{}},
		{Method: "GET", Path: "/api/v1/signin/methods", Access: Public, Summary: "how operators may sign in to the console (token; OpenID Connect when configured)", Handle: s.signinMethods, Out: SigninMethods{}},
		{Method: "GET", Path: "/api/v1/signin/oidc", Access: Public, Needs: "oidc", Summary: "start a console sign-in at the OpenID Connect provider (authorization code flow with PKCE); redirects", Handle: oidcRP.start, Status: http.StatusFound},
		{Method: "GET", Path: "/api/v1/signin/oidc/callback", Access: Public, Needs: "oidc", Summary: "the provider's redirect back: checks state, code (PKCE) and ID token (issuer, audience, nonce), then redirects to the console signed in (audited) or with the reason", Handle: oidcRP.callback, Status: http.StatusFound, Query: []Param{{Name: "code"}, {Name: "state"}, {Name: "error"}}},
		{Method: "GET", Path: "/api/v1/campaigns", Access: Operator, Scope: auth.ScopeCampaignsRead, Needs: "campaigns", Summary: "campaigns with status and results: sends, deliveries, skips by reason, conversions, uplift against the holdout with its 95% interval, the funnel (results of a campaign with a DP budget: GET it)", Handle: campaigns.list(store.CampaignKindCampaign), Out: CampaignList{}},
		{Method: "POST", Path: "/api/v1/campaigns", Access: Operator, Scope: auth.ScopeCampaignsWrite, MaxBody: 256 << 10, Needs: "campaigns", Summary: "define or replace a campaign (draft) from its JSON definition (internal/campaign/doc.go); 400 invalid_definition names the line, column and JSON pointer", Handle: campaigns.define(store.CampaignKindCampaign), In: campaign.Campaign{}, Out: CampaignView{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/campaigns/{id}", Access: Operator, Scope: auth.ScopeCampaignsRead, Needs: "campaigns", Summary: "one campaign with its results (released through the DP engine, and charged, when it names a budget)", Handle: campaigns.get(store.CampaignKindCampaign), Out: CampaignView{}},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/activate", Access: Operator, Scope: auth.ScopeCampaignsWrite, Needs: "campaigns", Summary: "activate a campaign: its schedule starts (once, recurring) or its trigger listens", Handle: campaigns.setStatus(store.CampaignKindCampaign, true), Out: CampaignView{}},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/pause", Access: Operator, Scope: auth.ScopeCampaignsWrite, Needs: "campaigns", Summary: "pause a campaign: nothing is planned or sent until it is activated again", Handle: campaigns.setStatus(store.CampaignKindCampaign, false), Out: CampaignView{}},
		{Method: "GET", Path: "/api/v1/journeys", Access: Operator, Scope: auth.ScopeCampaignsRead, Needs: "campaigns", Summary: "journeys with status and results", Handle: campaigns.list(store.CampaignKindJourney), Out: JourneyList{}},
		{Method: "POST", Path: "/api/v1/journeys", Access: Operator, Scope: auth.ScopeCampaignsWrite, MaxBody: 256 << 10, Needs: "campaigns", Summary: "define or replace a journey (draft): entry on a segment or an event; steps wait, wait_until, branch, send, exit", Handle: campaigns.define(store.CampaignKindJourney), In: campaign.Journey{}, Out: CampaignView{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/journeys/{id}", Access: Operator, Scope: auth.ScopeCampaignsRead, Needs: "campaigns", Summary: "one journey with its results", Handle: campaigns.get(store.CampaignKindJourney), Out: CampaignView{}},
		{Method: "POST", Path: "/api/v1/journeys/{id}/activate", Access: Operator, Scope: auth.ScopeCampaignsWrite, Needs: "campaigns", Summary: "activate a journey: people enter on its segment or event from now on", Handle: campaigns.setStatus(store.CampaignKindJourney, true), Out: CampaignView{}},
		{Method: "POST", Path: "/api/v1/journeys/{id}/pause", Access: Operator, Scope: auth.ScopeCampaignsWrite, Needs: "campaigns", Summary: "pause a journey: nobody enters or moves on until it is activated again", Handle: campaigns.setStatus(store.CampaignKindJourney, false), Out: CampaignView{}},
		{Method: "GET", Path: "/unsubscribe", Access: Public, Needs: "campaigns", Summary: "the one-click unsubscribe link of a marketing message: a confirmation page (scanners fetching links unsubscribe nobody)", Handle: campaigns.unsubscribe, Query: tokenParam},
		{Method: "POST", Path: "/unsubscribe", Access: Public, MaxBody: 4 << 10, Needs: "campaigns", Summary: "RFC 8058 one-click unsubscribe (body List-Unsubscribe=One-Click): records an objection to direct marketing", Handle: campaigns.unsubscribe, In: "x-www-form-urlencoded", Query: tokenParam},
		{Method: "POST", Path: "/api/v1/privacy-budgets", Access: Operator, Scope: auth.ScopeBudgetsWrite, MaxBody: 4 << 10, Needs: "dp", Summary: "create a differential-privacy budget: epsilon, delta and a period (lifetime or a rolling window such as 30d); audited", Handle: reports.createBudget, In: dp.BudgetSpec{}, Out: dp.Budget{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/privacy-budgets", Access: Operator, Scope: auth.ScopeReportsRead, Needs: "dp", Summary: "privacy budgets with what was spent in their period (ε, ρ, δ) and what remains", Handle: reports.budgets, Out: BudgetList{}},
		{Method: "POST", Path: "/api/v1/reports", Access: Operator, Scope: auth.ScopeReportsWrite, MaxBody: 64 << 10, Needs: "dp", Summary: "a differentially private report over the stored events the purpose may read, charged to a budget (dry_run: price and expected error only); 409 privacy_budget_exhausted with the amounts", Handle: reports.report, In: dp.Spec{}, Out: dp.Release{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/reports", Access: Operator, Scope: auth.ScopeReportsRead, Needs: "dp", Summary: "stored releases, newest first (?budget=, ?limit= up to 1000, default 100)", Handle: reports.releases, Out: ReleaseList{}, Query: []Param{{Name: "budget", Description: "only this budget's releases"}, {Name: "limit", Description: "1 to 1000 (default 100)"}}},
		{Method: "GET", Path: "/api/v1/reports/schema", Access: Operator, Scope: auth.ScopeReportsRead, Needs: "dp", Summary: "what a report under ?purpose= may read: event types and their properties, traits, campaigns (from the manifest in force)", Handle: reports.schema, Out: stored.Schema{}, Query: []Param{{Name: "purpose", Description: "the report's purpose", Required: true}}},
		{Method: "GET", Path: "/api/v1/reports/{id}", Access: Operator, Scope: auth.ScopeReportsRead, Needs: "dp", Summary: "one stored release: its spec, noisy cells with 95% intervals, and its budget's remainder", Handle: reports.release, Out: dp.Release{}},

		{Method: "POST", Path: "/api/v1/partners/invites", Access: Operator, Scope: auth.ScopePartnersWrite, Needs: "cleanroom", Summary: "make an invite to pair with this instance (its URL and public key, a one-time secret, valid 24 hours): hand the token to the partner's privacy officer out of band", Handle: crm.invite, Out: room.Invite{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/partners", Access: Operator, Scope: auth.ScopePartnersWrite, MaxBody: 8 << 10, Needs: "cleanroom", Summary: "accept a partner's invite: this instance answers with its own URL and key, and both pin each other", Handle: crm.accept, In: AcceptRequest{}, Out: PartnerCreated{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/partners", Access: Operator, Scope: auth.ScopeCleanRoomRead, Needs: "cleanroom", Summary: "paired partners with their pinned keys and status, and this instance's own URL and key", Handle: crm.partners, Out: PartnerList{}},
		{Method: "POST", Path: "/api/v1/partners/{id}/suspend", Access: Operator, Scope: auth.ScopePartnersWrite, Needs: "cleanroom", Summary: "suspend a partner: its calls are refused and its unfinished jobs stop (their secrets wiped)", Handle: crm.status(partner.Suspend), Out: room.PartnerView{}},
		{Method: "POST", Path: "/api/v1/partners/{id}/resume", Access: Operator, Scope: auth.ScopePartnersWrite, Needs: "cleanroom", Summary: "resume a suspended partner (stopped jobs are proposed again)", Handle: crm.status(partner.Resume), Out: room.PartnerView{}},
		{Method: "POST", Path: "/api/v1/cleanroom/jobs", Access: Operator, Scope: auth.ScopeCleanRoomWrite, MaxBody: 16 << 10, Needs: "cleanroom", Summary: "propose a clean-room job to a partner (psi_cardinality or intersection_sum, matching on email or phone, under a consent purpose); each side's privacy officer approves before it runs", Handle: crm.propose, In: room.Proposal{}, Out: JobCreated{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/cleanroom/jobs", Access: Operator, Scope: auth.ScopeCleanRoomRead, Needs: "cleanroom", Summary: "clean-room jobs, newest first: proposals to approve, running and finished ones with their results", Handle: crm.jobs, Out: JobList{}},
		{Method: "GET", Path: "/api/v1/cleanroom/jobs/{id}", Access: Operator, Scope: auth.ScopeCleanRoomRead, Needs: "cleanroom", Summary: "one clean-room job: its state and result (intersection_size, and intersection_sum on the initiator of intersection_sum; withheld below the minimum)", Handle: crm.job, Out: room.Job{}},
		{Method: "POST", Path: "/api/v1/cleanroom/jobs/{id}/approve", Access: Operator, Scope: auth.ScopeCleanRoomApprove, MaxBody: 4 << 10, Needs: "cleanroom", Summary: "this side's privacy officer approves a job, optionally narrowing its people to a segment (and, on the partner's side of intersection_sum, the value summed)", Handle: crm.approve, In: room.Approval{}, Out: room.Job{}},
		{Method: "POST", Path: "/api/v1/cleanroom/jobs/{id}/refuse", Access: Operator, Scope: auth.ScopeCleanRoomApprove, Needs: "cleanroom", Summary: "this side's privacy officer refuses a job (or withdraws approval before it runs)", Handle: crm.refuse, Out: room.Job{}},
		{Method: "POST", Path: "/api/v1/partner/pair", Access: Public, MaxBody: 8 << 10, Needs: "cleanroom", Summary: "instance to instance: an invitee's acceptance of this instance's invite (authenticated by the invite's one-time secret and the invitee's signature)", Handle: crm.pair, In: PairRequest{}, Out: PartnerCreated{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/partner/jobs", Access: Partner, MaxBody: 16 << 10, Needs: "cleanroom", Summary: "instance to instance (signed): a partner proposes a job", Handle: crm.proposed, In: room.PartnerProposal{}, Out: JobCreated{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/partner/jobs/{id}/approval", Access: Partner, MaxBody: 1 << 10, Needs: "cleanroom", Summary: "instance to instance (signed): the other side approved or refused a job", Handle: crm.decided, In: room.PartnerApproval{}, Status: http.StatusNoContent},
		{Method: "POST", Path: "/api/v1/partner/jobs/{id}/messages", Access: Partner, MaxBody: cleanroomMessageLimit, Needs: "cleanroom", Summary: "instance to instance (signed): one clean-room protocol message (application/octet-stream, internal/cleanroom's wire format)", Handle: crm.message, In: "octet-stream", Status: http.StatusNoContent},
		{Method: "POST", Path: "/api/v1/partner/jobs/{id}/abort", Access: Partner, MaxBody: 1 << 10, Needs: "cleanroom", Summary: "instance to instance (signed): the job failed on the other side; this side wipes its state too", Handle: crm.abort, In: room.Abort{}, Status: http.StatusNoContent},

		{Method: "GET", Path: "/api/v1/whoami", Access: Operator, Summary: "the calling operator, its scopes and the console capabilities", Handle: s.whoami, Out: whoamiDoc{}},
		{Method: "POST", Path: "/api/v1/signin", Access: Operator, Summary: "an operator opens the console: recorded in the audit log; answers as whoami", Handle: s.signin, Out: whoamiDoc{}},
		{Method: "GET", Path: "/api/v1/operators", Access: Operator, Scope: auth.ScopeOperatorsRead, Summary: "list operators", Handle: s.listOperators, Out: operatorList{}},
		{Method: "POST", Path: "/api/v1/operators", Access: Operator, Scope: auth.ScopeOperatorsWrite, Summary: "create an operator", Handle: s.createOperator, In: newOperator{}, Out: operatorJSON{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/operators/{id}/tokens", Access: Operator, Scope: auth.ScopeTokensWrite, Summary: "issue an API token for an operator", Handle: s.issueToken, In: newToken{}, Out: issuedToken{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/tokens", Access: Operator, Scope: auth.ScopeOperatorsRead, Summary: "list tokens (never their secrets)", Handle: s.listTokens, Out: tokenList{}, Query: []Param{{Name: "operator_id"}}},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Access: Operator, Scope: auth.ScopeTokensWrite, Summary: "revoke a token", Handle: s.revokeToken, Status: http.StatusNoContent},
		{Method: "GET", Path: "/api/v1/sources", Access: Operator, Scope: auth.ScopeSourcesRead, Summary: "list event sources", Handle: s.listSources, Out: sourceList{}},
		{Method: "POST", Path: "/api/v1/sources", Access: Operator, Scope: auth.ScopeSourcesWrite, Summary: "create an event source and its write key", Handle: s.createSource, In: newSource{}, Out: sourceJSON{}, Status: http.StatusCreated},
	}
}

// wrap applies the route's body limit and access check, then runs its handler.
func (s *Server) wrap(rt Route) http.Handler {
	limit := rt.MaxBody
	if limit == 0 {
		limit = defaultMaxBody
	}
	enabled := s.available()[rt.Needs]
	params := pathParams(rt.Path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if rt.Access != Public {
			// Answers to credentialed calls name people, tokens or their data: no cache,
			// shared or private, may keep them.
			w.Header().Set("Cache-Control", "no-store")
		}
		switch rt.Access {
		case Operator:
			p, err := s.auth.Authenticate(r.Context(), bearer(r))
			if err != nil {
				writeError(w, r, err)
				return
			}
			if rt.Scope != "" && !p.Has(rt.Scope) {
				writeError(w, r, Errorf(http.StatusForbidden, CodeForbidden, "this route needs scope %s, which the token does not hold", rt.Scope))
				return
			}
			if len(rt.AnyScope) > 0 && !hasAny(p, rt.AnyScope) {
				writeError(w, r, Errorf(http.StatusForbidden, CodeForbidden, "this route needs one of the scopes %v, which the token does not hold", rt.AnyScope))
				return
			}
			r = r.WithContext(withPrincipal(r.Context(), p))
		case Subject:
			sp, err := s.auth.AuthenticateSubject(r.Context(), bearer(r))
			if err != nil {
				writeError(w, r, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), keySubject, sp))
		case Partner:
			vr, err := s.verifyPartner(r)
			if err != nil {
				writeError(w, r, err)
				return
			}
			r = vr
		}
		if err := checkRequestText(r, params); err != nil {
			writeError(w, r, err)
			return
		}
		if !enabled {
			writeError(w, r, Errorf(http.StatusServiceUnavailable, CodeUnavailable, "%s is not enabled on this server", rt.Needs))
			return
		}
		if err := rt.Handle(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}
