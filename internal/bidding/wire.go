package bidding

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/stewardhq/steward/internal/he"
)

// Wire format (ciphertexts are ~384 KiB each, so they travel raw, not in base64 JSON):
//
//	request = "STBR" version:u8(1) header_len:u32 header(JSON: job, features, stride, people)
//	          public_key(he.CiphertextSize) k × ciphertext(he.CiphertextSize)
//	reply   = "STBA" version:u8(1) k:u32 k × ciphertext
//
// k is implied by the header (⌈people / ⌊N/stride⌋⌉) and must match the bytes exactly.
const (
	requestMagic = "STBR"
	replyMagic   = "STBA"
	wireVersion  = 1
	maxHeader    = 4096
	// MaxCiphertexts bounds a request: 2^20 people at one feature each.
	MaxCiphertexts = 128
)

func (r bidRequest) marshal() ([]byte, error) {
	h, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 9+len(h)+(1+len(r.Ciphertexts))*he.CiphertextSize)
	out = append(out, requestMagic...)
	out = append(out, wireVersion)
	out = binary.BigEndian.AppendUint32(out, uint32(len(h)))
	out = append(out, h...)
	out = append(out, r.PublicKey...)
	for _, ct := range r.Ciphertexts {
		out = append(out, ct...)
	}
	return out, nil
}

func parseRequest(b []byte) (bidRequest, error) {
	bad := func(why string) (bidRequest, error) {
		return bidRequest{}, fmt.Errorf("%w: bid request: %s", ErrProtocol, why)
	}
	if len(b) < 9 || string(b[:4]) != requestMagic || b[4] != wireVersion {
		return bad("not a version-1 bid request")
	}
	n := binary.BigEndian.Uint32(b[5:9])
	if n > maxHeader || uint64(len(b)) < 9+uint64(n) {
		return bad("header length")
	}
	var r bidRequest
	if err := json.Unmarshal(b[9:9+n], &r); err != nil {
		return bad("header: " + err.Error())
	}
	if r.Features < 1 || r.Features > MaxFeatures || r.Stride != r.Features || r.People < 1 {
		return bad("features, stride or people out of range")
	}
	per := he.N / r.Stride
	k := (r.People + per - 1) / per
	rest := b[9+n:]
	if k > MaxCiphertexts || len(rest) != (1+k)*he.CiphertextSize {
		return bad(fmt.Sprintf("%d bytes for a key and %d ciphertexts", len(rest), k))
	}
	r.PublicKey = rest[:he.CiphertextSize]
	for i := 1; i <= k; i++ {
		r.Ciphertexts = append(r.Ciphertexts, rest[i*he.CiphertextSize:(i+1)*he.CiphertextSize])
	}
	return r, nil
}

func (r bidReply) marshal() []byte {
	out := make([]byte, 0, 9+len(r.Ciphertexts)*he.CiphertextSize)
	out = append(out, replyMagic...)
	out = append(out, wireVersion)
	out = binary.BigEndian.AppendUint32(out, uint32(len(r.Ciphertexts)))
	for _, ct := range r.Ciphertexts {
		out = append(out, ct...)
	}
	return out
}

func parseReply(b []byte) (bidReply, error) {
	if len(b) < 9 || string(b[:4]) != replyMagic || b[4] != wireVersion {
		return bidReply{}, fmt.Errorf("%w: not a version-1 bid reply", ErrProtocol)
	}
	k := binary.BigEndian.Uint32(b[5:9])
	if k > MaxCiphertexts || uint64(len(b)-9) != uint64(k)*he.CiphertextSize {
		return bidReply{}, fmt.Errorf("%w: bid reply length", ErrProtocol)
	}
	var r bidReply
	for i := 0; i < int(k); i++ {
		r.Ciphertexts = append(r.Ciphertexts, b[9+i*he.CiphertextSize:9+(i+1)*he.CiphertextSize])
	}
	return r, nil
}
