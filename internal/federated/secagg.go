package federated

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/secretsharing"
)

// Secure aggregation (Bonawitz et al., "Practical Secure Aggregation for
// Privacy-Preserving Machine Learning", CCS 2017, the semi-honest protocol): parties
// send masked vectors; the masks cancel in the sum; the aggregator learns the sum of
// the vectors of the parties that finished the round and nothing else, even when some
// drop out. See doc.go for the flow and what each side learns.

// Steps of secure aggregation, as the edge names them.
const (
	StepAdvertise = "secagg/advertise"
	StepShare     = "secagg/share"
	StepMasked    = "secagg/masked"
	StepUnmask    = "secagg/unmask"
)

// Errors of a round.
var (
	// ErrTooFewParties: fewer parties than the threshold are left; the round aborts and
	// nothing is revealed.
	ErrTooFewParties = errors.New("federated: too few parties left in the round")
	// ErrLate: a party's message came after its phase closed (it counts as dropped).
	ErrLate = errors.New("federated: phase closed")
)

var grp = group.Ristretto255

// labels keep every derivation of a round apart.
const (
	labelSeed = "STEWARD-SECAGG-V1-PAIR-MASK"
	labelEnc  = "STEWARD-SECAGG-V1-SHARE-KEY"
	labelSelf = "STEWARD-SECAGG-V1-SELF-MASK"
)

// Round describes one round, the same on every side.
type Round struct {
	ID      string   `json:"id"`
	Parties []string `json:"parties"` // the roster: partner ids, each a party's name on the aggregator
	// Threshold is how many parties must finish for the sum to be revealed; 0 means
	// ⌊n/2⌋+1, the least that keeps the aggregator from reconstructing both secrets of
	// one party, leaving ⌈n/2⌉−1 dropouts (a third of the roster or more for n ≥ 3).
	Threshold int `json:"threshold"`
	Length    int `json:"length"` // vector length
}

func (r Round) threshold() int {
	if r.Threshold > 0 {
		return r.Threshold
	}
	return len(r.Parties)/2 + 1
}

func (r Round) check() error {
	n := len(r.Parties)
	if r.ID == "" || n < 3 || n > 1000 || r.Length < 1 || r.Length > 1<<20 {
		return fmt.Errorf("%w: a round has an id, 3 to 1000 parties and 1 to 2^20 values", ErrConfig)
	}
	if t := r.threshold(); t <= n/2 || t > n {
		return fmt.Errorf("%w: threshold must be above n/2 and at most n", ErrConfig)
	}
	if !slices.IsSorted(r.Parties) || len(slices.Compact(slices.Clone(r.Parties))) != n {
		return fmt.Errorf("%w: parties must be sorted and distinct", ErrConfig)
	}
	return nil
}

func (r Round) index(id string) int {
	i, ok := slices.BinarySearch(r.Parties, id)
	if !ok {
		return -1
	}
	return i
}

// Messages.
type advertiseMsg struct {
	Round string `json:"round"`
	C     []byte `json:"c"` // key agreement for encrypting shares
	S     []byte `json:"s"` // key agreement for pairwise masks
}

type rosterMsg struct {
	Keys map[string]advertiseMsg `json:"keys"` // U1
}

type shareMsg struct {
	Round  string            `json:"round"`
	Shares map[string][]byte `json:"shares"` // to → AEAD(share of s_sk, share of b)
}

type inboxMsg struct {
	Shares map[string][]byte `json:"shares"` // from → AEAD, for every party in U2
}

type maskedMsg struct {
	Round string   `json:"round"`
	Y     []uint64 `json:"y"`
}

type survivorsMsg struct {
	Survivors []string `json:"survivors"` // U3
}

type unmaskMsg struct {
	Round   string            `json:"round"`
	SecretS map[string][]byte `json:"secret_s"` // dropped party → its share of s_sk
	SelfB   map[string][]byte `json:"self_b"`   // surviving party → its share of b
}

// Result is what a round reveals: the sum of the survivors' vectors (mod 2^64, read as
// signed), who finished, and, when the aggregator adds DP noise, the noisy sum in
// fixed point's units (Noisy).
type Result struct {
	Sum       []int64   `json:"sum"`
	Noisy     []float64 `json:"noisy,omitempty"`
	Survivors []string  `json:"survivors"`
}

// prg expands a 32-byte seed into n uint64 (ChaCha8: a CSPRNG).
func prg(seed [32]byte, n int) []uint64 {
	r := mrand.NewChaCha8(seed)
	out := make([]uint64, n)
	for i := range out {
		out[i] = r.Uint64()
	}
	return out
}

