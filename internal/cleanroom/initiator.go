package cleanroom

import (
	"context"
	"fmt"
	"sync"

	"github.com/cloudflare/circl/group"
)

type initiatorState uint8

const (
	iNew         initiatorState = iota // Start not called
	iSent                              // Blinded sent, awaiting Reply
	iAwaitValues                       // intersection_sum: awaiting Values
	iAwaitShare                        // intersection_sum: Result sent, awaiting Share
	iFinished                          // outcome known (released or withheld)
	iFailed                            // a step failed; secrets wiped
	iClosed                            // Close called; secrets wiped
)

// Initiator is the side that proposes a job and, in intersection_sum, learns the sum.
// Its steps: Start → Blinded; HandleReply(Reply) → Result (psi_cardinality) or nothing
// (intersection_sum); HandleValues(Values) → Result; HandleShare(Share). A refused
// message leaves the state unchanged. It is safe for concurrent use (steps serialise).
type Initiator struct {
	mu    sync.Mutex
	cfg   Config
	state initiatorState
	tr    [32]byte
	stats Stats

	keys  []string     // own normalised keys, until Start
	alpha group.Scalar // own secret scalar, until the Reply is handled
	sent  int          // |own blinded set|

	// intersection_sum, between Reply and Values: which of the partner's elements (in
	// Reply order) are in the intersection, and how many.
	pattern []bool
	exact   int
	mask    uint64 // mask of the sum's coefficient 0, until the Share arrives

	outcome  Outcome
	finished bool // outcome is final (stays true after Close)
}

// NewInitiator returns the initiator of cfg's job over its people (only keys matter:
// the initiator's values are never used).
func NewInitiator(cfg Config, inputs []Input) (*Initiator, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	keys, _, st, err := prepare(&cfg, inputs)
	if err != nil {
		return nil, err
	}
	return &Initiator{cfg: cfg, tr: genesis(&cfg), stats: st, keys: keys}, nil
}

// Stats describes the initiator's own input.
func (in *Initiator) Stats() Stats { return in.stats }

// Outcome returns what the initiator learned, once finished (also after Close).
func (in *Initiator) Outcome() (Outcome, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.outcome, in.finished
}

// Start hashes the initiator's keys to the group, blinds them with a fresh secret scalar,
// shuffles them and returns the first message.
func (in *Initiator) Start() (*Blinded, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.expect(iNew, KindBlinded); err != nil {
		return nil, err
	}
	alpha, err := newScalar(in.cfg.Rand)
	if err != nil {
		return nil, in.fail(err)
	}
	rng, err := newShuffler(in.cfg.Rand)
	if err != nil {
		return nil, in.fail(err)
	}
	perm := permutation(rng, len(in.keys))
	keys := make([]string, len(in.keys))
	for i, j := range perm {
		keys[i] = in.keys[j]
	}
	m := &Blinded{Header: Header{Job: in.cfg.Job, Prev: in.tr}, Elements: make([]Point, len(keys))}
	hashBlind(in.cfg.Domain, in.cfg.MatchOn, keys, alpha, m.Elements, in.cfg.Workers)
	clear(keys)
	clear(in.keys)
	in.keys = nil
	absorb(&in.tr, m)
	in.alpha, in.sent, in.state = alpha, len(m.Elements), iSent
	return m, nil
}

// HandleReply blinds the partner's set with the initiator's scalar and intersects it with
// the doubly-blinded own set. For psi_cardinality it returns the Result to send and
// finishes; for intersection_sum it keeps only the intersection pattern and returns nil.
func (in *Initiator) HandleReply(ctx context.Context, m *Reply) (*Result, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.expect(iSent, KindReply); err != nil {
		return nil, err
	}
	if err := checkHeader(&in.cfg, in.tr, m); err != nil {
		return nil, err
	}
	if len(m.Doubled) != in.sent {
		return nil, fmt.Errorf("handle reply: %w: %d doubly-blinded elements for %d sent", ErrInconsistent, len(m.Doubled), in.sent)
	}
	w := make([]Point, len(m.Blinded))
	defer clear(w)
	if err := reblindKeys(m.Blinded, in.alpha, w, in.cfg.Workers); err != nil {
		return nil, fmt.Errorf("handle reply: %w", err)
	}
	set := newPointSet(len(m.Doubled) + len(w))
	defer set.wipe()
	for i := range m.Doubled {
		if m.Doubled[i] == (Point{}) {
			return nil, fmt.Errorf("handle reply: doubly-blinded element %d: %w", i, ErrInvalidElement)
		}
		if set.add(&m.Doubled[i], 1) != 0 {
			return nil, fmt.Errorf("handle reply: %w in the doubly-blinded set", ErrDuplicate)
		}
	}
	pattern := make([]bool, len(w))
	exact := 0
	for i := range w {
		old := set.add(&w[i], 2)
		if old&2 != 0 {
			clear(pattern)
			return nil, fmt.Errorf("handle reply: %w in the partner's blinded set", ErrDuplicate)
		}
		if old&1 != 0 {
			pattern[i] = true
			exact++
		}
	}
	absorb(&in.tr, m)
	zeroScalar(in.alpha)
	in.alpha = nil

	if in.cfg.Protocol == IntersectionSum {
		in.pattern, in.exact, in.state = pattern, exact, iAwaitValues
		return nil, nil
	}
	clear(pattern)
	status, size, err := release(ctx, &in.cfg, exact)
	if err != nil {
		return nil, in.fail(err)
	}
	res := &Result{Header: Header{Job: in.cfg.Job, Prev: in.tr}, Status: status, Size: uint64(size)}
	absorb(&in.tr, res)
	in.finish(Outcome{Status: status, IntersectionSize: size})
	return res, nil
}

