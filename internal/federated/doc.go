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
// reproduces the plaintext run (TrainPlain over all features, same order) to about
// 10^-5 in the weights.
package federated