func derive(label, round string, parts ...[]byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(label))
	h.Write([]byte{0})
	h.Write([]byte(round))
	for _, p := range parts {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(p)))
		h.Write(l[:])
		h.Write(p)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// agree returns the point sk·pk encoded, refusing a malformed key or the identity.
func agree(sk group.Scalar, pk []byte) ([]byte, error) {
	e := grp.NewElement()
	if err := e.UnmarshalBinary(pk); err != nil || e.IsIdentity() {
		return nil, fmt.Errorf("%w: bad public key", ErrProtocol)
	}
	return e.Mul(e, sk).MarshalBinary()
}

func pairSeed(round, a, b string, shared []byte) [32]byte {
	if a > b {
		a, b = b, a
	}
	return derive(labelSeed, round, []byte(a), []byte(b), shared)
}

func shareKey(round, from, to string, shared []byte) cipher.AEAD {
	k := derive(labelEnc, round, []byte(from), []byte(to), shared)
	blk, _ := aes.NewCipher(k[:])
	a, _ := cipher.NewGCM(blk)
	return a
}

func selfSeed(round string, b group.Scalar) [32]byte {
	bb, _ := b.MarshalBinary()
	return derive(labelSelf, round, bb)
}

func newScalar(r io.Reader) group.Scalar { return grp.RandomScalar(r) }

// Client is one party's side of a round.
type Client struct {
	round    Round
	self     string
	me       int
	c, s, b  group.Scalar
	roster   rosterMsg
	received map[string][2]group.Scalar // from → (share of s_sk, share of b), U2
}

// NewClient starts party self's side of round.
func NewClient(round Round, self string) (*Client, error) {
	if err := round.check(); err != nil {
		return nil, err
	}
	me := round.index(self)
	if me < 0 {
		return nil, fmt.Errorf("%w: %s is not on the roster", ErrConfig, self)
	}
	return &Client{round: round, self: self, me: me, c: newScalar(rand.Reader), s: newScalar(rand.Reader), b: newScalar(rand.Reader)}, nil
}

func pub(sk group.Scalar) []byte {
	b, _ := grp.NewElement().MulGen(sk).MarshalBinary()
	return b
}

// Run takes the client through the four steps over call and returns the round's
// result. drop, when set, makes the client stop after the named step (tests).
func (c *Client) Run(ctx context.Context, call Call, x []int64, dropAfter string) (Result, error) {
	if len(x) != c.round.Length {
		return Result{}, fmt.Errorf("%w: %d values, round has %d", ErrConfig, len(x), c.round.Length)
	}
	roster, err := roundTrip[rosterMsg](ctx, call, StepAdvertise, advertiseMsg{Round: c.round.ID, C: pub(c.c), S: pub(c.s)})
	if err != nil {
		return Result{}, err
	}
	sm, err := c.share(roster)
	if err != nil {
		return Result{}, err
	}
	inbox, err := roundTrip[inboxMsg](ctx, call, StepShare, sm)
	if err != nil {
		return Result{}, err
	}
	if dropAfter == StepShare {
		return Result{}, nil
	}
	y, err := c.masked(inbox, x)
	if err != nil {
		return Result{}, err
	}
	surv, err := roundTrip[survivorsMsg](ctx, call, StepMasked, maskedMsg{Round: c.round.ID, Y: y})
	if err != nil {
		return Result{}, err
	}
	um, err := c.unmask(surv.Survivors)
	if err != nil {
		return Result{}, err
	}
	return roundTrip[Result](ctx, call, StepUnmask, um)
}

func (c *Client) share(r rosterMsg) (shareMsg, error) {
	if _, ok := r.Keys[c.self]; !ok || len(r.Keys) < c.round.threshold() {
		return shareMsg{}, fmt.Errorf("%w: %d parties advertised", ErrTooFewParties, len(r.Keys))
	}
	c.roster = r
	n := uint(len(c.round.Parties))
	t := uint(c.round.threshold() - 1) // circl's t: degree; t+1 shares recover
	sS := secretsharing.New(rand.Reader, t, c.s).Share(n)
	sB := secretsharing.New(rand.Reader, t, c.b).Share(n)
	out := shareMsg{Round: c.round.ID, Shares: map[string][]byte{}}
	for id, k := range r.Keys {
		v := c.round.index(id)
		if v < 0 {
			return shareMsg{}, fmt.Errorf("%w: roster names %s", ErrProtocol, id)
		}
		shared, err := agree(c.c, k.C)
		if err != nil {
			return shareMsg{}, err
		}
		a, _ := sS[v].Value.MarshalBinary()
		b, _ := sB[v].Value.MarshalBinary()
		nonce := make([]byte, 12)
		if _, err := rand.Read(nonce); err != nil {
			return shareMsg{}, err
		}
		ad := []byte(c.round.ID + "\x00" + c.self + "\x00" + id)
		out.Shares[id] = shareKey(c.round.ID, c.self, id, shared).Seal(nonce, nonce, append(a, b...), ad)
	}
	return out, nil
}

