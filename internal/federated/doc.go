// Package federated owns models trained jointly with partners without sharing their
// data (issue 23; DESIGN.md "measurement: federated learning (vertical logistic
// regression, horizontal with secure aggregation)"). It is message-driven and does no
// I/O: the edge carries each step's message between instances, signed both ways with
// the partner identities (internal/server/partnerlink); callers hand in rows they read
// for the run's purpose through the purpose-scoped reader; each side records its own
// acts in its audit log (federated_training, federated_scoring: one audience leaf per
// run and side, over the people whose rows took part).
//
// # Vertical logistic regression (two parties, split by features)
//
// The guest holds the label and some features, the host the other features of the
// same people. Training is FATE's hetero-LR with the logistic loss's gradient taken
// through the Taylor expansion σ(z) ≈ 1/2 + z/4, two-party and arbiter-free: each party
// holds its own packed-RLWE key pair (internal/he) and the partial products are taken
// under the other's key.
//
//	guest (label y, features x_G, model w_G + intercept)   host (features x_H, model w_H)
//	align (cleanroom.AlignGuest/AlignHost): both learn their own members of the
//	intersection, in the guest's row order; non-members stay blinded
//	pk_G                                 ── start ──►
//	                                     ◄──────────   pk_H
//	per mini-batch (≤ 256 rows):
//	a_i = w_G·x_G,i/4 + 1/2 − y_i
//	Enc_G(a)                             ── forward ─►  d = Enc_G(a + u/4), u_i = w_H·x_H,i
//	                                                    G_H = Seal(d · InnerPoly(x_H))
//	                                     ◄──────────   Enc_H(u), G_H (masks R_H kept)
//	g_H + R_H = Dec_G(G_H) at the outputs
//	C = Seal(Enc_H(u) · InnerPoly(x_G, 1)) (masks R_G kept)
//	                                     ── backward ►  g_H = (Σ d·x_H)/n: update w_H
//	                                     ◄──────────   Σ u·x_G + R_G = Dec_H(C)
//	g_G = (Σ a·x_G + (Σ u·x_G)/4)/n: update w_G
//	                                     ── finish ──►  keeps w_H under the job id
//
// Leakage, against an honest-but-curious peer (IND-CPA of RLWE; Seal's masks and noise
// flooding, see internal/he): the host learns its own gradient per batch, g_H =
// Σ_i (a_i + u_i/4)·x_H,i / n, i.e. a linear combination of the guest's residuals with
// its own features (the same as FATE's host); it never sees y, a, w_G or x_G. The guest
// learns its own gradient, hence Σ_i u_i·x_G,i per batch (the host's partial scores
// folded through the guest's features), never u, w_H or x_H. Over many batches these
// linear combinations accumulate, as in FATE: few features and many batches leak more;
// the batch size bounds how many unknowns each equation mixes. Both learn the
// intersection (alignment reveals it by design), its size, and the schedule.
//
// Joint scoring: the guest aligns the people to score; the host returns its partial
// logit u for each (scoring reveals the score, and the guest knowing its own part then
// knows u); the guest adds its part. The result feeds a model tag: write the logit as a
// trait and declare the tag with ModelTag (one feature, that trait, weight 1), so the
// profile engine's score 1/(1+e^−logit) is exactly the joint model's probability.
//
// Fixed point: residuals and partial logits carry 2^20, features 2^16, clamped so every
// inner product stays below 2^54 < T/2 (exact mod T); the encrypted run therefore
// reproduces the plaintext run (TrainPlain over all features, same order): the weights
// differ by 5.5·10^-7 after five epochs (TestVerticalMatchesPlaintext).
//
// # Horizontal learning with secure aggregation (three or more parties, split by people)
//
// Each party holds the same features and label for its own people (propensity to buy,
// say) and trains federated averaging: every round each party runs a few local epochs
// from the global model and contributes its update, weighted by its row count (or, with
// Horizontal.Clip, clipped to an L2 norm and unweighted, for DP), in fixed point 2^24 as
// int64; the aggregator reveals only the sum, from which every party computes the same
// new global model. The sum is taken with Bonawitz et al.'s secure aggregation (CCS 2017,
// the semi-honest protocol), over ristretto255 (circl) for both key agreements and
// Shamir sharing (circl/secretsharing) over its scalar field:
//
//	party u                                          aggregator
//	(c_u, s_u) key pairs         ── advertise ──►    waits for all, or the phase timeout
//	                             ◄──────────────     roster U1 of (c_v, s_v)
//	Shamir-share s_u and b_u (threshold t);
//	share for v under AES-GCM(KDF(c_u·c_v))
//	                             ── share ──────►    routes ciphertexts (cannot open them)
//	                             ◄──────────────     the shares addressed to u, from U2
//	y_u = x_u + PRG(b_u) + Σ_{v∈U2, u<v} PRG(s_uv)
//	            − Σ_{v∈U2, v<u} PRG(s_uv)    (mod 2^64; s_uv from s_u·s_v)
//	                             ── masked ─────►    U3 = who sent y
//	                             ◄──────────────     U3
//	shares of b_v for v ∈ U3, of s_v for v ∈ U2∖U3
//	(never both for one party)   ── unmask ─────►    ≥ t shares each: rebuilds b_v (v ∈ U3)
//	                                                 and s_v (dropped v), removes the masks:
//	                                                 Σ_{u∈U3} x_u (+ DP noise)
//	                             ◄──────────────     the sum (or its noisy form)
//
// Each phase closes when every party still in the round has spoken, or a timeout after
// its first message; who missed it has dropped out. t defaults to ⌊n/2⌋+1: the sum is
// revealed while t parties remain (up to ⌈n/2⌉−1 may drop out, at least a third for
// n ≥ 3; below t the round aborts and reveals nothing), and the aggregator never holds t
// shares of both secrets of one party. Tests: the sum of 1,000 values from five parties
// in five processes is exact when one exits after sharing its keys; four processes train
// on breast cancer, one leaving for good in round 3.
//
// Leakage, honest-but-curious aggregator (and any coalition of it with fewer than t −
// (number of dropped parties) parties, per the paper): the sum of the survivors'
// updates, who dropped out, and the vector length; a party's update stays hidden by its
// self-mask and pairwise masks (PRG security of ChaCha8, DDH in ristretto255). Parties
// learn the roster's public keys and the sum. Not covered: an actively malicious
// aggregator that lies about who dropped out to recover both secrets of one party
// (Bonawitz's malicious variant adds a consistency round with signatures) — the partner
// layer's pinned keys bound who may take part at all. The update itself is the model's
// change on a party's data: the sum of updates reveals what federated averaging reveals.
//
// Optional DP: a Coordinator with a Noiser (LedgerNoise: dp.Ledger.NoisyVector) adds
// Gaussian noise to each round's sum, calibrated to the parties' clip norm as the L2
// sensitivity, charged to a privacy budget before it is drawn and recorded as a
// dp_query act; only the noisy sum leaves the aggregator. This is party-level DP (one
// party's whole contribution in a round), not person-level: person-level guarantees
// would need DP-SGD inside each party's local steps. The aggregator itself computes the
// exact sum before noising it.
//
// # Audit
//
// Each side records its own acts: a vertical guest and host each one federated_training
// audience leaf per run (the people of the intersection) and one federated_scoring leaf
// per scoring; a horizontal party one federated_training leaf per run over its people;
// the aggregator one federated_training leaf per round with no subject (it sees none).
// Rows come from the caller, who reads them through the purpose-scoped reader for the
// run's purpose (PM-03: a joint score is personal information like any tag; RR-05: a
// restricted person is left out of the rows).
//
// # Not wired yet
//
// The protocols run between processes in the tests and in `steward bench fl`, over
// partnerlink with pinned keys. What the product still lacks: operator routes that start
// a vertical or horizontal run with a paired partner (its job record, approval by both
// privacy officers, the rows read through the reader for the run's purpose), the
// partner-side route that mounts Host.Handle / Coordinator.Handle behind the partner
// signature check, and a job that writes a scored logit as a trait for ModelTag.
package federated
