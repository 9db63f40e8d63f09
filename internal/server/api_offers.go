package server

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/pricing"
	"github.com/stewardhq/steward/internal/recommend"
)

// offersAPI serves what a shop page asks with its public write key: recommendations for a
// slot and a quoted price (issue 24 items 1 and 3). The write key is public, so answers
// carry only what a page showing the visitor their own items and prices needs.
type offersAPI struct {
	s         *Server
	recommend *recommend.Recommender
	pricing   *pricing.Service
}

// writeKeyOf takes the write key as ingestion does (Basic user, X-Write-Key) or, for a
// simple cross-origin GET without a preflight, from ?writeKey=.
func writeKeyOf(r *http.Request) string {
	if user, _, ok := r.BasicAuth(); ok && user != "" {
		return user
	}
	if k := r.Header.Get("X-Write-Key"); k != "" {
		return k
	}
	return r.URL.Query().Get("writeKey")
}

// admit authenticates the write key and takes one token of its rate.
//
// It returns whether the caller may name a customer by userId: only a server-side source's
// key may. A browser's write key is public, so from a browser a userId proves nothing —
// anyone could ask for another customer's recommendations and their reasons ("because you
// added … to your cart") or their loyalty-priced quote. A browser is served by the
// anonymousId it holds (random, linked to the customer by their own identify call).
func (h offersAPI) admit(w http.ResponseWriter, r *http.Request) (userIDs bool, err error) {
	allowCORS(w)
	src, err := h.s.auth.SourceForKey(r.Context(), writeKeyOf(r))
	if err != nil {
		return false, err
	}
	if wait := h.s.limiter.reserve(src.ID, 1); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return false, Errorf(http.StatusTooManyRequests, CodeRateLimited, "rate limit for this write key exceeded; retry after %d s", secs)
	}
	return src.ServerSide, nil
}

// offersPreflight answers CORS preflights for the offer routes.
func (h offersAPI) preflight(w http.ResponseWriter, _ *http.Request) error {
	allowCORS(w)
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Write-Key")
	w.Header().Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var recommendParams = []Param{
	{Name: "userId", Description: "the shop's userId of the visitor: honoured only with a server-side source's key (a browser's key is public), else ignored"},
	{Name: "anonymousId", Description: "the visitor's anonymousId"},
	{Name: "slot", Description: "where the items go (home, cart, product…), at most 64 characters"},
	{Name: "n", Description: "how many items, 1 to 50 (default 10)"},
	{Name: "writeKey", Description: "the write key, when not sent as Basic user or X-Write-Key"},
	langParam,
}

// recommendations serves GET /v1/recommendations.
func (h offersAPI) recommendations(w http.ResponseWriter, r *http.Request) error {
	userIDs, err := h.admit(w, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	n := 10
	if v := q.Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 50 {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "n must be a number from 1 to 50")
		}
	}
	slot := q.Get("slot")
	if len(slot) > 64 || strings.ContainsAny(slot, "\x00\n\r") {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "slot is at most 64 characters on one line")
	}
	user, anon := q.Get("userId"), q.Get("anonymousId")
	if len(user) > 256 || len(anon) > 256 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "userId and anonymousId are at most 256 characters")
	}
	if !userIDs {
		user = ""
	}
	res, err := h.recommend.Recommend(r.Context(), recommend.Request{UserID: user, AnonymousID: anon, Slot: slot, N: n, Lang: lang(r)})
	if err != nil {
		return err
	}
	// The answer depends on the person's choices now: never cached anywhere.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, res)
	return nil
}

// QuoteRequest is the body of POST /v1/offers/quote. Prices are in minor units.
type QuoteRequest struct {
	UserID       string `json:"userId,omitempty"`
	AnonymousID  string `json:"anonymousId,omitempty"`
	Item         string `json:"item"`
	ItemCategory string `json:"item_category,omitempty"`
	BasePrice    int64  `json:"base_price"`
	Currency     string `json:"currency"`
	Channel      string `json:"channel,omitempty"`
	Quantity     int    `json:"quantity,omitempty"`
	PromoCode    string `json:"promo_code,omitempty"`
	// Device is the device class (mobile, tablet, desktop); the User-Agent is used when
	// absent. It feeds the fairness audit only.
	Device  string `json:"device,omitempty"`
	Country string `json:"country,omitempty"`
	Region  string `json:"region,omitempty"`
}

// quote serves POST /v1/offers/quote.
func (h offersAPI) quote(w http.ResponseWriter, r *http.Request) error {
	userIDs, err := h.admit(w, r)
	if err != nil {
		return err
	}
	var in QuoteRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if !userIDs {
		in.UserID = "" // see admit: a browser names nobody but its own anonymousId
	}
	if len(in.UserID) > 256 || len(in.AnonymousID) > 256 || len(in.Country) > 64 || len(in.Region) > 64 {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "userId, anonymousId, country or region too long")
	}
	device := in.Device
	if device == "" {
		device = r.UserAgent()
		if len(device) > 512 {
			device = device[:512]
		}
	}
	q, err := h.pricing.Quote(r.Context(), pricing.QuoteRequest{UserID: in.UserID, AnonymousID: in.AnonymousID, Item: in.Item,
		ItemCategory: in.ItemCategory, BasePrice: in.BasePrice, Currency: in.Currency, Channel: in.Channel, Quantity: in.Quantity,
		PromoCode: in.PromoCode, Device: device, Country: in.Country, Region: in.Region, Lang: lang(r)})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, q)
	return nil
}

// pricingAPI serves the operators' price rules and fairness audit.
type pricingAPI struct{ svc *pricing.Service }

// RuleList lists price rules.
type RuleList struct {
	Rules []pricing.RuleView `json:"rules"`
}

func (h pricingAPI) rules(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.svc.Rules(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, RuleList{Rules: rs})
	return nil
}

func (h pricingAPI) putRule(w http.ResponseWriter, r *http.Request) error {
	var in pricing.Rule
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.svc.PutRule(r.Context(), in, principal(r).Operator.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h pricingAPI) deleteRule(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.DeleteRule(r.Context(), r.PathValue("name"), principal(r).Operator.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var auditParams = []Param{
	{Name: "from", Description: "RFC 3339 start (default 24 hours ago)"},
	{Name: "to", Description: "RFC 3339 end (default now)"},
	{Name: "threshold", Description: "relative gap that is a disparity (default 0.01)"},
	{Name: "min_quotes", Description: "quotes a band needs in a group (default 3)"},
}

func (h pricingAPI) audit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	to, from := time.Now().UTC(), time.Time{}
	var err error
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "to must be an RFC 3339 instant")
		}
	}
	from = to.Add(-24 * time.Hour)
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "from must be an RFC 3339 instant")
		}
	}
	var o pricing.AuditOptions
	if v := q.Get("threshold"); v != "" {
		if o.Threshold, err = strconv.ParseFloat(v, 64); err != nil || o.Threshold <= 0 || o.Threshold >= 1 {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "threshold must be a number between 0 and 1")
		}
	}
	if v := q.Get("min_quotes"); v != "" {
		if o.MinQuotes, err = strconv.Atoi(v); err != nil || o.MinQuotes < 1 || o.MinQuotes > 10000 {
			return Errorf(http.StatusBadRequest, CodeBadRequest, "min_quotes must be a number from 1 to 10000")
		}
	}
	rep, err := h.svc.Audit(r.Context(), from, to, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (h pricingAPI) issued(w http.ResponseWriter, r *http.Request) error {
	q, err := h.svc.Issued(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}