func (c *Client) masked(in inboxMsg, x []int64) ([]uint64, error) {
	if _, ok := in.Shares[c.self]; !ok || len(in.Shares) < c.round.threshold() {
		return nil, fmt.Errorf("%w: %d parties shared", ErrTooFewParties, len(in.Shares))
	}
	c.received = map[string][2]group.Scalar{}
	y := make([]uint64, len(x))
	for i, v := range x {
		y[i] = uint64(v)
	}
	for from, ct := range in.Shares {
		k, ok := c.roster.Keys[from]
		if !ok {
			return nil, fmt.Errorf("%w: share from %s, who never advertised", ErrProtocol, from)
		}
		shared, err := agree(c.c, k.C)
		if err != nil {
			return nil, err
		}
		if len(ct) < 12 {
			return nil, fmt.Errorf("%w: share from %s", ErrProtocol, from)
		}
		ad := []byte(c.round.ID + "\x00" + from + "\x00" + c.self)
		pt, err := shareKey(c.round.ID, from, c.self, shared).Open(nil, ct[:12], ct[12:], ad)
		if err != nil || len(pt) != 64 {
			return nil, fmt.Errorf("%w: share from %s does not open", ErrProtocol, from)
		}
		ss, sb := grp.NewScalar(), grp.NewScalar()
		if ss.UnmarshalBinary(pt[:32]) != nil || sb.UnmarshalBinary(pt[32:]) != nil {
			return nil, fmt.Errorf("%w: share from %s", ErrProtocol, from)
		}
		c.received[from] = [2]group.Scalar{ss, sb}
		if from == c.self {
			continue
		}
		sp, err := agree(c.s, k.S)
		if err != nil {
			return nil, err
		}
		m := prg(pairSeed(c.round.ID, c.self, from, sp), len(x))
		for i := range y {
			if c.self < from {
				y[i] += m[i]
			} else {
				y[i] -= m[i]
			}
		}
	}
	self := prg(selfSeed(c.round.ID, c.b), len(x))
	for i := range y {
		y[i] += self[i]
	}
	return y, nil
}

func (c *Client) unmask(survivors []string) (unmaskMsg, error) {
	if len(survivors) < c.round.threshold() || !slices.Contains(survivors, c.self) {
		return unmaskMsg{}, fmt.Errorf("%w: %d survivors", ErrTooFewParties, len(survivors))
	}
	out := unmaskMsg{Round: c.round.ID, SecretS: map[string][]byte{}, SelfB: map[string][]byte{}}
	alive := map[string]bool{}
	for _, s := range survivors {
		if _, ok := c.received[s]; !ok {
			return unmaskMsg{}, fmt.Errorf("%w: survivor %s never shared", ErrProtocol, s)
		}
		alive[s] = true
	}
	// Never both shares of one party: the survivors' b, the dropped parties' s_sk.
	for from, sh := range c.received {
		if alive[from] {
			out.SelfB[from], _ = sh[1].MarshalBinary()
		} else {
			out.SecretS[from], _ = sh[0].MarshalBinary()
		}
	}
	return out, nil
}

// Noiser adds differentially private noise to a round's sum (the DP ledger charges its
// budget for it): sum is in fixed-point units, l2 the sum's sensitivity in those units.
type Noiser interface {
	NoisySum(ctx context.Context, round string, sum []float64, l2 float64) ([]float64, error)
}

// Aggregator is the server's side of a round: it routes keys and shares, collects the
// masked vectors and reveals only their sum. Each phase closes when every party still
// in the round has sent its message, or Timeout after the phase's first message.
type Aggregator struct {
	round   Round
	timeout time.Duration
	noise   Noiser
	l2      float64

	mu     sync.Mutex
	phases [4]*phase
	keys   map[string]advertiseMsg
	shares map[string]map[string][]byte // to → from → ct
	y      map[string][]uint64
	unmask map[string]unmaskMsg
	result Result
	err    error
}

