// Package algorithm owns the algorithm register (issue 24 item 2): every algorithm that
// acts on people — the recommender, the profile engine's model and statistical tags,
// pricing, and whatever comes next (bid ranking) — with its basic principles, purpose,
// main inputs, operating mechanism and filing number (CAC algorithmic-recommendation
// provisions Arts. 16 and 24, PIPL Art. 24(1); PT-01), and the assessments each must pass
// before first use and at least yearly after (PIPL Art. 55(2), GB/T 35273 §7.7, ARP Art. 8;
// AD-04).
//
// Algorithms come from two places. The code that runs one describes it (Add and AddSet:
// the recommender's and pricing's descriptors, one per model tag of the manifest) — what it
// does is the code's to say, so an operator may set only the filing number of those. An
// operator registers any other algorithm whole through Put (an outside bid-ranking service,
// a fraud model). The register is public: the /algorithms page and the privacy center show
// it in English and Simplified Chinese.
//
// Invariants: an algorithm's description is complete in both languages (Check); an
// assessment's next review is at most ReviewEvery (a year) after it; assessments are
// append-only in the store; every change is a processing act the register records itself.
// An algorithm never assessed, or whose next review is past, is overdue; one due within
// WarnBefore is due soon — the console's reminder, and Reminders for a log.
//
//	reg := algorithm.New(algorithm.Config{Store: st, Recorder: rec})
//	reg.Add(recommend.Algorithm)                        // the code describes itself
//	reg.AddSet(func() []algorithm.Algorithm { return algorithm.ProfileTags(tags()) })
//	_, err := reg.Assess(ctx, "recommender", algorithm.AssessmentInput{Outcome: algorithm.Approved,
//		Summary: "reviewed for addiction and unfair treatment", Reference: "PIA-2026-07"}, "op_1")
package algorithm
