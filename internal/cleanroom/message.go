package cleanroom

import (
	"encoding/binary"
	"fmt"
)

// Kind is the type of a message.
type Kind uint8

// The message kinds, in the order a job sends them.
const (
	KindBlinded Kind = 1 // initiator → partner: the initiator's blinded set
	KindReply   Kind = 2 // partner → initiator: that set blinded again, and the partner's blinded set
	KindValues  Kind = 3 // partner → initiator: the partner's values, encrypted (intersection_sum)
	KindResult  Kind = 4 // initiator → partner: released or withheld, the size, the masked sum
	KindShare   Kind = 5 // partner → initiator: the decrypted masked sum (intersection_sum)
)

func (k Kind) String() string {
	switch k {
	case KindBlinded:
		return "blinded"
	case KindReply:
		return "reply"
	case KindValues:
		return "values"
	case KindResult:
		return "result"
	case KindShare:
		return "share"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Wire constants. Every message opens with magic, version, kind, the job id and the
// transcript hash it follows; doc.go describes the whole format.
const (
	magic      = "STCR"
	version    = 1
	MaxJobLen  = 64
	headerSize = len(magic) + 1 + 1 + 1 // + job + 32
	// MaxMessageSize bounds what ParseMessage accepts: a reply of two full sets of
	// MaxSetSize points, plus headers.
	MaxMessageSize = 2*MaxSetSize*PointSize + 1024
)

// Header is what every message carries: the job it belongs to, and the hash of the
// transcript (every earlier message of the job, in order) it follows.
type Header struct {
	Job  string
	Prev [32]byte
}

func (h *Header) header() *Header { return h }

// Message is one of *Blinded, *Reply, *Values, *Result, *Share.
type Message interface {
	Kind() Kind
	// MarshalBinary returns the wire form.
	MarshalBinary() ([]byte, error)
	// Zero overwrites the blinded elements, ciphertexts and shares the message carries;
	// call it once a message has been handled or sent.
	Zero()
	header() *Header
	size() int
	put(b []byte) []byte
}

// Blinded carries the initiator's match keys, hashed and blinded with its secret
// scalar, shuffled.
type Blinded struct {
	Header
	Elements []Point
}

// Reply carries the initiator's elements blinded again with the partner's scalar, as
// comparison keys (shuffled, so the initiator cannot tell which of its people they are),
// and the partner's own match keys blinded with its scalar (shuffled).
type Reply struct {
	Header
	Doubled []Point
	Blinded []Point
}

// Values carries the partner's values under its RLWE public key: value i of the
// partner's blinded set (in Reply order) is coefficient i mod N of ciphertext i / N.
type Values struct {
	Header
	Params      uint8
	PublicKey   Ciphertext
	Ciphertexts []Ciphertext
}

// Status says whether a result was released.
type Status uint8

// The statuses of a result.
const (
	StatusReleased Status = 1
	StatusWithheld Status = 2
)

func (s Status) String() string {
	switch s {
	case StatusReleased:
		return "released"
	case StatusWithheld:
		return "withheld"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Result closes psi_cardinality and carries intersection_sum's masked sum. A withheld
// result carries neither size nor sum.
type Result struct {
	Header
	Status Status
	Size   uint64
	Sum    *Ciphertext
}

// Share is the partner's decryption of the masked sum's coefficient 0 (plus its
// differential-privacy noise, if any).
type Share struct {
	Header
	Share uint64
}

func (*Blinded) Kind() Kind { return KindBlinded }
func (*Reply) Kind() Kind   { return KindReply }
func (*Values) Kind() Kind  { return KindValues }
func (*Result) Kind() Kind  { return KindResult }
func (*Share) Kind() Kind   { return KindShare }

func (m *Blinded) Zero() { clear(m.Elements) }
func (m *Reply) Zero()   { clear(m.Doubled); clear(m.Blinded) }
func (m *Values) Zero() {
	zeroCiphertext(&m.PublicKey)
	for i := range m.Ciphertexts {
		zeroCiphertext(&m.Ciphertexts[i])
	}
}
func (m *Result) Zero() {
	if m.Sum != nil {
		zeroCiphertext(m.Sum)
	}
	m.Size = 0
}
func (m *Share) Zero() { m.Share = 0 }

func zeroCiphertext(c *Ciphertext) {
	clear(c.C0)
	clear(c.C1)
}

func (h *Header) hsize() int { return headerSize + len(h.Job) + 32 }

func (m *Blinded) size() int { return m.hsize() + 4 + len(m.Elements)*PointSize }
func (m *Reply) size() int {
	return m.hsize() + 8 + (len(m.Doubled)+len(m.Blinded))*PointSize
}
func (m *Values) size() int {
	return m.hsize() + 1 + 4 + (1+len(m.Ciphertexts))*ctSize()
}
func (m *Result) size() int {
	n := m.hsize() + 1 + 8 + 1
	if m.Sum != nil {
		n += ctSize()
	}
	return n
}
func (m *Share) size() int { return m.hsize() + 8 }

func ctSize() int { return 2 * heSet.polyLen() * 8 }

func (h *Header) put(b []byte, k Kind) []byte {
	b = append(b, magic...)
	b = append(b, version, byte(k), byte(len(h.Job)))
	b = append(b, h.Job...)
	return append(b, h.Prev[:]...)
}

func putPoints(b []byte, ps []Point) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(ps)))
	for i := range ps {
		b = append(b, ps[i][:]...)
	}
	return b
}

func putPoly(b []byte, p Poly) []byte {
	for _, c := range p {
		b = binary.BigEndian.AppendUint64(b, c)
	}
	return b
}

func putCiphertext(b []byte, c *Ciphertext) []byte {
	return putPoly(putPoly(b, c.C0), c.C1)
}

func (m *Blinded) put(b []byte) []byte {
	return putPoints(m.Header.put(b, KindBlinded), m.Elements)
}

func (m *Reply) put(b []byte) []byte {
	return putPoints(putPoints(m.Header.put(b, KindReply), m.Doubled), m.Blinded)
}

func (m *Values) put(b []byte) []byte {
	b = append(m.Header.put(b, KindValues), m.Params)
	b = putCiphertext(b, &m.PublicKey)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Ciphertexts)))
	for i := range m.Ciphertexts {
		b = putCiphertext(b, &m.Ciphertexts[i])
	}
	return b
}