type phase struct {
	expect map[string]bool
	got    map[string]bool
	done   chan struct{}
	timer  *time.Timer
	closed bool
}

// NewAggregator prepares the aggregator of a round. noise may be nil; with it, l2 is the
// L2 sensitivity of the sum (each party clips its vector to that norm).
func NewAggregator(round Round, timeout time.Duration, noise Noiser, l2 float64) (*Aggregator, error) {
	if err := round.check(); err != nil {
		return nil, err
	}
	a := &Aggregator{round: round, timeout: timeout, noise: noise, l2: l2, keys: map[string]advertiseMsg{},
		shares: map[string]map[string][]byte{}, y: map[string][]uint64{}, unmask: map[string]unmaskMsg{}}
	all := map[string]bool{}
	for _, p := range round.Parties {
		all[p] = true
	}
	a.phases[0] = newPhase(all)
	return a, nil
}

func newPhase(expect map[string]bool) *phase {
	return &phase{expect: expect, got: map[string]bool{}, done: make(chan struct{})}
}

// Result waits for the round to end and returns what it revealed.
func (a *Aggregator) Result(ctx context.Context) (Result, error) {
	for {
		a.mu.Lock()
		p := a.phases[3]
		a.mu.Unlock()
		if p != nil {
			select {
			case <-p.done:
				a.mu.Lock()
				defer a.mu.Unlock()
				return a.result, a.err
			case <-ctx.Done():
				return Result{}, ctx.Err()
			}
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}
}

// Handle takes party's message for step, waits for the phase to close and returns the
// phase's broadcast for that party.
func (a *Aggregator) Handle(ctx context.Context, party, step string, body []byte) ([]byte, error) {
	k := slices.Index([]string{StepAdvertise, StepShare, StepMasked, StepUnmask}, step)
	if k < 0 {
		return nil, fmt.Errorf("%w: unknown step %q", ErrProtocol, step)
	}
	a.mu.Lock()
	p := a.phases[k]
	if p == nil || p.closed {
		a.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrLate, step)
	}
	if !p.expect[party] || p.got[party] {
		a.mu.Unlock()
		return nil, fmt.Errorf("%w: %s is not expected in %s", ErrProtocol, party, step)
	}
	if err := a.take(k, party, body); err != nil {
		a.mu.Unlock()
		return nil, err
	}
	p.got[party] = true
	if len(p.got) == len(p.expect) {
		a.close(ctx, k)
	} else if p.timer == nil {
		p.timer = time.AfterFunc(a.timeout, func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.close(context.WithoutCancel(ctx), k)
		})
	}
	a.mu.Unlock()
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.broadcast(k, party)
}

func (a *Aggregator) take(k int, party string, body []byte) error {
	switch k {
	case 0:
		m, err := decode[advertiseMsg](body)
		if err != nil {
			return err
		}
		for _, pk := range [][]byte{m.C, m.S} {
			e := grp.NewElement()
			if e.UnmarshalBinary(pk) != nil || e.IsIdentity() {
				return fmt.Errorf("%w: bad public key", ErrProtocol)
			}
		}
		if m.Round != a.round.ID {
			return fmt.Errorf("%w: round %q", ErrProtocol, m.Round)
		}
		a.keys[party] = m
	case 1:
		m, err := decode[shareMsg](body)
		if err != nil {
			return err
		}
		if m.Round != a.round.ID || len(m.Shares) != len(a.keys) {
			return fmt.Errorf("%w: shares for %d parties, %d advertised", ErrProtocol, len(m.Shares), len(a.keys))
		}
		for to, ct := range m.Shares {
			if _, ok := a.keys[to]; !ok || len(ct) > 128 {
				return fmt.Errorf("%w: share for %s", ErrProtocol, to)
			}
		}
		for to, ct := range m.Shares {
			if a.shares[to] == nil {
				a.shares[to] = map[string][]byte{}
			}
			a.shares[to][party] = ct
		}
	case 2:
		m, err := decode[maskedMsg](body)
		if err != nil {
			return err
		}
		if m.Round != a.round.ID || len(m.Y) != a.round.Length {
			return fmt.Errorf("%w: masked vector of %d values, round has %d", ErrProtocol, len(m.Y), a.round.Length)
		}
		a.y[party] = m.Y
	case 3:
		m, err := decode[unmaskMsg](body)
		if err != nil {
			return err
		}
		if m.Round != a.round.ID {
			return fmt.Errorf("%w: round %q", ErrProtocol, m.Round)
		}
		a.unmask[party] = m
	}
	return nil
}

