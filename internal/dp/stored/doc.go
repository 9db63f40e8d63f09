// Package stored is the differential-privacy reports' dp.Source over the stored data
// (issue 20 item 1): every live person's events read through the purpose-scoped reader
// (internal/access) under the report's purpose, with access.ViewerSystem — so a person
// whose consent refuses the purpose is not in the data, and only fields the manifest
// lists for the purpose are — and the tags and segments a report groups by from the
// profile engine, only if built for the report's purpose.
//
// # The cache, and why it is sealed
//
// Reading the demo shop's 223,000 stored events through the reader (SQLite, decryption,
// the field filter, JSON) takes several seconds; a report must take well under one. So
// each purpose keeps a cache: per live person, an extract of what a report may use —
// event names, times, campaigns, numeric properties, traits — made from what the reader
// returned and sealed under the person's own data key (access.SealExtract). Nothing
// decrypted outlives the report that opens it, and erasing a person (crypto-shredding
// their key) makes their extract unreadable at once, like everything else sealed for them.
//
// A purpose's cache is built the first time a report (or a dry run) asks for it, and again
// under a new manifest, in the background: reading everyone takes longer than an HTTP
// request should, so until it is done Check refuses the report with dp.ErrSourceUnavailable
// (503, "try again shortly"; nothing is charged). Every report then first brings the cache
// up to date with the store (store.Changes): it re-reads, through the reader, exactly the
// people with new events or consent records since its cursors, who appeared or vanished
// (merged or erased) and those a merge gave or took events. On PostgreSQL, where a lower seq
// can commit after a higher one, it is rebuilt every hour in the background, as the profile
// engine is, while reports go on with it.
//
// # Data version
//
// Version names the manifest version in force, the store's DataVersion (highest event and
// consent seqs, counts of events, consent records, live subjects and data keys: a new
// event, a change of mind, a merge, an erasure or a shredded key each move one) and, for a
// report grouping by tags or segments, a digest of who is in them. The same query over the
// same version is answered from the stored release for free (dp.Ledger).
//
// # People
//
// People are listed by the store (LiveSubjects), not the profile engine: the store is the
// same for every node and never lags, listing 5,000 ids takes milliseconds, and the
// engine's profiles are read for the profiling purposes, not the report's.
//
// Example (the app's wiring):
//
//	src, _ := stored.New(stored.Config{Store: st, Reader: reader, Profiles: engine,
//		Manifest: func() (*manifest.Manifest, int64) { r := regime.Current(); return r.Manifest(), r.Seq() }})
//	led, _ := dp.New(dp.Config{Store: st, Source: src, Recorder: rec})
package stored
