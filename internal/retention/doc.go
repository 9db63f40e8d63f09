// Package retention enforces the retention the manifest declares (issue 26 item 1; RT-01,
// RT-02; PIPL Arts. 19 and 47): data is kept only while some purpose that could read it
// still may, then deleted — or anonymised, where the manifest's on_expiry says so.
//
// What it owns: the retention plan (Plan) read off a manifest, and the pass (Service.Run)
// that applies it to the store, as a job on the durable queue (Register, Periodic).
//
// The rules:
//   - A field is kept for the longest retention of every purpose that could read it — the
//     purposes the manifest lists for it and any purpose beneath them — but never longer
//     than its category's own retention (the manifest's retention section, nearest
//     setting). An event lives as long as its longest-lived own field (the fields of its
//     type, which decide whether any purpose sees the event at all); fields that expire
//     earlier (an IP address after 90 days in a page view kept for 180) are removed from
//     the stored event, which is sealed again under the same data key. An event of a kind
//     the manifest no longer declares lives as long as the longest-lived common field.
//   - Expired events whose own fields include a category marked "anonymise" leave only
//     anonymous monthly aggregates (counts, and sums of numeric fields of such categories)
//     with no subject, no identifier and no pseudonym; the event itself is deleted.
//   - Derived data follows: profiles, tag values and segment memberships of the people
//     touched are rebuilt from what is left (Derived), and campaign messages go after the
//     retention of their campaign's purpose.
//   - Legal-hold records (store.LegalHold: order facts kept under accounting law after an
//     erasure) are apart from all this and never touched or read here; neither are the
//     consent ledger (the proof of consent), rights requests (kept as records) and the
//     audit log (append-only; its leaves name no one).
//   - Each pass is one processing act the service records itself: one audit leaf with the
//     pass's counts, committing to everyone whose data it deleted or changed (so each sees
//     it in their transparency report). A pass is idempotent: rows it already changed no
//     longer match, and a retried deletion adds nothing twice.
//
// Time runs from when an event occurred. Example:
//
//	svc := retention.New(retention.Config{Store: st, Reader: reader, Sealer: vault, Manifest: cur, Recorder: rec})
//	rep, err := svc.Run(ctx) // rep.EventsDeleted, rep.FieldsRemoved, …
package retention
