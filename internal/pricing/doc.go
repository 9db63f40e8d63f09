// Package pricing owns offers and prices (issue 24 item 3; AD-01, AD-02, RR-06): declared
// price rules checked for fairness when saved, quotes that list every factor applied with
// its public reason, and the fairness audit over the quotes issued.
//
// A Rule changes a list price by a percentage when its items, time window and conditions
// match. Conditions come from a closed vocabulary: the sales channel, the item's category,
// the quantity, a published promotion code, and — for loyalty rewards only — the
// customer's tenure (days since the first order) and order count. Check refuses, naming
// the factor:
//   - a loyalty condition whose change makes a more loyal customer pay more than a less
//     loyal one (a surcharge on the loyal, or a discount only for the new: 大数据杀熟,
//     PIPL Art. 24, the Internet Platform Pricing Behaviour Rules), or that compares
//     loyalty with == or != (a reward for exactly n orders charges n+1 more);
//   - the device, browser or operating system; profile tags (price sensitivity, spending,
//     likelihood to buy); spending, income or willingness to pay;
//   - sensitive categories (PIPL Art. 28) and any other personal data;
//   - anything about privacy rights exercised — opting out, objecting, GPC (RR-06).
//
// The fuzz target checks the property this buys: rules that pass never make a customer
// pay more than a less loyal one, for the same item, channel and time.
//
// A Quote reads the person's orders under essential.service through the purpose-scoped
// reader (ReaderCustomers: count, first order, a year's spend for the audit band, the
// country for the jurisdiction), applies the rules in force in name order and says whether
// the price was personalised (a loyalty factor applied); for an EU person it then carries
// the Omnibus Directive's disclosure. Each quote is stored without the person: the item,
// channel, hour, prices, and the bands the audit compares (tenure, device class, spend).
// The device is taken for the audit only; no rule can read it.
//
// Audit compares, within each item, channel, currency and hour, the mean price of each
// band, and flags the more loyal or higher-spending paying more, or any device class
// paying more than another. The base price is the caller's, so the audit catches what no
// rule check can: a shop that sends iPhone users a higher list price.
//
//	svc, _ := pricing.New(pricing.Config{Store: st, Customers: cs, Regime: cur, Recorder: rec})
//	_, err := svc.PutRule(ctx, rule, "op_1")   // *RefusedError{Factor: "customer.orders", …}
//	q, _ := svc.Quote(ctx, pricing.QuoteRequest{UserID: "u-1", Item: "p-1", BasePrice: 12900, Currency: "CNY", Channel: "app"})
//	rep, _ := svc.Audit(ctx, from, to, pricing.AuditOptions{})
package pricing