func (m *Result) put(b []byte) []byte {
	b = append(m.Header.put(b, KindResult), byte(m.Status))
	b = binary.BigEndian.AppendUint64(b, m.Size)
	if m.Sum == nil {
		return append(b, 0)
	}
	return putCiphertext(append(b, 1), m.Sum)
}

func (m *Share) put(b []byte) []byte {
	return binary.BigEndian.AppendUint64(m.Header.put(b, KindShare), m.Share)
}

func marshal(m Message) []byte { return m.put(make([]byte, 0, m.size())) }

// MarshalBinary returns the wire form of the message.
func (m *Blinded) MarshalBinary() ([]byte, error) { return checkMarshal(m) }

// MarshalBinary returns the wire form of the message.
func (m *Reply) MarshalBinary() ([]byte, error) { return checkMarshal(m) }

// MarshalBinary returns the wire form of the message.
func (m *Values) MarshalBinary() ([]byte, error) { return checkMarshal(m) }

// MarshalBinary returns the wire form of the message.
func (m *Result) MarshalBinary() ([]byte, error) { return checkMarshal(m) }

// MarshalBinary returns the wire form of the message.
func (m *Share) MarshalBinary() ([]byte, error) { return checkMarshal(m) }

// checkMarshal refuses to encode what ParseMessage would refuse (a bad job id, counts
// over the limits, unreduced or missized polynomials, an inconsistent result), so a
// message built by hand fails at the sender, not at the receiver.
func checkMarshal(m Message) ([]byte, error) {
	if err := check(m); err != nil {
		return nil, fmt.Errorf("marshal %s: %w", m.Kind(), err)
	}
	return marshal(m), nil
}

