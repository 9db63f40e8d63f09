// Package he owns Steward's packed homomorphic encryption for protocols between
// partners (DESIGN.md "technical governance: homomorphic encryption"): one RLWE
// parameter set (lattigo v6.2.0's BGV with coefficient encoding, N = 2^13, log Q ≈ 180,
// a 58-bit plaintext modulus T), keys, a fixed wire format, and the one evaluation the
// federated and bid-ranking protocols need: many inner products of an encrypted vector
// with plaintext vectors in a single ciphertext–polynomial product, sealed before it
// goes back to the key holder.
//
// # Inner products in one product
//
// A key holder encrypts values a_i as the coefficients of m = Σ a_i X^i (Encrypt, under
// its secret key). An evaluator holding plaintext columns c_f builds (InnerPoly)
//
//	P = Σ_f X^(f·s) Σ_i c_f,i X^(−i)      (X^(−i) = −X^(N−i) in Z_T[X]/(X^N+1))
//
// and m·P carries Σ_i a_i c_f,i at coefficient f·s for every column f, exactly (mod T),
// when the a's occupy fewer than s coefficients and (columns+1)·s ≤ N. No rotation keys,
// no relinearisation: one NTT-domain multiplication per ciphertext component.
//
// # Sealing: what the key holder learns
//
// The other coefficients of m·P hold partial, shifted inner products, and the
// ciphertext's error and second component depend on P. Before an evaluated ciphertext
// goes back to the key holder, Seal (i) adds an independent uniform mask mod T to every
// coefficient (the evaluator keeps the masks of the outputs it needs, to unmask the
// values the key holder hands back), (ii) adds a fresh public-key encryption of zero, so
// the second component is a fresh RLWE sample, and (iii) floods the error with uniform
// noise in [−2^100, 2^100] per coefficient. Against an honest-but-curious key holder that
// decrypts and also recovers the error with its secret key: the plaintext is uniform
// (one-time pad mod T), and the error before flooding is below 19·MaxPolyNorm ≈ 2^37.3
// per coefficient, so the flooded error is within statistical distance N·2^37.3/2^101 ≈
// 2^−50.7 of one that does not depend on P. Decryption stays correct: T·2^101 < Q/2.
// The same construction, with Paillier's role played by packed RLWE, is the clean
// room's intersection-sum (internal/cleanroom/he.go), which this package mirrors for
// vectors; the two share primes so one parameter review covers both.
//
// Against a key holder that deviates (sends a malformed public key, or ciphertexts not
// of its own making), the evaluator's plaintext is not protected beyond what the wire
// checks give: the partner pairing and each side's approval decide who may run a job.
//
// # Wire
//
// A ciphertext or public key is 2 polynomials × 3 limbs × N coefficients × 8 bytes,
// little-endian, NTT domain, each coefficient reduced modulo its prime (393,216 bytes);
// anything else is ErrMalformed.
package he
