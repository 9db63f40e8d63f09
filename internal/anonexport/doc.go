// Package anonexport owns anonymised exports: releases of people's profiles (or of a
// segment's audience) generalised until they meet k-anonymity, l-diversity and
// t-closeness, with the re-identification risk before and after (issue 21 item 3;
// DESIGN "measurement: k-anonymity / l-diversity / t-closeness exports with
// re-identification risk"; SD-03 "anonymised export fails if any group < k"). The
// anonymisation itself is internal/anonymise, which is pure; this package is the product
// around it: who is in the table, which columns it may have, which hierarchies generalise
// them, and the audited release.
//
// # The table
//
// A Spec names a purpose, the quasi-identifiers the operator chose and an optional
// sensitive attribute, each a column of the people the profile engine holds:
//
//   - trait:NAME — an identify trait whose manifest field lists the purpose (address.city,
//     gender, createdAt);
//   - tag:NAME — whether the person carries a tag made for the purpose (or one beneath
//     it): "true" or "false";
//   - attribute:NAME — a computed attribute the purpose's profile shows, e.g.
//     count("Order Completed", 90d) (absent counts and sums are 0; an absent days_since or
//     last value is empty).
//
// Only people whose state allows the purpose are in the table: the policy decision point
// (the reader's Decider) must allow the purpose to read every category of every chosen
// column for the person, or the person is left out and counted as not_permitted — a
// person who refused the purpose is simply not in the release. A column whose category is
// a direct identifier (names, contact details, government ids, account names, the shop's
// and devices' unique ids) is refused, as a quasi-identifier and as the sensitive
// attribute; subject ids never reach the table. Rows are shuffled with a fresh random
// seed, so two releases cannot be joined by row order.
//
// # Hierarchies
//
// Numbers get interval hierarchies built from the data (widths 1, 5, 10, 50, … from about
// forty intervals up to one, aligned at zero: anonymise.IntervalHierarchy); dates (field
// type date: ISO days or RFC 3339 timestamps) get day, month, quarter and year
// (anonymise.DateHierarchy); categorical traits get the hierarchy the manifest declares
// (manifest.Hierarchy; a value it does not list generalises to "(other)") or, without one,
// are kept or replaced by "*"; tags are kept or "*". A missing value is empty at every
// level below "*".
//
// # Purposes
//
// Only analytics.reporting and purposes beneath it may release anonymised data: it is the
// purpose whose statement promises reports that show no individual, and the release is
// statistics. Purposes that act on individuals (marketing, targeting, sale or sharing,
// automated decisions) may not, whatever their key (Exportable).
//
// # Flow
//
// Preview is the privacy officer's dry run: the table is built and anonymised, and the
// answer carries the risk before and after (anonymise.RiskReport, in English and
// Simplified Chinese), the transformation chosen per column, the suppressed records and
// the utility — never a value; it discloses nothing, so it records nothing (the profiles it
// reads are the profile engine's, whose profiling is recorded). Its PreviewID names the table and the request; Release
// given that id refuses (ErrChanged) when anything moved in between, so what is released
// is what was shown. Release anonymises, records one audience leaf (audit.ActAnonymisedRelease)
// committing to everyone in the table, with the purpose, the models and the risk figures in
// its detail, and only then returns the CSV (or JSON rows). A model the data cannot meet
// within the suppression limit is an anonymise.ErrUnsatisfiable naming the model; nothing
// is recorded or released.
//
//	svc := anonexport.New(anonexport.Config{Profiles: engine, Subjects: st, Decider: decider,
//		Manifest: manifest, Recorder: recorder})
//	p, err := svc.Preview(ctx, anonexport.Spec{Purpose: "analytics.reporting",
//		QuasiIdentifiers: []string{"trait:address.city", "trait:gender"}, K: 5, Suppression: 0.05})
//	fmt.Println(p.Report.Risk.Summary["en"])
//	rel, err := svc.Release(ctx, spec, anonexport.ReleaseOptions{Actor: "op_1", PreviewID: p.PreviewID})
package anonexport
