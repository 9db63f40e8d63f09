// Package regime owns the privacy manifest in force and everything read off it: the policy
// decision point compiled from it, the notice consents given now are recorded against, the
// manifest's field uses seen both ways (which purposes may use a category, which categories a
// purpose may use), the layered notices, the consent banner's settings, and the names people
// read for purposes and categories in English and Simplified Chinese.
//
// A Regime is one manifest version, immutable once built; Service keeps the one in force and
// swaps it atomically when an operator publishes a new version, so every decision in flight
// sees one whole version. Publishing is a processing act the service records itself.
//
// Re-consent (NC-03): each Regime knows, per purpose, the version that last changed what the
// purpose says or does (ChangedAt). The consent ledger uses it to treat grants given under an
// older notice as not given; the rule lives there, the fact lives here.
//
// Several nodes on one store: Follow (CatchUp each tick) puts in force the versions
// published through another node, oldest first, and runs the OnPublish listeners for them.
//
//	svc, err := regime.Open(ctx, regime.Config{Store: st, Recorder: rec})
//	r := svc.Current()
//	d := r.Policy().Decide(policy.Request{...})
package regime