func check(m Message) error {
	h := m.header()
	if h.Job == "" || len(h.Job) > MaxJobLen {
		return malformed(ReasonJob, -1, "job id must be 1 to %d bytes", MaxJobLen)
	}
	for i := 0; i < len(h.Job); i++ {
		if !idByte(h.Job[i]) {
			return malformed(ReasonJob, -1, "job id allows only A-Z a-z 0-9 . _ : -")
		}
	}
	ct := func(c *Ciphertext) error {
		if !heSet.reduced(c.C0) || !heSet.reduced(c.C1) {
			return malformed(ReasonCoeff, -1, "a polynomial is missized or not reduced")
		}
		return nil
	}
	switch m := m.(type) {
	case *Blinded:
		if len(m.Elements) > MaxSetSize {
			return malformed(ReasonCount, -1, "over %d elements", MaxSetSize)
		}
	case *Reply:
		if len(m.Doubled) > MaxSetSize || len(m.Blinded) > MaxSetSize {
			return malformed(ReasonCount, -1, "over %d elements", MaxSetSize)
		}
	case *Values:
		if m.Params != HEParamsID {
			return malformed(ReasonParams, -1, "unknown parameter set %d", m.Params)
		}
		if len(m.Ciphertexts) > ciphertexts(MaxSetSize) {
			return malformed(ReasonCount, -1, "over %d ciphertexts", ciphertexts(MaxSetSize))
		}
		if err := ct(&m.PublicKey); err != nil {
			return err
		}
		for i := range m.Ciphertexts {
			if err := ct(&m.Ciphertexts[i]); err != nil {
				return err
			}
		}
	case *Result:
		switch {
		case m.Status != StatusReleased && m.Status != StatusWithheld:
			return malformed(ReasonValue, -1, "unknown status %d", m.Status)
		case m.Status == StatusWithheld && (m.Size != 0 || m.Sum != nil):
			return malformed(ReasonValue, -1, "a withheld result carries no size and no sum")
		case m.Size > MaxSetSize:
			return malformed(ReasonValue, -1, "size over %d", MaxSetSize)
		case m.Sum != nil:
			return ct(m.Sum)
		}
	}
	return nil
}

