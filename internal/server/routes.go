package server

import (
	"context"
	"net/http"

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
)

// Route is one row of the route table.
type Route struct {
	Method  string
	Path    string
	Access  Access
	Scope   auth.Scope // required scope for Operator routes
	MaxBody int64      // request body limit; 0 means defaultMaxBody
	Summary string     // one line for the OpenAPI document
	Handle  func(http.ResponseWriter, *http.Request) error
}

const defaultMaxBody = 1 << 20

// table is the one list of Steward's routes.
func (s *Server) table() []Route {
	return []Route{
		{Method: "GET", Path: "/healthz", Access: Public, Summary: "200 when the store answers", Handle: s.healthz},
		{Method: "GET", Path: "/api/openapi.json", Access: Public, Summary: "this API's OpenAPI document, built from the route table", Handle: s.openAPIHandler},

		{Method: "POST", Path: "/v1/{endpoint}", Access: WriteKey, MaxBody: 1 << 20, Summary: "Segment tracking API: track, identify, page, screen, group, alias, batch, import and the browser's t, p, i, g, a, s, b", Handle: s.ingest},
		{Method: "OPTIONS", Path: "/v1/{endpoint}", Access: Public, Summary: "CORS preflight for browser clients", Handle: s.ingestPreflight},
		{Method: "GET", Path: "/v1/projects/{writeKey}/settings", Access: Public, Summary: "settings document for @segment/analytics-next", Handle: s.browserSettings},

		{Method: "GET", Path: "/api/v1/schemas/{name}", Access: Public, Summary: "published JSON Schemas (export.json: the portable data export)", Handle: s.getSchema},
		{Method: "GET", Path: "/sdk/notice.json", Access: Public, Summary: "the layered privacy notice in force (?lang=, ?moment= for just-in-time notices)", Handle: s.publicNotice},
		{Method: "GET", Path: "/sdk/config.json", Access: Public, Summary: "what the consent SDK shows: categories, statements, GPC effects, notice version", Handle: s.sdkConfig},
		{Method: "GET", Path: "/.well-known/gpc.json", Access: Public, Summary: "Global Privacy Control support statement", Handle: s.gpcJSON},
		{Method: "POST", Path: "/api/v1/tcf/decode", Access: Operator, Scope: auth.ScopeConsentRead, MaxBody: 128 << 10, Summary: "decode an IAB TCF v2.2/v2.3 TC string into its lists", Handle: s.tcfDecode},

		{Method: "POST", Path: "/api/v1/subjects/{id}/sessions", Access: Operator, Scope: auth.ScopeSessionsWrite, Summary: "mint a privacy-center session for the shop's signed-in customer ({id} is the shop's userId)", Handle: s.mintSession},
		{Method: "GET", Path: "/api/v1/me", Access: Subject, Summary: "the privacy center's view of the signed-in subject", Handle: s.me},
		{Method: "POST", Path: "/api/v1/me/consents", Access: Subject, MaxBody: 16 << 10, Summary: "grant or withdraw one purpose (the subject's own choice)", Handle: s.meSetConsent},
		{Method: "POST", Path: "/api/v1/me/personalisation", Access: Subject, MaxBody: 1 << 10, Summary: "turn personalisation off (every targeting purpose withdrawn at once) or back on", Handle: s.meSetPersonalisation},
		{Method: "GET", Path: "/api/v1/me/consent-mode", Access: Subject, Summary: "Google Consent Mode v2 values derived from the subject's state", Handle: s.meConsentMode},
		{Method: "GET", Path: "/api/v1/me/export", Access: Subject, Summary: "the subject's data as portable JSON", Handle: s.meExport},
		{Method: "GET", Path: "/api/v1/subjects/{id}/events", Access: Operator, Scope: auth.ScopeProfilesRead, Summary: "events of the shop's userId {id} as ?purpose= may see them (identifiers masked unless admin or privacy officer)", Handle: s.subjectEvents},
		{Method: "GET", Path: "/api/v1/consent/rates", Access: Operator, Scope: auth.ScopeConsentRead, Summary: "grants and withdrawals per purpose per day (?days=30)", Handle: s.consentRates},
		{Method: "GET", Path: "/api/v1/subjects/{id}/consent", Access: Operator, Scope: auth.ScopeConsentRead, Summary: "consent state of the shop's userId {id} at ?at= (default now), with its records", Handle: s.subjectConsent},
		{Method: "DELETE", Path: "/api/v1/me", Access: Subject, Summary: "delete my account and data now; answers with the completeness check", Handle: s.meErase},
		{Method: "POST", Path: "/api/v1/me/requests", Access: Subject, MaxBody: 16 << 10, Summary: "file a rights request (access, export, correction, erasure, restriction, objection, withdrawal, explanation, account_deletion)", Handle: s.meCreateRequest},
		{Method: "GET", Path: "/api/v1/me/requests", Access: Subject, Summary: "my rights requests", Handle: s.meRequests},
		{Method: "GET", Path: "/api/v1/me/requests/{id}", Access: Subject, Summary: "one of my rights requests", Handle: s.meRequest},
		{Method: "GET", Path: "/api/v1/rights-requests", Access: Operator, Scope: auth.ScopeRightsRead, Summary: "the request queue: open first by deadline, with due-soon and overdue flags", Handle: s.rightsRequests},
		{Method: "GET", Path: "/api/v1/rights-requests/{id}", Access: Operator, Scope: auth.ScopeRightsRead, Summary: "one request with its steps", Handle: s.rightsRequest},
		{Method: "POST", Path: "/api/v1/rights-requests/{id}/steps", Access: Operator, Scope: auth.ScopeRightsWrite, Summary: "move a request on (in_progress, done, refused with a reason)", Handle: s.stepRightsRequest},
		{Method: "DELETE", Path: "/api/v1/me/session", Access: Subject, Summary: "sign out of the privacy center", Handle: s.signOut},

		{Method: "GET", Path: "/api/v1/taxonomy", Access: Operator, Scope: auth.ScopeManifestRead, Summary: "data categories (with PIPL grades) and purposes (with bases, retention and statements)", Handle: s.getTaxonomy},
		{Method: "GET", Path: "/api/v1/manifest", Access: Operator, Scope: auth.ScopeManifestRead, Summary: "the privacy manifest in force: version, hash, YAML", Handle: s.getManifest},
		{Method: "PUT", Path: "/api/v1/manifest", Access: Operator, Scope: auth.ScopeManifestWrite, MaxBody: 1 << 20, Summary: "check and publish a new manifest version (application/yaml); located errors on 400", Handle: s.putManifest},
		{Method: "GET", Path: "/api/v1/manifest/versions", Access: Operator, Scope: auth.ScopeManifestRead, Summary: "every manifest version, newest first", Handle: s.listManifestVersions},
		{Method: "GET", Path: "/api/v1/manifest/versions/{seq}", Access: Operator, Scope: auth.ScopeManifestRead, Summary: "one manifest version with its YAML", Handle: s.getManifestVersion},
		{Method: "GET", Path: "/api/v1/notices/{seq}", Access: Operator, Scope: auth.ScopeManifestRead, Summary: "the layered notice of a manifest version (?lang=, ?moment=)", Handle: s.versionNotice},
		{Method: "GET", Path: "/api/v1/manifest/diff", Access: Operator, Scope: auth.ScopeManifestRead, Summary: "changes between two manifest versions (?from=&to=)", Handle: s.diffManifests},

		{Method: "GET", Path: "/api/v1/audit/checkpoint", Access: Operator, Scope: auth.ScopeAuditRead, Summary: "the latest signed checkpoint of the audit log (C2SP signed note)", Handle: s.auditCheckpoint},
		{Method: "POST", Path: "/api/v1/audit/checkpoint", Access: Operator, Scope: auth.ScopeAuditRead, Summary: "sign a checkpoint of the log as it is now", Handle: s.auditMakeCheckpoint},
		{Method: "GET", Path: "/api/v1/audit/leaves/{index}", Access: Operator, Scope: auth.ScopeAuditRead, Summary: "one leaf of the audit log", Handle: s.auditLeaf},
		{Method: "GET", Path: "/api/v1/audit/proofs/inclusion", Access: Operator, Scope: auth.ScopeAuditRead, Summary: "RFC 6962 inclusion proof (?index=&size=)", Handle: s.auditInclusion},
		{Method: "GET", Path: "/api/v1/audit/proofs/consistency", Access: Operator, Scope: auth.ScopeAuditRead, Summary: "RFC 6962 consistency proof (?old=&new=)", Handle: s.auditConsistency},
		{Method: "GET", Path: "/api/v1/me/report", Access: Subject, Summary: "my transparency report: every use of my data, each with its inclusion proof", Handle: s.meReport},

		{Method: "GET", Path: "/api/v1/tags", Access: Operator, Scope: auth.ScopeTagsRead, Summary: "tag definitions with coverage, deletions and next expiry", Handle: s.listTags},
		{Method: "POST", Path: "/api/v1/tags", Access: Operator, Scope: auth.ScopeTagsWrite, MaxBody: 64 << 10, Summary: "define or replace a tag (rule, statistical or model); refused with the reason, e.g. a marketing tag on a sensitive category", Handle: s.defineTag},
		{Method: "GET", Path: "/api/v1/tags/{name}", Access: Operator, Scope: auth.ScopeTagsRead, Summary: "one tag definition with coverage", Handle: s.getTag},
		{Method: "DELETE", Path: "/api/v1/tags/{name}", Access: Operator, Scope: auth.ScopeTagsWrite, Summary: "remove a tag defined through the API (its values vanish)", Handle: s.deleteTag},
		{Method: "POST", Path: "/api/v1/profiles/refresh", Access: Operator, Scope: auth.ScopeTagsWrite, Summary: "recompute every tag and segment now", Handle: s.refreshProfiles},
		{Method: "GET", Path: "/api/v1/segments", Access: Operator, Scope: auth.ScopeSegmentsRead, Summary: "segments with size, size by purpose eligibility and exclusions by reason (counts only)", Handle: s.listSegments},
		{Method: "POST", Path: "/api/v1/segments", Access: Operator, Scope: auth.ScopeSegmentsWrite, MaxBody: 64 << 10, Summary: "define or replace a segment (expression and purpose); located errors on 400", Handle: s.defineSegment},
		{Method: "POST", Path: "/api/v1/segments/preview", Access: Operator, Scope: auth.ScopeSegmentsRead, MaxBody: 64 << 10, Summary: "counts for an expression and purpose, never who", Handle: s.previewSegment},
		{Method: "GET", Path: "/api/v1/segments/{name}", Access: Operator, Scope: auth.ScopeSegmentsRead, Summary: "one segment with its counts", Handle: s.getSegment},
		{Method: "DELETE", Path: "/api/v1/segments/{name}", Access: Operator, Scope: auth.ScopeSegmentsWrite, Summary: "remove a segment", Handle: s.deleteSegment},
		{Method: "POST", Path: "/api/v1/segments/{name}/export", Access: Operator, Scope: auth.ScopeActivationWrite, MaxBody: 1 << 10, Summary: "release the audience for the segment's purpose if it has at least min_audience people (default 50); audited", Handle: s.exportSegment},
		{Method: "GET", Path: "/api/v1/subjects/{id}/profile", Access: Operator, Scope: auth.ScopeProfilesRead, Summary: "traits, computed attributes and tags of the shop's userId {id} as ?purpose= may see them", Handle: s.subjectProfile},
		{Method: "GET", Path: "/api/v1/me/tags", Access: Subject, Summary: "the tags used on me, each with why it applies", Handle: s.myTags},
		{Method: "DELETE", Path: "/api/v1/me/tags/{name}", Access: Subject, Summary: "delete a tag about me; it is not computed for me again", Handle: s.deleteMyTag},

		{Method: "GET", Path: "/api/v1/whoami", Access: Operator, Summary: "the calling operator, its scopes and the console capabilities", Handle: s.whoami},
		{Method: "GET", Path: "/api/v1/operators", Access: Operator, Scope: auth.ScopeOperatorsRead, Summary: "list operators", Handle: s.listOperators},
		{Method: "POST", Path: "/api/v1/operators", Access: Operator, Scope: auth.ScopeOperatorsWrite, Summary: "create an operator", Handle: s.createOperator},
		{Method: "POST", Path: "/api/v1/operators/{id}/tokens", Access: Operator, Scope: auth.ScopeTokensWrite, Summary: "issue an API token for an operator", Handle: s.issueToken},
		{Method: "GET", Path: "/api/v1/tokens", Access: Operator, Scope: auth.ScopeOperatorsRead, Summary: "list tokens (never their secrets)", Handle: s.listTokens},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Access: Operator, Scope: auth.ScopeTokensWrite, Summary: "revoke a token", Handle: s.revokeToken},
		{Method: "GET", Path: "/api/v1/sources", Access: Operator, Scope: auth.ScopeSourcesRead, Summary: "list event sources", Handle: s.listSources},
		{Method: "POST", Path: "/api/v1/sources", Access: Operator, Scope: auth.ScopeSourcesWrite, Summary: "create an event source and its write key", Handle: s.createSource},
	}
}

// wrap applies the route's body limit and access check, then runs its handler.
func (s *Server) wrap(rt Route) http.Handler {
	limit := rt.MaxBody
	if limit == 0 {
		limit = defaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
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
			r = r.WithContext(withPrincipal(r.Context(), p))
		case Subject:
			sp, err := s.auth.AuthenticateSubject(r.Context(), bearer(r))
			if err != nil {
				writeError(w, r, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), keySubject, sp))
		}
		if err := rt.Handle(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}
