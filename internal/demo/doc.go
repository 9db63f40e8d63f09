// Package demo generates the synthetic shop behind `steward demo`: a seeded
// population of shoppers (all age bands, regions CN / EU / US-CA / other,
// every kind of consent) and months of their browsing, searching, carts and
// orders, emitted as the exact Segment /v1/batch bodies a real client sends.
// The demo feeds them through the real HTTP ingestion path, so the consent
// gate, the vault and the audit log treat demo data like any other.
//
// The package owns data only: it knows nothing of HTTP, stores or policy.
//
// # Invariants
//
//   - Deterministic: the output is a pure function of Config. The same
//     Config gives byte-identical batches (math/rand/v2 PCG streams derived
//     from Seed; subject i has its own streams, so it is the same whatever
//     Config.Subjects is, and BatchSize changes only where batches split).
//   - Every batch is {"batch":[…],"sentAt":"<Config.Now>"} of at most
//     Config.BatchSize messages and MaxBatchBytes bytes; every message is
//     at most MaxMessageBytes. Batches must be ingested in emitted order.
//   - Per subject, the identify is the first message emitted; the rest follow
//     in timestamp order. Messages before login (timestamped before the
//     identify) carry anonymousId only; the identify and everything after
//     carry both anonymousId and userId, as analytics.js does.
//   - Every message timestamp lies in [Now − Months, Now) (traits.createdAt
//     of long-standing customers is earlier). Visits follow local weekday and
//     hour-of-day patterns (fixed UTC offsets; daylight saving is ignored).
//   - Personal data is synthetic and kept in reserved ranges: emails under
//     example.com / example.net / example.org; IPs in 192.0.2.0/24,
//     198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32; phones in fiction
//     ranges (US +1 <CA area code> 555-01xx, GB +44 7700 900xxx, FR
//     +33 6 39 98 xx xx), none for other EU countries or under-14s. China has
//     no fictional mobile range, so CN phones are random 1[3-9]x numbers
//     with +86 — never dial or message them. Names combine common given names
//     and surnames; the shop is shop.example.com; brands and book titles are
//     invented.
//
// # Messages
//
// Common fields, in this key order: type, messageId ("demo-<seed>-<n>", n
// counting from 1 over the whole run), anonymousId (a UUID v4), userId
// ("u" + 16 hex digits, unique per subject), timestamp (RFC 3339, ms, UTC).
// Then per type:
//
//   - identify: traits {name, email, phone?, birthday? (YYYY-MM-DD, absent
//     for BandUnknown), gender? ("female"/"male"), address {country,
//     state? ("CA" for US-CA, the province for CN), city}, createdAt}.
//   - page: name (Home, Search, Product, Cart, Checkout), properties {path,
//     referrer, search, title, url}; context.page repeats them.
//   - track: event and properties, following the Segment e-commerce spec:
//     Products Searched {query}; Product Viewed {product_id, sku, category,
//     name, brand, variant?, price, currency, url}; Product Added / Product
//     Removed {cart_id, …Product Viewed's fields, quantity}; Cart Viewed
//     {cart_id, products[]}; Checkout Started {order_id, value, revenue,
//     shipping, currency, products[]}; Order Completed {order_id, total,
//     revenue, shipping, currency, products[]}; Order Refunded {order_id,
//     total, currency}; products[] items are {product_id, sku, category,
//     name, price, quantity}. Segment Consent Preference Updated has empty
//     properties: it marks the moment a choice was made (first visit) or
//     changed (ChangedAt); its context carries the new state.
//
// context, in this key order: consent? (below), gpc? (below), page (page
// messages only), ip, library {name: "steward-demo", version: "1.0.0"},
// locale (zh-CN, en-US, es-US, de-DE, fr-FR, …), location {country (ISO
// 3166-1 alpha-2), region: "CA" for US-CA only}, timezone (IANA), userAgent.
//
// # Consent extension fields
//
// Consent is stamped on every message of a subject, as Segment's consent
// wrappers do, with the state in force at that message's timestamp
// (Consent.State):
//
//	context.consent.categoryPreferences   object, always all five keys:
//	    "Analytics", "Personalization", "Advertising",
//	    "ThirdPartySharing", "CrossBorder" → bool
//	context.consent.guardian              true: a guardian gave the consent
//	                                      (under-14s); absent otherwise
//	context.consent.personalisationOff    true: the subject switched off
//	                                      personalisation (PIPL Art. 24, PT-03);
//	                                      absent otherwise
//	context.consent.objectDirectMarketing true: the subject objects to direct
//	                                      marketing (PT-07); absent otherwise
//	context.gpc                           true: Global Privacy Control (NC-08);
//	                                      absent otherwise
//
// A missing context.consent means no choice was ever made (default deny).
// No field ever flips from true back to absent for a subject.
//
// Consent kinds (ConsentKind), as they appear on the wire:
//
//   - none: no context.consent on any message.
//   - accept_all / reject_all: all five true / all five false.
//   - analytics_only: only Analytics true.
//   - partial: any other mix (not all, none or analytics-only).
//   - withdrawn: all true (or a partial mix) until ChangedAt, all false from
//     then on; a Segment Consent Preference Updated at ChangedAt (NC-04).
//   - guardian: guardian true on every message; Analytics true,
//     Personalization sometimes, the rest false. Only under-14s have it;
//     other under-14s show none, accept_all, reject_all or analytics_only
//     without a guardian (a gate must not accept those, SG-03).
//   - gpc: context.gpc true on every message; two thirds also carry
//     categoryPreferences (often all true, which GPC overrides for sale and
//     sharing), one third none.
//   - personalisation_off: all true; personalisationOff true from ChangedAt.
//   - object_direct_marketing: all true (or a mix with Advertising true);
//     objectDirectMarketing true from ChangedAt.
//
// # Example
//
//	sum, err := demo.Generate(demo.Config{Seed: 1, Now: time.Now()},
//		func(batch []byte) error { return post(ctx, "/v1/batch", batch) })
//
//	subjects, _ := demo.Subjects(demo.Config{Seed: 1, Now: now})
//	for _, s := range subjects {
//		if s.Band == demo.BandUnder14 && s.Region == demo.RegionCN && !s.Consent.Guardian {
//			// a child in China without guardian consent
//		}
//	}
//
// The first subjects form a fixed showcase covering the combinations tests
// ask for most (see showcase in shopper.go), so they exist even when
// Config.Subjects is small.
package demo
