// Package equity owns the data-equity exchange (issue 25): privacy tiers, privacy points and
// the privacy subscription.
//
// A person's tier is never stored: it is derived from their consent state in force
// (manifest.TierOf). Choosing a tier records, in the consent ledger, exactly the consent
// changes that make the state match it — grants going up, withdrawals going down, one
// request either way — so the ledger stays the one source of truth and every change is a
// processing act with its receipt.
//
// Points are paid per calendar month, not per event: a month earns the points of the least
// sharing tier the person held at any moment of it (so a grant on the 30th withdrawn on the
// 1st earns nothing). Accrual is lazy and idempotent — the store keeps one earn entry per
// person and month — and runs whenever the points or the tier are read. Entries are
// appended, never changed: points earned are never taken back when consent is withdrawn
// (only erasure deletes the ledger, with the person). Each entry carries its explanation.
//
// The privacy subscription is bought with points (Redeem) or paid for in the shop (Paid,
// called by its backend). While one runs, the consent ledger holds signal.ad_free, which the
// policy turns into "no advertising purpose applies, whatever the consents": collection,
// profiles, audiences, campaigns and recommendations all read it through the policy. Sweep
// withdraws the signal when the last subscription ends (a job on the queue every minute,
// Register and Periodic: once across nodes).
//
// The legal frame (PIPL Art. 16, GB/T 35273 §5.3, CCPA §1798.125 and §7016, RR-06): no tier
// changes price or service, separate consents are never part of a tier, and a tier that
// pays points states a good-faith value of the data; the manifest's CheckTiers refuses any
// other definition.
//
//	svc := equity.New(equity.Config{Regime: reg.Current, Ledger: ledger, Store: st})
//	st, _ := svc.Standing(ctx, subjectID, "zh-CN")   // tier, tiers, balance, subscription
//	ch, _ := svc.Choose(ctx, subjectID, "personalised") // the consent changes recorded
package equity
