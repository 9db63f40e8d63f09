// Package bidding owns joint bid ranking under homomorphic encryption (issue 23; DESIGN.md
// "measurement: HE-based joint bid ranking"): a shop ranks advertisers' bids on a person
// without showing the person's features to any advertiser, and without seeing any
// advertiser's weights. It is message-driven and does no I/O: the edge carries the one
// step (internal/server/partnerlink signs it both ways with the partner identities).
//
// # Message flow
//
//	shop (people's features x_p, key pair)            advertiser a (weights w_a)
//	x_p read through the purpose-scoped reader for marketing.advertising.profiling:
//	people whose state refuses it are not read and not ranked (ReaderFeatures)
//	Enc(x) packed: x_p,f at coefficient p·F + f,
//	N/F people per ciphertext; pk               ── bid ──►
//	                                                       m·P_a, P_a = Σ_f w_a,f X^(−f):
//	                                                       coefficient p·F = w_a·x_p (the bid)
//	                                                       Seal: mask every other coefficient,
//	                                                       + Enc_pk(0), flood the error
//	                                            ◄────────  the sealed ciphertexts
//	decrypt, read coefficient p·F: bid_a,p
//	rank advertisers per person by bid (ties: the order they were asked in)
//
// One ciphertext–polynomial product per 8192/F people and advertiser (internal/he); the
// arithmetic is exact modulo T for features ≤ 2^16−1, weights ≤ 2^18−1 and up to 64
// features, so the encrypted ranking is the plaintext ranking (a test checks it on
// 1,000 people × 20 advertisers between 21 processes).
//
// # Leakage (honest-but-curious)
//
//   - An advertiser sees the number of people and of features, and ciphertexts under the
//     shop's key (IND-CPA under RLWE): no feature, no person's identity.
//   - The shop sees each advertiser's bid on each person, by design, and nothing else
//     of the weights from the ciphertexts: the other coefficients are one-time padded mod
//     T, the second component is a fresh RLWE sample and the error is flooded (he.Seal).
//     But bids are linear in the weights: from F people with linearly independent
//     features the shop can solve an advertiser's w_a from its bids. This is inherent to
//     a functionality that reveals bids; an advertiser that must keep its weights from the
//     shop needs a functionality that reveals only the ranking (comparisons under HE or
//     MPC), or contractual limits on the shop. The advertiser's audit log records each
//     request (people count), so it can see how many bids it has revealed.
//
// Each side records its act: the shop one bid_ranking audience leaf over the people
// ranked (recipients: the advertisers), each advertiser a bid_ranking leaf naming the
// shop and the number of people (it never learns who they are).
package bidding