// close ends phase k (under a.mu) and opens the next with the parties that made it.
func (a *Aggregator) close(ctx context.Context, k int) {
	p := a.phases[k]
	if p.closed {
		return
	}
	p.closed = true
	if p.timer != nil {
		p.timer.Stop()
	}
	if k == 3 {
		a.result, a.err = a.finish(ctx)
	} else {
		next := map[string]bool{}
		for id := range p.got {
			next[id] = true
		}
		a.phases[k+1] = newPhase(next)
		if len(next) < a.round.threshold() {
			a.err = ErrTooFewParties
			a.phases[k+1].closed = true
			close(a.phases[k+1].done)
			for i := k + 2; i < 4; i++ {
				a.phases[i] = a.phases[k+1]
			}
		}
	}
	close(p.done)
}

func (a *Aggregator) broadcast(k int, party string) ([]byte, error) {
	if a.err != nil {
		return nil, a.err
	}
	var out any
	switch k {
	case 0:
		out = rosterMsg{Keys: a.keys}
	case 1:
		// Only shares from parties that are still in (U2).
		in := inboxMsg{Shares: map[string][]byte{}}
		for from, ct := range a.shares[party] {
			if a.phases[1].got[from] {
				in.Shares[from] = ct
			}
		}
		out = in
	case 2:
		out = survivorsMsg{Survivors: sortedKeys(a.phases[2].got)}
	case 3:
		out = a.result
	}
	return encodeMsg(out)
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// finish reconstructs the survivors' self-mask seeds and the dropped parties' mask keys
// from the unmasking shares and returns the sum.
func (a *Aggregator) finish(ctx context.Context) (Result, error) {
	t := a.round.threshold()
	if len(a.unmask) < t {
		return Result{}, fmt.Errorf("%w: %d parties unmasked, %d needed", ErrTooFewParties, len(a.unmask), t)
	}
	u2 := a.phases[1].got // shared
	u3 := a.phases[2].got // sent a masked vector
	recover := func(of string, pick func(unmaskMsg) []byte) (group.Scalar, error) {
		var sh []secretsharing.Share
		for holder, m := range a.unmask {
			b := pick(m)
			if b == nil {
				continue
			}
			v := grp.NewScalar()
			if v.UnmarshalBinary(b) != nil {
				return nil, fmt.Errorf("%w: share of %s from %s", ErrProtocol, of, holder)
			}
			id := grp.NewScalar().SetUint64(uint64(a.round.index(holder) + 1))
			sh = append(sh, secretsharing.Share{ID: id, Value: v})
		}
		if len(sh) < t {
			return nil, fmt.Errorf("%w: %d shares of %s", ErrTooFewParties, len(sh), of)
		}
		return secretsharing.Recover(uint(t-1), sh)
	}
	sum := make([]uint64, a.round.Length)
	for id := range u3 {
		for i, v := range a.y[id] {
			sum[i] += v
		}
		b, err := recover(id, func(m unmaskMsg) []byte { return m.SelfB[id] })
		if err != nil {
			return Result{}, err
		}
		self := prg(selfSeed(a.round.ID, b), len(sum))
		for i := range sum {
			sum[i] -= self[i]
		}
	}
	for id := range u2 {
		if u3[id] {
			continue
		}
		s, err := recover(id, func(m unmaskMsg) []byte { return m.SecretS[id] })
		if err != nil {
			return Result{}, err
		}
		for v := range u3 {
			shared, err := agree(s, a.keys[v].S)
			if err != nil {
				return Result{}, err
			}
			m := prg(pairSeed(a.round.ID, id, v, shared), len(sum))
			for i := range sum {
				// v added +m if v < id, −m otherwise; take it back out.
				if v < id {
					sum[i] -= m[i]
				} else {
					sum[i] += m[i]
				}
			}
		}
	}
	res := Result{Sum: make([]int64, len(sum)), Survivors: sortedKeys(u3)}
	for i, v := range sum {
		res.Sum[i] = int64(v)
	}
	if a.noise != nil {
		f := make([]float64, len(sum))
		for i, v := range res.Sum {
			f[i] = float64(v)
		}
		noisy, err := a.noise.NoisySum(ctx, a.round.ID, f, a.l2)
		if err != nil {
			return Result{}, err
		}
		res.Sum, res.Noisy = nil, noisy
	}
	return res, nil
}
