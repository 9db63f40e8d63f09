package bidding

import (
	"context"

	"github.com/stewardhq/steward/internal/he"
)

// Probe runs one bid request through b in-process with a fresh shop key and returns the
// decrypted bids and, to show what else the shop could read, the other coefficients of
// the answers (masked: uniform mod T). Tests and `steward bench bids` use it.
func Probe(ctx context.Context, b *Bidder, people []Person) (bids []int64, other []uint64, err error) {
	keys := he.GenerateKey()
	defer keys.Zero()
	req, err := Encrypt(keys, "probe", people)
	if err != nil {
		return nil, nil, err
	}
	body, err := req.marshal()
	if err != nil {
		return nil, nil, err
	}
	out, err := b.Handle(ctx, StepBid, body)
	if err != nil {
		return nil, nil, err
	}
	rep, err := parseReply(out)
	if err != nil {
		return nil, nil, err
	}
	if bids, err = DecryptBids(keys, req, rep.Ciphertexts); err != nil {
		return nil, nil, err
	}
	for _, ct := range rep.Ciphertexts {
		dec, err := keys.Decrypt(ct)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range dec {
			if k%req.Stride != 0 {
				other = append(other, v)
			}
		}
	}
	return bids, other, nil
}
