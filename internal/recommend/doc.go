// Package recommend owns recommendations (issue 24 item 1; PT-01–PT-03, NC-04): items
// personalised from a person's own history only while the policy lets the recommending
// purpose (personalize.content) act on them, otherwise the same popular items everyone
// gets — each item labelled personalised or not, with the reason it is shown.
//
// The model is item-to-item co-occurrence. A Source (ReaderSource, over the purpose-scoped
// access.Reader) hands the Recommender each person's recent views, cart additions and
// purchases as the recommending purpose may read them, and the items the popularity
// purpose (analytics.reporting) may count. The Recommender keeps the model current the way
// the profile engine keeps profiles: it polls the store for people with new events (Sync,
// Run), reads everyone again every hour (Load), and reads a person again at once when
// their consent changes (Touch, wired to consent.Ledger.OnChange).
//
// Invariants:
//   - personal data enters the model only through the reader under the recommending
//     purpose; a person not permitted has no history in it, and their earlier
//     contribution to co-occurrence is taken out;
//   - the request-time check (ConsentCheck) asks the policy in force, never a consent key:
//     a change the ledger records on this node is in force from the next call (the
//     cached state is dropped by Invalidate), one recorded on another node within its TTL;
//   - a pair of items, or a popular item, counts only when at least MinPeople people share
//     it, so no answer tells one person what another did; items of sensitive product
//     categories (health) are never used on a person;
//   - a non-personalised answer is identical for everyone (it does not even leave out
//     what the person saw);
//   - answers carry nothing about the person beyond their own items in the reasons, for
//     the write key that asks is public;
//   - uses are processing acts the recommender records itself: one audience leaf per day
//     for people read into the model and one for people shown personalised items.
//
// Wiring, as the app does it:
//
//	check := recommend.NewConsentCheck(recommend.CheckConfig{Ledger: ledger, Regime: cur})
//	ledger.OnChange(func(ctx context.Context, id string) { check.Invalidate(id); rec.Touch(ctx, id) })
//	rec, _ := recommend.New(recommend.Config{Changes: st, Source: src, Identities: st, Index: idx, Permission: check})
//	go rec.Run(ctx, 500*time.Millisecond)
//	res, _ := rec.Recommend(ctx, recommend.Request{AnonymousID: "a-1", Slot: "home", N: 8, Lang: "zh-CN"})
//	// res.Items[0].Label == "个性化推荐", .Reason == "因为您浏览过“婴儿推车”"
package recommend
