// Package dp owns differentially private reports and the privacy budgets they are spent
// against (issue 20; DESIGN "measurement: DP reports with a privacy-budget ledger (zCDP)").
//
// A report (Spec) counts events, counts distinct people, or sums, averages, takes quantiles
// (median, p90) or a histogram of a numeric event property, grouped by up to three
// dimensions: event, day, week (ISO, UTC), campaign, trait:NAME, tag:NAME, segment:NAME.
// It reads only what a Source yields — the product's Source (internal/dp/stored) reads the
// stored events through the purpose-scoped reader under the report's purpose, so a person
// whose consent refuses it is not in the data at all; a Source that is also a Checker
// refuses, before any charge, a report reading what its purpose may not. Noise,
// confidence intervals, quantile trees and partition selection come from
// github.com/google/differential-privacy/go/v3 (v3.0.0: its secure, floating-point-safe
// Laplace and Gaussian); nothing here draws noise itself.
//
// # Invariants
//
//   - No result without a charge: Ledger.Report commits the charge (store.PrivacyBudgets,
//     appended under a per-budget lock on both stores) before it reads any data, so
//     concurrent reports, from any number of nodes, never overspend.
//   - One answer per charge: the same query (normalised spec, budget, data version) is
//     charged at most once and answered from the stored release afterwards, for free; a
//     twin computed concurrently under the same charge is discarded, never returned.
//   - Only noisy cells are stored or returned; the budget tables are append-only (a limit
//     changes by appending new limits).
//   - Every computed release is a dp_query act in the audit log (purpose, budget, measure,
//     charge, cell count), recorded before it is returned; refusals and dry runs read no
//     data and record nothing.
//   - Creating a budget or giving it new limits is a definition_change act in the audit log
//     (name, ε, δ, period): what may be released is a recorded governance decision.
//   - A vector computed elsewhere (the sum of a federated round, issue 23) is released the
//     same way by NoisyVector: charged (ρ of a Gaussian with the caller's L2 sensitivity)
//     before the library's noise is drawn, recorded as a dp_query act, once per round.
//
// # Accounting
//
// A release costs Cost{Rho, Epsilon, Delta}. Gaussian noise is charged in zero-concentrated
// DP: the library calibrates σ for the release's (ε, δ) (noise.SigmaForGaussian), and a
// Gaussian mechanism with L2 sensitivity Δ₂ = l∞·√l0 is Δ₂²/(2σ²)-zCDP (Bun & Steinke,
// "Concentrated Differential Privacy: Simplifications, Extensions, and Lower Bounds", TCC
// 2016, Prop. 1.6); ρ's add up under composition (Lemma 2.3). Laplace noise is charged its
// pure ε, and partition selection its (ε, δ); these add up by basic composition (Dwork &
// Roth, "The Algorithmic Foundations of Differential Privacy", Thm. 3.16).
//
// A budget (ε_B, δ_B) holds while the charges inside its period satisfy
//
//	Σε + ε_zCDP(Σρ, δ_B − Σδ) ≤ ε_B
//
// i.e. everything released in the period together is (ε_B, δ_B)-DP: the zCDP part converted
// at the δ the additive part leaves, composed with the additive part. The conversion
// (ZCDPEpsilon) is the smaller of ρ + 2√(ρ ln(1/δ)) (Bun & Steinke, Prop. 1.3) and
// inf over α > 1 of αρ + ln(1 − 1/α) − (ln δ + ln α)/(α − 1) (Canonne, Kamath & Steinke,
// "The Discrete Gaussian for Differential Privacy", NeurIPS 2020, Prop. 12; Balle et al.,
// "Hypothesis Testing Interpretations and Rényi Differential Privacy", AISTATS 2020), as
// ρ-zCDP is (α, αρ)-Rényi DP for every α. A test checks it against the exact (ε, δ) curve
// of the Gaussian mechanism (Balle & Wang, ICML 2018). A budget is a privacy filter: the
// ledger refuses the release that would cross the limit. Filters are valid for adaptively
// chosen releases under basic composition (Rogers, Roth, Ullman & Vadhan, "Privacy Odometers
// and Filters", NeurIPS 2016) and for zCDP, a Rényi filter at every order (Feldman & Zrnic,
// NeurIPS 2021; Whitehouse, Ramdas, Rogers & Wu, ICML 2023); a budget spent on one kind of
// release is exactly one of these, and mixing both in one budget composes the two parts
// basically, as above. A rolling period
// counts a charge until the window has passed since it was made: over any window the
// releases are (ε_B, δ_B)-DP, not over the budget's whole life.
//
// Displays: Charge.EpsilonTotal is a release's ε alone at its budget's δ; Spend.EpsilonTotal
// the left-hand side above; Remaining.Epsilon what is left of ε_B, Remaining.Rho the ρ left
// if everything went to Gaussian releases, Remaining.Delta what is left for selection. A
// budget with δ_B = 0 takes pure Laplace releases over public cells only.
//
// Caveats, stated: the library's Gaussian noise is a binomial approximation of the normal
// distribution (its "Secure Noise Generation" note bounds the difference) and its Laplace a
// discretised two-sided geometric; ρ is computed for the σ the library uses. The cost does
// not depend on the data; how long a report takes does (timing is not protected).
//
// # What each mechanism releases
//
//   - count, histogram: per cell, the number of bounded events plus Laplace (default) or
//     Gaussian noise; l0 = MaxPartitions, l∞ = MaxContributions.
//   - count_people: per cell, the number of people plus noise (dpagg.Count), l∞ = 1.
//   - sum: per cell, the sum of each person's ≤ MaxContributions clamped values, plus noise
//     with l∞ = MaxContributions·max(|lower|, |upper|).
//   - mean: dpagg.BoundedMean: a noisy count and a noisy sum of values moved to the middle of
//     the bounds, each at half the ε (and δ), divided and clamped.
//   - quantile: dpagg.BoundedQuantiles: a tree of height 4 and branching 16 over the bounds
//     whose every node is a noisy count (each person in 4·MaxPartitions nodes), at 90% of the
//     ε; the other 10% buys a noisy count of the cell's values, which only the interval
//     uses. Every answer, at the asked ranks and the interval's ranks, is read off the same
//     noisy tree.
//   - Partition selection (unless the cells are public): which cells exist at all.
//     dpagg.PreAggSelectPartition on each cell's number of people, at half the report's ε
//     and its δ (Privacy on Beam's default split); δ is about the chance a cell of one
//     person is shown. The dry run's Preview.KeptFrom says from how many people a cell is
//     (almost) always shown. Cells are public — all released, empty ones too, nothing spent
//     on selection — when every dimension's values are known in advance: tag and segment
//     membership (true/false), day and week over a closed from/to range, and values
//     declared in PublicKeys (e.g. the manifest's event names).
//
// Contribution bounding (at most MaxPartitions cells per person, chosen uniformly; at most
// MaxContributions events per person and cell, a uniform sample; values clamped to Bounds)
// releases nothing by itself, but biases results down for people above the bounds: results
// describe bounded data, and intervals cover the bounded truth. Every cell carries a 95%
// interval from the library's mechanism (for means, its count and sum intervals combined as
// dpagg.BoundedMean does). Quantile intervals are approximate: the tree's own answers at the
// rank ± a bound on the rank error of the noisy search, plus the library's small-node
// filter; tests check coverage on uniform and skewed data (it is conservative).
//
// # Contribution bounds' defaults
//
//   - MaxPartitions 3 (1 when every dimension is the person's own: they are in exactly one
//     cell). Up to 3 the library selects partitions with its optimal "magic" algorithm (above
//     3 it thresholds a Gaussian count); noise grows with it (linearly for Laplace, with √ for
//     Gaussian); and the demo's median shopper is active on 3 days. Grouping by event over a
//     tracking plan of k events, set it to k (the demo's median shopper fires 10 kinds).
//   - MaxContributions 5 for count and histogram: the demo's shoppers fire a given event
//     twice (median) or 6 times (p75); the noise grows linearly with it. 1 for sum, mean and
//     quantile: the clamping bounds already set each value's weight, and 99% of the demo's
//     shoppers complete at most one order a day.
//   - Delta 1e-7 when partition selection or Gaussian noise needs one, far below 1/n for any
//     shop's population; partition selection's δ is charged, a Gaussian release's δ only
//     sets its σ (its charge is ρ).
//   - Bounds have no default: bounds read off the data would leak it.
//
// # Example
//
//	led, _ := dp.New(dp.Config{Store: st, Source: src, Recorder: rec})
//	led.CreateBudget(ctx, "op_1", dp.BudgetSpec{Name: "growth", Epsilon: 1, Delta: 1e-6, Period: "30d"})
//	rel, err := led.Report(ctx, "op_1", dp.Spec{Budget: "growth", Purpose: "analytics.reporting",
//		Measure: dp.Count, Event: "Order Completed", GroupBy: []string{"week"},
//		From: from, To: to, Epsilon: 0.3})
//	var ex *dp.BudgetExhaustedError
//	if errors.As(err, &ex) { // 409 privacy_budget_exhausted with ex's amounts
//	}
//	for _, c := range rel.Cells { fmt.Println(c.Key["week"], c.Value, c.CI) }
package dp
