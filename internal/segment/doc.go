// Package segment evaluates segment expressions (package expr) into sets of subjects and turns
// a segment's matches into a purpose-aware audience.
//
// Subjects are dense uint32 ids, and every set is a roaring bitmap, so a segment over a
// million people is a handful of bitmap intersections rather than a join. Data is reached
// through the Index interface: this package never knows how profiles, tags or events are
// stored. MemIndex is the in-memory implementation used by tests, the benchmark and small
// deployments.
//
// Three layers:
//   - Compile turns a checked expression into a Plan; Evaluate runs it against an Index.
//   - Live keeps one plan's members current: Recheck re-evaluates only the subjects an event
//     touched, so memberships follow new events within milliseconds (issue 8 item 5).
//   - Audience applies eligibility — consent/legal basis for the purpose, objections, minors
//     for advertising, personalisation switched off — and reports what was excluded and why,
//     as counts. Export enforces a minimum audience size; Preview shows counts only.
package segment
