// Package manifest owns the privacy manifest, steward.yaml: the deployment's taxonomy
// extensions, purpose settings, event schemas (event type → field → category → purposes),
// retention, recipients and transfer mechanisms. It is the registry behind NC-01 (notice),
// NC-02 (purpose and basis), PM-01 (every collected field mapped to a purpose), SX-02/SX-03
// (recipients and transfers) and AA-02 (record of processing).
//
// [Parse] checks the whole file and reports every mistake at once, each located as
// file:line:col, so `steward manifest check` can print them all. A manifest that parses is
// consistent: no marketing purpose reads a sensitive category, every purpose has a basis and
// statements, no retention exceeds what its purposes allow, every recipient abroad has a
// transfer mechanism, every event field has a category.
//
// Work is bounded before anything is built: aliases are legal YAML, but a document whose
// aliases expand past MaxNodes nodes is refused with a located error, since every check and
// the canonical form walk the expanded tree (issue 17 item 6).
// Hierarchies: the hierarchies section declares, for a categorical identify trait, each
// value's labels from the most specific level to the most general (city → province →
// region → country → continent), checked to form a tree; anonymised exports generalise
// the trait by it (issue 21). Numbers and dates (field type number or date) need none.
//
// Versions: [Manifest.Hash] is the sha256 of a canonical JSON form, so two manifests that
// mean the same hash the same whatever their layout; [Diff] lists what changed.
package manifest
