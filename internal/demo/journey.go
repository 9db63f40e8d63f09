package demo

// The demo shop's journey (issue 19): the shop's own in-app offers (purpose
// marketing.advertising.first_party) to people who put something in their cart. Entry on
// the event "Product Added"; a wait; a branch on the advertising segment
// JourneyBranchSegment (people the purchase model scores high get a nudge, the others a
// coupon); a send through the shop's webhook; exit. One person in ten is held out, so the
// conversions ("Order Completed" within 7 days) have something to be compared with.
//
// Every send is checked at the moment of sending, as any campaign's: people without
// consent to the purpose, minors, people who object to direct marketing, switched
// personalisation off or hold a privacy subscription are skipped, each counted under its
// reason; only the others reach the webhook.

// JourneyID is the demo journey's id.
const JourneyID = "cart_rescue"

// JourneyBranchSegment is the segment the journey branches on; `steward demo` defines it
// among the demo segments (purpose marketing.advertising.profiling, tag likely_to_buy).
const JourneyBranchSegment = "likely_buyers_ads"

// JourneyBranchExpression is that segment's expression.
const JourneyBranchExpression = `tag("likely_to_buy")`

// JourneyWait is how long the journey waits after a cart addition before it sends.
const JourneyWait = "2m"

// Journey returns the demo journey's definition (the campaign engine's JSON format).
func Journey() []byte {
	return []byte(`{
  "id": "` + JourneyID + `",
  "name": "Cart rescue · 购物车提醒",
  "purpose": "marketing.advertising.first_party",
  "entry": {"event": "Product Added"},
  "channel": {"type": "webhook"},
  "sender": "Steward Demo Shop",
  "holdout": 0.1,
  "conversion": {"event": "Order Completed", "window": "7d"},
  "steps": [
    {"id": "pause", "wait": "` + JourneyWait + `"},
    {"id": "who", "branch": {"segment": "` + JourneyBranchSegment + `", "then": "nudge", "else": "coupon"}},
    {"id": "nudge", "send": {"content": {
      "personalised": {"body": "根据您最近看过的商品，购物车里的宝贝为您多留一天。Picked from what you viewed: your cart is kept one more day."},
      "plain": {"body": "购物车里的商品还在等您。Your cart is waiting."}}}, "next": "done"},
    {"id": "coupon", "send": {"content": {"plain": {"body": "购物车商品今天立减 10 元。10 off your cart today."}}}},
    {"id": "done", "exit": true}
  ]
}`)
}
