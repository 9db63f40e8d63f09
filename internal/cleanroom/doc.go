// Package cleanroom owns the cryptographic core of Steward's two-party clean room
// (issue 22, DESIGN.md "measurement"): match-key normalisation, hashing to a prime-order
// group, commutative blinding and shuffling, and the two protocols psi_cardinality and
// intersection_sum as explicit state machines per role with typed, serialisable messages.
// It does no I/O: the server carries the messages (signed by internal/partner), the
// store keeps the job (Job, its lifecycle), the purpose-scoped reader supplies the
// consented inputs, and the DP engine implements Noiser. internal/cleanroom/room wires it
// into the product (pairing, approvals, the queue, the audit log).
//
// # Match keys and the group
//
// Emails are trimmed and lower-cased (NormalizeEmail); phone numbers become E.164 with a
// small, strict normaliser for China, the NANP and the EU-27 (NormalizePhone; phone.go
// records each strictness decision). A normalised key k is hashed with RFC 9380's
// hash_to_ristretto255 (circl, suite ristretto255_XMD:SHA-512_R255MAP_RO_) under a
// domain-separation tag per pairing of two instances (NewDomain):
// H(k) = hash_to_group("email" || 0 || k). Blinding is scalar multiplication by a secret,
// uniformly random, per-job scalar; it commutes: a·(b·H(k)) = b·(a·H(k)).
//
// # psi_cardinality (both learn |A∩B|)
//
//	initiator (A, secret a)                         partner (B, secret b)
//	X = shuffle{a·H(x) : x ∈ A}   ── Blinded ──►
//	                              ◄── Reply ───    Z = shuffle{K(b·X_i)}, Y = shuffle{b·H(y) : y ∈ B}
//	W = {K(a·Y_j)}; c = |Z ∩ W|
//	released c (or withheld)      ── Result ──►    learns c
//
// K is the comparison key of a doubly-blinded element: the RFC 8032 encoding of the
// Edwards point 4·P, canonical for the ristretto element P and cheaper than its ristretto
// encoding (group.go, reblindKeys). Keys are only compared, never decoded.
//
// Leakage, against an honest-but-curious peer (both follow the protocol and then look at
// everything they saw; under DDH in ristretto255, with H a random oracle):
//   - The partner sees |A| and the points X: under DDH they look like uniformly random
//     elements, and without a it cannot test an identifier against them — then c.
//   - The initiator sees |B|, Z and Y. Z is shuffled, so it cannot tell which of its own
//     elements matched; Y holds b-blinded points it can only compare after blinding them
//     with a, which gives W: it learns, for each partner element, whether it matched —
//     but partner elements are anonymous and shuffled, so that is c again, nothing about
//     which person.
//   - Beyond c, both learn |A| and |B|. Neither sees an identifier, a hash of one, or a
//     point it could test an identifier against.
//
// # intersection_sum (initiator learns |A∩B| and Σ values over A∩B; partner learns |A∩B|)
//
// Ion et al.'s Private Join and Compute ("On Deploying Secure Computing: Private
// Intersection-Sum-with-Cardinality", 2020), adapted so that the side without the values
// learns the sum, with packed RLWE (lattigo BGV, coefficient encoding) in place of
// Paillier (why: BENCHMARKS.md):
//
//	initiator                                        partner (values v_y)
//	Blinded X                     ── Blinded ──►
//	                              ◄── Reply ───    Z, Y as above
//	                              ◄── Values ──    pk; Enc(v) packed N = 8192 to a ciphertext,
//	                                                   value j of Y at coefficient j mod N
//	x_j = [K(a·Y_j) ∈ Z]; c = Σ x_j
//	ct = Σ_k ct_k · p_k  (p_k(X) = x_k,0 − Σ_{j≥1} x_k,j X^(N−j): coefficient 0 of
//	     m_k·p_k is Σ_j x_k,j m_k,j)
//	   + R (uniform mask mod T on every coefficient) + Enc_pk(0) + flood noise
//	                              ── Result ──►    (c, ct)  decrypts u = Σ x·v + R
//	                              ◄── Share ───    u_0 (+ its DP noise)
//	sum = u_0 − R_0 mod T
//
// Leakage, against an honest-but-curious peer:
//   - The partner sees what it sees in psi_cardinality, then ct. Decrypting ct gives
//     u = (inner products) + R with R uniform mod T and independent: u is a uniformly
//     random vector, so the partner learns nothing about the sum or the pattern x from
//     the plaintext. The partner, holding the secret key, also recovers the ciphertext's
//     error term; before flooding that term is Σ e_k·p_k, a linear function of x that it
//     could solve (it knows every e_k, having encrypted them). The initiator therefore
//     adds a fresh public-key encryption of zero (so the second component is a fresh RLWE
//     sample, not Σ c1_k·p_k, which would reveal p_k outright) and uniform noise in
//     [-2^105, 2^105] on every coefficient: the error the partner sees is within
//     statistical distance 2^-64 of one independent of x (he.go: smudgeBits). It learns c
//     from the Result.
//   - The initiator sees |B|, Z, Y, the ciphertexts (IND-CPA under RLWE: nothing) and
//     u_0 = Σ + R_0: the sum, and only the sum — not the other coefficients of u, which
//     would carry partial, per-block inner products. With the partner's DP noise, the
//     noisy sum.
//   - Sums are exact while the partner's values are at most MaxValue (2^32−1; larger are
//     clamped, see Config.ValueCap) and its set at most MaxSetSize (2^24): Σ < 2^56 < T/2.
//
// Against a peer that deviates (malicious), these protocols promise less, like PJC: an
// initiator can send a single element and learn whether it is in B (the minimum
// intersection limits, not prevents, this; duplicates are refused), and a partner can
// send a malformed public key to learn the pattern. The partner layer's pinned keys and
// each side's privacy-officer approval are the controls for who may run a job at all.
//
// # Minimum intersection, noise, and what is kept
//
// A result is withheld (StatusWithheld: neither size nor sum) when the exact intersection
// is below the initiator's minimum (default 50) or its noisy size is; the partner also
// refuses a released size below its own minimum (ErrBelowMinimum) and then never
// decrypts. Noiser, if set, is called once per released output: by the initiator for the
// size, by the partner for its share of the sum.
//
// Neither side keeps the other's blinded set: Z, W and the membership pattern exist only
// inside the step that uses them and are wiped (explicitly zeroed, including the hash set
// used to intersect) before it returns; secret scalars are zeroed as soon as their last
// use is over; the RLWE secret key and the mask when the job finishes. Close wipes
// whatever a step has not (an aborted job) and is always safe to call. Messages handed
// in or out belong to the caller, who zeroes them (Message.Zero) once sent or handled.
//
// # Messages and the transcript
//
// Every message carries the job id and the hash of the transcript before it: t_0 =
// SHA-256 over the label, job id, protocol, match key, DST (and the HE parameter set id),
// then t_{i+1} = SHA-256(t_i || message_i bytes). A side refuses a message of another job
// (ErrWrongJob), one whose transcript hash is not its own (ErrTranscript: altered in
// transit, or from another run), and one it does not expect now (ErrUnexpected: out of
// order, or a replay); refusing leaves its state unchanged. A message altered in transit
// is caught at the latest by the next message of the other side; the partner layer's
// request signatures catch it at once.
//
// Wire format (all integers big-endian; N = 8192, L = 3 primes):
//
//	message  = "STCR" version:u8(1) kind:u8 job_len:u8 job prev:32 body
//	Blinded  (1) = n:u32 n×point:32
//	Reply    (2) = n:u32 n×key:32 (Z) m:u32 m×point:32 (Y)
//	Values   (3) = params:u8(1) pk:ct k:u32 k×ct
//	Result   (4) = status:u8 (1 released, 2 withheld) size:u64 has_sum:u8 [ct]
//	Share    (5) = share:u64
//	ct       = c0:poly c1:poly, poly = L×N×u64 in the NTT domain, limb after limb, each
//	           coefficient reduced modulo its prime (pk as lattigo keeps it: Montgomery form)
//
// A point is a canonical ristretto255 encoding, a key an RFC 8032 Edwards encoding (32
// bytes each); 10^6 people cost 32 MB in Blinded and 64 MB in Reply, and Values 384 KiB
// per 8192 values (48 MB for 10^6).
//
// # Alignment (issue 23: vertical federated learning)
//
// AlignGuest and AlignHost (align.go) are psi_cardinality's variant for training on the
// intersection: the guest does not shuffle its blinded points and the host answers in
// the guest's order, so both end with their own members of the intersection, in one
// common order, while non-members stay blinded exactly as above. Unlike the two
// protocols here it reveals the intersection to both sides, by design; align.go states
// the flow and the leakage.
//
// # Example
//
//	d, _ := cleanroom.NewDomain(partner.PairingID(ours, theirs))
//	cfg := cleanroom.Config{Job: "job-1", Protocol: cleanroom.PSICardinality, MatchOn: cleanroom.MatchEmail, Domain: d}
//	ini, _ := cleanroom.NewInitiator(cfg, ourPeople)     // on the initiator
//	par, _ := cleanroom.NewPartner(cfg, theirPeople)     // on the partner
//	m1, _ := ini.Start()                                 // send m1
//	out, _ := par.Handle(ctx, m1)                        // send out back
//	res, _ := ini.Handle(ctx, out[0])                    // send res
//	par.Handle(ctx, res[0])
//	ini.Outcome()                                        // {released, |A∩B|}
//	ini.Close(); par.Close()
package cleanroom
