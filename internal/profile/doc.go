// Package profile owns profiles, governed tags and the live membership of segments
// (issue 8, DESIGN "profiles, tags, segments").
//
// A profile is what the shop may know about a person for profiling: traits from identify,
// events with their numeric properties, and computed attributes (counts, sums, recency, last
// value) over time windows. The Engine keeps every live subject's profile in a segment
// MemIndex keyed by dense ids. It never reads the store's events itself: a Source (ReaderSource,
// through the purpose-scoped access.Reader) hands it Facts already limited to what the
// profiling purposes may read, so a field a person did not allow never reaches a profile.
//
// Tags are defined in the manifest or through the API (manifest.Tag) and checked by
// manifest.CheckTag. A person carries a tag only while
//   - its rule holds, or they reach its quantile, or its model scores them over the threshold;
//   - the policy permits the tag's purpose for them (consent, age, objection, personalisation);
//   - they have not deleted it: a deleted tag is suppressed for good, recorded in the store;
//   - the value has not expired: each value lives for the tag's TTL after it was computed,
//     and the retention job (Expire) removes older ones even if nothing else happens.
//
// Freshness: Sync polls the store for subjects with new events and reloads just those, each
// once per round, re-evaluating their tags and segment memberships (segment.Live.Recheck).
// Run does one round every few hundred milliseconds and, under a heavy ingest, waits as long
// as the last round took (so it keeps to about half a core): a new event shows within two
// round durations, inside issue 8's 5 s. Refresh recomputes everything (statistical
// cut-offs, sliding windows) at each tag's refresh interval.
//
// Several nodes: each keeps its own engine. Sync follows the events log with a
// store.Follower (events that commit out of seq order are not passed over); each round also
// compares the stored tag and segment definitions with those loaded and reconfigures when
// another node changed them; consent changes and erasures made on other nodes arrive through
// Touch and Forget (consent.Ledger.Follow, rights.Service.FollowErasures).
package profile
