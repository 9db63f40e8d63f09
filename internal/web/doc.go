// Package web serves Steward's two faces (DESIGN.md "Layout"): the console at /console/
// for operators and the privacy center at /privacy/ for the people the data is about — and
// the public algorithm register at /algorithms (Algorithms), the one page rendered whole on
// the server from data the caller hands it, readable without any script.
//
// Pages are rendered on the server with html/template from files embedded with embed.FS
// (no front-end build step), in one language per page — Simplified Chinese or English,
// chosen by ?lang=, then the language remembered in a cookie, then Accept-Language — with
// a visible switcher. Every visible string comes from the message catalogues in i18n/; a
// test keeps the two catalogues' keys identical, so no page can fall back to the other
// language. Small plain scripts in static/ call the JSON APIs; they receive their strings
// through a JSON data block in the page, never through inline script, so the
// Content-Security-Policy can forbid inline code entirely.
//
// The privacy center reads its session token from the URL fragment (#token=…, as minted by
// POST /api/v1/subjects/{id}/sessions), moves it to sessionStorage and removes it from the
// address bar, then renders GET /api/v1/me:
//
//	{"subject": {"id": "..."},
//	 "sections": [
//	   {"id": "personalisation", "on": true},
//	   {"id": "consent", "purposes": [{"key", "name", "statement", "basis", "granted", "needs_consent"}]},
//	   {"id": "data", "categories": [{"key", "name", "grade", "purposes": [...], "retention_days", "count"}],
//	                  "profile": [{"path", "label", "value"}], "activity": [{"kind", "label", "approx", "recent"}]},
//	   {"id": "tags", "href": "/api/v1/me/tags"},  (only when the profile engine runs)
//	   {"id": "requests", "requests": [{"id", "type", "state", "deadline", "steps"}]},
//	   {"id": "report", "href": "/api/v1/me/activity"}, {"id": "flows", "href": "/api/v1/me/flows"}]}
//
// Sections the server does not send are not shown. The tags section fetches GET
// /api/v1/me/tags ({"tags": [{"name", "label", "explanation", "evidence": [{"what", "value"}],
// "purpose_name", "expires_at", "deletable"}], "deleted": [{"name", "label", "deleted_at"}]})
// and deletes with DELETE /api/v1/me/tags/{name}; a deleted tag is listed as deleted and is
// not computed for the person again. The report lists the person's activity in plain words
// and the flows section (static/privacy-flows.js) where their data went; each line carries
// its log entry, which the page checks against the signed checkpoint itself (RFC 6962
// inclusion, and audience membership for acts about many people). Correction, objection and
// restriction are short forms filing POST /api/v1/me/requests. Consent toggles POST
// /api/v1/me/consents {"purpose", "granted"}; "turn off personalisation" POSTs
// /api/v1/me/personalisation {"on": false}.
//
// /privacy/request is the request form for people without an account (templates/
// request.html, static/request.js): an email address, a one-time code, a receipt. The
// console's rights screen lives in static/console-requests.js.
package web