// HandleValues (intersection_sum) sums the partner's encrypted values over the
// intersection, masks, rerandomises and floods the sum, and returns the Result; or a
// withheld Result when the intersection is below the minimum.
func (in *Initiator) HandleValues(ctx context.Context, m *Values) (*Result, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.expect(iAwaitValues, KindValues); err != nil {
		return nil, err
	}
	if err := checkHeader(&in.cfg, in.tr, m); err != nil {
		return nil, err
	}
	if len(m.Ciphertexts) != ciphertexts(len(in.pattern)) {
		return nil, fmt.Errorf("handle values: %w: %d ciphertexts for %d elements", ErrInconsistent, len(m.Ciphertexts), len(in.pattern))
	}
	absorb(&in.tr, m)
	status, size, err := release(ctx, &in.cfg, in.exact)
	if err != nil {
		return nil, in.fail(err)
	}
	res := &Result{Header: Header{Job: in.cfg.Job, Prev: in.tr}, Status: status, Size: uint64(size)}
	if status == StatusReleased {
		sum, mask, err := heSet.selectSum(m.PublicKey, m.Ciphertexts, in.pattern, in.cfg.Rand, in.cfg.Workers)
		if err != nil {
			return nil, in.fail(err)
		}
		res.Sum, in.mask = &sum, mask
	}
	clear(in.pattern)
	in.pattern, in.exact = nil, 0
	absorb(&in.tr, res)
	if status == StatusWithheld {
		in.finish(Outcome{Status: StatusWithheld})
		return res, nil
	}
	in.outcome = Outcome{Status: StatusReleased, IntersectionSize: size}
	in.state = iAwaitShare
	return res, nil
}

// HandleShare (intersection_sum) unmasks the partner's share and finishes.
func (in *Initiator) HandleShare(ctx context.Context, m *Share) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.expect(iAwaitShare, KindShare); err != nil {
		return err
	}
	if err := checkHeader(&in.cfg, in.tr, m); err != nil {
		return err
	}
	absorb(&in.tr, m)
	t := heSet.p.PlaintextModulus()
	v := (m.Share%t + t - in.mask) % t
	in.mask = 0
	sum := int64(v)
	if v > t/2 { // only differential-privacy noise makes the sum negative
		sum = 0
	}
	out := in.outcome
	out.IntersectionSum, out.HasSum = sum, true
	in.finish(out)
	return nil
}

// Handle dispatches m to the step that expects it and returns what to send back.
func (in *Initiator) Handle(ctx context.Context, m Message) ([]Message, error) {
	var res *Result
	var err error
	switch m := m.(type) {
	case *Reply:
		res, err = in.HandleReply(ctx, m)
	case *Values:
		res, err = in.HandleValues(ctx, m)
	case *Share:
		err = in.HandleShare(ctx, m)
	default:
		return nil, fmt.Errorf("initiator: %w: %s", ErrUnexpected, m.Kind())
	}
	if err != nil || res == nil {
		return nil, err
	}
	return []Message{res}, nil
}

// Close wipes every secret and every piece of the partner's data the initiator still
// holds. It is safe to call at any time, and more than once; afterwards every step
// returns ErrClosed.
func (in *Initiator) Close() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.wipe()
	in.state = iClosed
}

func (in *Initiator) wipe() {
	zeroScalar(in.alpha)
	in.alpha = nil
	clear(in.keys)
	in.keys = nil
	clear(in.pattern)
	in.pattern, in.exact, in.mask = nil, 0, 0
}

func (in *Initiator) finish(o Outcome) {
	in.wipe()
	in.outcome, in.finished, in.state = o, true, iFinished
}

// fail wipes and marks the job failed; err says why.
func (in *Initiator) fail(err error) error {
	in.wipe()
	in.state = iFailed
	return err
}

// expect refuses a step in the wrong state without changing it.
func (in *Initiator) expect(s initiatorState, k Kind) error {
	switch {
	case in.state == s && (in.cfg.Protocol == IntersectionSum || k != KindValues && k != KindShare):
		return nil
	case in.state == iClosed:
		return fmt.Errorf("initiator %s: %w", k, ErrClosed)
	case in.state == iFailed:
		return fmt.Errorf("initiator %s: %w", k, ErrFailed)
	}
	return fmt.Errorf("initiator: %w: %s", ErrUnexpected, k)
}
