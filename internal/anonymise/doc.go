// Package anonymise turns a table into a release that meets k-anonymity, l-diversity and
// t-closeness by full-domain generalisation, choosing the globally optimal transformation
// for a utility metric, and reports the re-identification risk before and after (issue
// 21; DESIGN.md "measurement": anonymised exports with re-identification risk; SD-03
// "anonymised export fails if any group < k"; RT-01 anonymise-on-expiry). It is pure: no
// store, no HTTP, no clock but the search's own timing; callers bring a Table and write
// the Result where they like. `steward anonymise` drives it on CSV files.
//
// # Model
//
// A Table holds its values as integer ids per column. Each quasi-identifier has a
// Hierarchy: one row per original value, most specific first (ARX's CSV format, read by
// ParseHierarchy), or one built by IntervalHierarchy (numbers: 5, 10, 20, ...),
// DateHierarchy (day, month, quarter, year, *) or FlatHierarchy (kept or *). A
// transformation (a node of the lattice) chooses one level per quasi-identifier; records
// equal on all generalised quasi-identifiers form an equivalence class. A class that fails
// a model is suppressed, "*" in every quasi-identifier (as in ARX), and a node is
// feasible when at most floor(limit·records) records are suppressed. Suppressed records
// count as removed for the models and the risk, and as fully generalised for the metrics.
// Columns that are not quasi-identifiers (the sensitive attribute included) are copied
// unchanged: direct identifiers must be dropped before, or named as quasi-identifiers
// without a hierarchy so that they can only be kept whole or replaced by "*".
//
// # Invariants
//
//   - Every class of a release meets every model, and the release suppresses at most the
//     limit (the tests re-read releases with an independent checker).
//   - Search returns a feasible node of least loss over the whole lattice, ties going to
//     the lower node, then the lower node id: the tests compare it with brute force over
//     every node, for random tables and every combination of models, metrics and limits.
//   - Errors about data name rows and columns, never values: data is personal.
//
// # Monotonicity, and what the search relies on
//
// Generalising merges classes. Without suppression every model here is monotone (a node
// that meets it makes every node above it meet it): sizes add up; distinct values add up;
// the entropy of a mixture is at least the least entropy of its parts (concavity);
// recursive (c,l) holds because a merged class's largest count is at most the sum of the
// parts' and its tail at least the sum of theirs; the Earth Mover's Distance of a mixture
// is at most the largest of its parts' (both distances are convex). The four metrics are
// monotone too. With suppression, k-anonymity and distinct l-diversity stay monotone — a
// failing class is made only of failing classes below it, so fewer records are suppressed
// higher up — but entropy and recursive l-diversity and t-closeness do not: merging a
// passing class with a failing one can fail and suppress both. Nor do the metrics: a node
// above may release records a node below suppressed. The brute-force test fails when
// either is treated as monotone.
//
// So the search runs in two phases. Phase 1 is Flash (Kohlmayer et al., 2012): visit
// nodes level by level; from each node not yet tagged, walk a path up through untagged
// successors and binary-search it; a checked node that has the search property tags all
// nodes above it, one that lacks it tags all below and queues its successors. The search
// property is every model when there is no suppression or the models are only k-anonymity
// and distinct l-diversity; otherwise it is that monotone core, which every variant of
// l-diversity implies. Without suppression the optimum is the best checked feasible node:
// every minimal node with the property is checked. With suppression, a lower bound of the
// loss that only grows upwards (the metric without its suppression term; for
// discernibility the sum of squared class sizes at a checked node) prunes every node whose
// bound exceeds the best found, in phase 1 already, and phase 2 visits the remaining nodes
// with the property in order of that bound, stopping once it exceeds the best.
//
// Checks are cheap because the table is first reduced to its distinct quasi-identifier
// tuples with counts (and sensitive-value histograms), held column by column, and a check
// rolls up the classes of the smallest snapshot kept from a checked node below instead of
// the tuples: one representative tuple stands for each class. Its key at the new node is a
// sum of per-column table lookups (columns at a one-label level skipped), grouped by
// direct indexing when the node's key space is at most 2^16 and in an open-addressing
// table otherwise; the buffers are pooled per Engine, so a check allocates nothing. Keys
// pack exactly into 64 bits when the domains allow; otherwise they are hashed and the
// tuples compared on every hit. On Adult (k=5, 8 quasi-identifiers) the search checks 113
// of 4,320 nodes in about 1.5 ms of CPU (BENCHMARKS.md).
//
// # Metrics, models and risk
//
// Precision is Sweeney's (level/height per cell), discernibility Bayardo and Agrawal's
// (Σ class size², n per suppressed record), non-uniform entropy Gionis and Tassa's
// (log2 of label count over value count per cell; log2(n/value count) when suppressed),
// loss Iyengar's ((leaves under the label - 1)/(leaves - 1) per cell). Without
// suppression they equal ARX's; with it ARX's monotonic variants leave suppressed records
// out, so its figures are lower, though the tests find the same optimal nodes on Adult.
// l-diversity and t-closeness follow Machanavajjhala et al. and Li et al.; ordered
// distance orders numbers numerically and other values as strings, as ARX does. Entropy
// and distances are compared with a tolerance of 1e-9.
//
// Risk follows ARX's sample summary: prosecutor risk (highest 1/min class size, average
// classes/records), journalist risk against a Config.Population, marketer risk, and the
// share of sample uniques. Without a population table the table is taken as the whole
// population, so journalist risk equals prosecutor risk: an overstatement for a real
// sample, never an understatement. Summaries come in English and Simplified Chinese.
//
//	e, err := anonymise.New(table, anonymise.Config{
//		QuasiIdentifiers: []string{"age", "sex", "zip"},
//		Hierarchies:      map[string]*anonymise.Hierarchy{"age": ages, "zip": zips},
//		K:                5, Suppression: 0.02, Metric: anonymise.Loss,
//	})
//	res, err := e.Search(ctx) // *UnsatisfiableError names the model that cannot be met
//	err = res.WriteCSV(w, 0)
//	report, err := res.Report() // utility under every metric, risk before and after
package anonymise
