package federated

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/stewardhq/steward/internal/he"
)

// Wire format of every vertical and secure-aggregation message (ciphertexts are ~384 KiB
// each and travel raw; base64 in JSON cost 40% of an epoch's CPU):
//
//	message = "STFL" version:u8(1) header_len:u32 header(JSON) k:u8 k × (len:u32 bytes)
//
// The header is the message without its ciphertexts and public keys; the k blobs are
// those, in the order the message type lists them, each at most he.CiphertextSize bytes.
const (
	wireMagic   = "STFL"
	wireVersion = 1
	// MaxHeader bounds a message's JSON header (a secure-aggregation roster of 1000
	// parties, an order of 2^24 positions).
	MaxHeader = 256 << 20
)

// blobsOut lists a message's raw parts for encoding; blobsIn points at them for decoding.
type blobsOut interface{ blobsOut() [][]byte }
type blobsIn interface{ blobsIn() []*[]byte }

func (m startMsg) blobsOut() [][]byte      { return [][]byte{m.PublicKey} }
func (m *startMsg) blobsIn() []*[]byte     { return []*[]byte{&m.PublicKey} }
func (m startReply) blobsOut() [][]byte    { return [][]byte{m.PublicKey} }
func (m *startReply) blobsIn() []*[]byte   { return []*[]byte{&m.PublicKey} }
func (m forwardMsg) blobsOut() [][]byte    { return [][]byte{m.Resid} }
func (m *forwardMsg) blobsIn() []*[]byte   { return []*[]byte{&m.Resid} }
func (m forwardReply) blobsOut() [][]byte  { return [][]byte{m.Partial, m.Grad} }
func (m *forwardReply) blobsIn() []*[]byte { return []*[]byte{&m.Partial, &m.Grad} }
func (m backwardMsg) blobsOut() [][]byte   { return [][]byte{m.Cross} }
func (m *backwardMsg) blobsIn() []*[]byte  { return []*[]byte{&m.Cross} }

func encodeMsg(m any) ([]byte, error) {
	h, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var bl [][]byte
	if c, ok := m.(blobsOut); ok {
		bl = c.blobsOut()
	}
	n := 10 + len(h)
	for _, b := range bl {
		n += 4 + len(b)
	}
	out := make([]byte, 0, n)
	out = append(out, wireMagic...)
	out = append(out, wireVersion)
	out = binary.BigEndian.AppendUint32(out, uint32(len(h)))
	out = append(out, h...)
	out = append(out, byte(len(bl)))
	for _, b := range bl {
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
	}
	return out, nil
}

func decodeMsg(b []byte, m any) error {
	bad := func(why string) error { return fmt.Errorf("%w: message: %s", ErrProtocol, why) }
	if len(b) < 10 || string(b[:4]) != wireMagic || b[4] != wireVersion {
		return bad("not a version-1 message")
	}
	n := uint64(binary.BigEndian.Uint32(b[5:9]))
	if n > MaxHeader || uint64(len(b)) < 10+n {
		return bad("header length")
	}
	if err := json.Unmarshal(b[9:9+n], m); err != nil {
		return bad("header: " + err.Error())
	}
	rest := b[9+n:]
	k := int(rest[0])
	rest = rest[1:]
	var dst []*[]byte
	if c, ok := m.(blobsIn); ok {
		dst = c.blobsIn()
	}
	if k != len(dst) {
		return bad(fmt.Sprintf("%d raw parts, want %d", k, len(dst)))
	}
	for _, d := range dst {
		if len(rest) < 4 {
			return bad("truncated")
		}
		l := uint64(binary.BigEndian.Uint32(rest))
		if l > he.CiphertextSize || uint64(len(rest)-4) < l {
			return bad("raw part length")
		}
		if l > 0 {
			*d = rest[4 : 4+l]
		}
		rest = rest[4+l:]
	}
	if len(rest) != 0 {
		return bad("trailing bytes")
	}
	return nil
}