// ParseMessage reads one message. It checks the framing strictly (magic and version,
// a known kind, a job id of 1 to 64 bytes of [A-Za-z0-9._:-], counts within the limits
// and matching the length, ciphertext coefficients reduced, a known parameter set, a
// known status, a withheld result without size or sum, no trailing bytes) and returns a
// *MessageError (matching ErrMalformed) for anything else. It does not decode group
// elements: the state machine does that as it uses them, refusing invalid ones.
func ParseMessage(b []byte) (Message, error) {
	if len(b) > MaxMessageSize {
		return nil, malformed(ReasonSizeLimit, -1, "%d bytes is over the %d-byte limit", len(b), MaxMessageSize)
	}
	r := &reader{b: b}
	if len(b) < headerSize {
		return nil, malformed(ReasonTruncated, 0, "shorter than the %d-byte header", headerSize)
	}
	if string(b[:4]) != magic || b[4] != version {
		return nil, malformed(ReasonMagic, 0, "not a version-%d clean-room message", version)
	}
	r.off = 5
	kind := Kind(r.byte())
	var h Header
	n := int(r.byte())
	if n == 0 || n > MaxJobLen {
		return nil, malformed(ReasonJob, 6, "job id must be 1 to %d bytes", MaxJobLen)
	}
	job := r.bytes(n)
	if r.err != nil {
		return nil, r.err
	}
	for i, c := range job {
		if !idByte(c) {
			return nil, malformed(ReasonJob, 7+i, "job id allows only A-Z a-z 0-9 . _ : -")
		}
	}
	h.Job = string(job)
	copy(h.Prev[:], r.bytes(32))
	var m Message
	switch kind {
	case KindBlinded:
		m = &Blinded{Header: h, Elements: r.points()}
	case KindReply:
		rp := &Reply{Header: h, Doubled: r.points()}
		rp.Blinded = r.points()
		m = rp
	case KindValues:
		v := &Values{Header: h, Params: r.byte()}
		if r.err == nil && v.Params != HEParamsID {
			return nil, malformed(ReasonParams, r.off-1, "unknown parameter set %d", v.Params)
		}
		v.PublicKey = r.ciphertext()
		k := r.count(ciphertexts(MaxSetSize), ctSize())
		if r.err == nil {
			v.Ciphertexts = make([]Ciphertext, k)
			for i := range v.Ciphertexts {
				v.Ciphertexts[i] = r.ciphertext()
			}
		}
		m = v
	case KindResult:
		res := &Result{Header: h, Status: Status(r.byte()), Size: r.uint64()}
		has := r.byte()
		if r.err == nil {
			switch {
			case res.Status != StatusReleased && res.Status != StatusWithheld:
				return nil, malformed(ReasonValue, headerSize+len(job)+32, "unknown status %d", res.Status)
			case has > 1:
				return nil, malformed(ReasonValue, r.off-1, "sum flag must be 0 or 1")
			case res.Status == StatusWithheld && (res.Size != 0 || has != 0):
				return nil, malformed(ReasonValue, r.off-1, "a withheld result carries no size and no sum")
			case res.Size > MaxSetSize:
				return nil, malformed(ReasonValue, r.off-9, "size over %d", MaxSetSize)
			}
		}
		if has == 1 {
			c := r.ciphertext()
			res.Sum = &c
		}
		m = res
	case KindShare:
		m = &Share{Header: h, Share: r.uint64()}
	default:
		return nil, malformed(ReasonKind, 5, "unknown kind %d", kind)
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(b) {
		return nil, malformed(ReasonTrailing, r.off, "%d bytes after the last field", len(b)-r.off)
	}
	return m, nil
}

// reader reads fields, remembering the first error (with its offset).
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = malformed(ReasonTruncated, r.off, "needs %d more bytes, has %d", n, len(r.b)-r.off)
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *reader) byte() byte {
	b := r.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) uint64() uint64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// count reads a 4-byte count of items of itemSize bytes, at most limit, and checks the
// bytes are there before anything is allocated for them.
func (r *reader) count(limit, itemSize int) int {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	n := binary.BigEndian.Uint32(b)
	switch {
	case uint64(n) > uint64(limit):
		r.err = malformed(ReasonCount, r.off-4, "%d items, over the limit of %d", n, limit)
		return 0
	case uint64(len(r.b)-r.off) < uint64(n)*uint64(itemSize):
		r.err = malformed(ReasonTruncated, r.off, "%d items need %d bytes, has %d", n, uint64(n)*uint64(itemSize), len(r.b)-r.off)
		return 0
	}
	return int(n)
}

func (r *reader) points() []Point {
	n := r.count(MaxSetSize, PointSize)
	if r.err != nil {
		return nil
	}
	ps := make([]Point, n)
	for i := range ps {
		copy(ps[i][:], r.b[r.off:])
		r.off += PointSize
	}
	return ps
}

func (r *reader) poly() Poly {
	n := heSet.polyLen()
	b := r.bytes(8 * n)
	if b == nil {
		return nil
	}
	p := make(Poly, n)
	for i := range p {
		p[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	if !heSet.reduced(p) {
		r.err = malformed(ReasonCoeff, r.off-8*n, "a coefficient is not reduced modulo its prime")
		return nil
	}
	return p
}

func (r *reader) ciphertext() Ciphertext {
	c0 := r.poly()
	return Ciphertext{C0: c0, C1: r.poly()}
}
