package cleanroom

import (
	"context"
	"fmt"
	"sync"

	"github.com/cloudflare/circl/group"
)

type partnerState uint8

const (
	pNew        partnerState = iota // awaiting Blinded
	pReplied                        // Reply sent; psi_cardinality awaits Result, intersection_sum must send Values
	pValuesSent                     // intersection_sum: Values sent, awaiting Result
	pFinished                       // outcome known
	pFailed                         // a step failed; secrets wiped
	pClosed                         // Close called; secrets wiped
)

// Partner is the side that approves a job proposed to it and, in intersection_sum, holds
// the values. Its steps: Prepare (optional, before the first message); HandleBlinded
// (Blinded) → Reply; EncryptValues → Values (intersection_sum); HandleResult(Result) →
// Share (intersection_sum) or nothing. A refused message leaves the state unchanged. It
// is safe for concurrent use (steps serialise).
type Partner struct {
	mu    sync.Mutex
	cfg   Config
	state partnerState
	tr    [32]byte
	stats Stats

	keys   []string     // own normalised keys, until prepared
	values []uint64     // own values (input order), until prepared
	beta   group.Scalar // own secret scalar, until the Reply is built
	own    []Point      // own blinded set, shuffled (Reply order), once prepared
	sorted []uint64     // own values in Reply order, until encrypted

	he heKeys // intersection_sum: the RLWE key pair, until the Share is built

	outcome  Outcome
	finished bool // outcome is final (stays true after Close)
}

// NewPartner returns the partner of cfg's job over its people and, for intersection_sum,
// their values.
func NewPartner(cfg Config, inputs []Input) (*Partner, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	keys, values, st, err := prepare(&cfg, inputs)
	if err != nil {
		return nil, err
	}
	return &Partner{cfg: cfg, tr: genesis(&cfg), stats: st, keys: keys, values: values}, nil
}

// Stats describes the partner's own input.
func (p *Partner) Stats() Stats { return p.stats }

// Outcome returns what the partner learned, once finished (also after Close).
func (p *Partner) Outcome() (Outcome, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.outcome, p.finished
}

// Prepare hashes, blinds and shuffles the partner's own set ahead of the first message
// (it depends on nothing the initiator sends); HandleBlinded does it if not done yet.
func (p *Partner) Prepare() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.expect(pNew, KindBlinded); err != nil {
		return err
	}
	return p.prepare()
}

func (p *Partner) prepare() error {
	if p.beta != nil {
		return nil
	}
	beta, err := newScalar(p.cfg.Rand)
	if err != nil {
		return p.fail(err)
	}
	rng, err := newShuffler(p.cfg.Rand)
	if err != nil {
		return p.fail(err)
	}
	perm := permutation(rng, len(p.keys))
	keys := make([]string, len(p.keys))
	p.sorted = make([]uint64, len(p.keys))
	for i, j := range perm {
		keys[i], p.sorted[i] = p.keys[j], p.values[j]
	}
	p.own = make([]Point, len(keys))
	hashBlind(p.cfg.Domain, p.cfg.MatchOn, keys, beta, p.own, p.cfg.Workers)
	clear(keys)
	clear(p.keys)
	clear(p.values)
	p.keys, p.values, p.beta = nil, nil, beta
	if p.cfg.Protocol != IntersectionSum {
		clear(p.sorted)
		p.sorted = nil
	}
	return nil
}

// HandleBlinded blinds the initiator's elements with the partner's scalar, shuffles them,
// and returns them with the partner's own blinded set.
func (p *Partner) HandleBlinded(ctx context.Context, m *Blinded) (*Reply, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.expect(pNew, KindBlinded); err != nil {
		return nil, err
	}
	if err := checkHeader(&p.cfg, p.tr, m); err != nil {
		return nil, err
	}
	set := newPointSet(len(m.Elements))
	defer set.wipe()
	for i := range m.Elements {
		if m.Elements[i] == (Point{}) {
			return nil, fmt.Errorf("handle blinded: element %d: %w", i, ErrInvalidElement)
		}
		if set.add(&m.Elements[i], 1) != 0 {
			return nil, fmt.Errorf("handle blinded: %w in the initiator's set", ErrDuplicate)
		}
	}
	if err := p.prepare(); err != nil {
		return nil, err
	}
	z := make([]Point, len(m.Elements))
	if err := reblindKeys(m.Elements, p.beta, z, p.cfg.Workers); err != nil {
		clear(z)
		return nil, fmt.Errorf("handle blinded: %w", err)
	}
	rng, err := newShuffler(p.cfg.Rand)
	if err != nil {
		clear(z)
		return nil, p.fail(err)
	}
	rng.Shuffle(len(z), func(i, j int) { z[i], z[j] = z[j], z[i] })
	absorb(&p.tr, m)
	reply := &Reply{Header: Header{Job: p.cfg.Job, Prev: p.tr}, Doubled: z, Blinded: p.own}
	absorb(&p.tr, reply)
	zeroScalar(p.beta)
	p.beta, p.own, p.state = nil, nil, pReplied
	return reply, nil
}

// EncryptValues (intersection_sum) encrypts the partner's values in Reply order under a
// fresh RLWE key pair and returns them with the public key.
func (p *Partner) EncryptValues() (*Values, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.expect(pReplied, KindValues); err != nil {
		return nil, err
	}
	p.he = heSet.genKeys()
	cts, err := heSet.encryptValues(p.he, p.sorted, p.cfg.Workers)
	clear(p.sorted)
	p.sorted = nil
	if err != nil {
		return nil, p.fail(err)
	}
	m := &Values{Header: Header{Job: p.cfg.Job, Prev: p.tr}, Params: HEParamsID, PublicKey: heSet.wirePublicKey(p.he.pk), Ciphertexts: cts}
	absorb(&p.tr, m)
	p.state = pValuesSent
	return m, nil
}

// HandleResult records the released size (refusing one below the partner's own minimum)
// and, for intersection_sum, decrypts coefficient 0 of the masked sum, adds its noise and
// returns the Share.
func (p *Partner) HandleResult(ctx context.Context, m *Result) (*Share, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := pReplied
	if p.cfg.Protocol == IntersectionSum {
		want = pValuesSent
	}
	if err := p.expect(want, KindResult); err != nil {
		return nil, err
	}
	if err := checkHeader(&p.cfg, p.tr, m); err != nil {
		return nil, err
	}
	sum := p.cfg.Protocol == IntersectionSum
	if m.Status == StatusReleased && (m.Sum != nil) != sum {
		return nil, fmt.Errorf("handle result: %w: a released %s result %s a sum", ErrInconsistent, p.cfg.Protocol, map[bool]string{true: "needs", false: "carries no"}[sum])
	}
	absorb(&p.tr, m)
	if m.Status == StatusWithheld {
		p.finish(Outcome{Status: StatusWithheld})
		return nil, nil
	}
	if m.Size < uint64(p.cfg.MinIntersection) {
		p.finish(Outcome{Status: StatusWithheld})
		return nil, fmt.Errorf("handle result: %w: released size under this side's minimum of %d", ErrBelowMinimum, p.cfg.MinIntersection)
	}
	size := int64(m.Size)
	if !sum {
		p.finish(Outcome{Status: StatusReleased, IntersectionSize: size})
		return nil, nil
	}
	v, err := heSet.decryptFirst(p.he.sk, *m.Sum)
	if err != nil {
		return nil, p.fail(err)
	}
	if p.cfg.Noiser != nil {
		eta, err := p.cfg.Noiser.Noise(ctx, NoiseRequest{Job: p.cfg.Job, Output: OutputSum, Sensitivity: p.cfg.ValueCap})
		if err != nil {
			return nil, p.fail(fmt.Errorf("release sum: %w: %w", ErrNoise, err))
		}
		t := heSet.p.PlaintextModulus()
		if eta >= 0 {
			v = (v + uint64(eta)%t) % t
		} else {
			v = (v + t - uint64(-eta)%t) % t
		}
	}
	share := &Share{Header: Header{Job: p.cfg.Job, Prev: p.tr}, Share: v}
	absorb(&p.tr, share)
	p.finish(Outcome{Status: StatusReleased, IntersectionSize: size})
	return share, nil
}

// Handle dispatches m to the step that expects it and returns what to send back (for a
// Blinded of intersection_sum: the Reply, then the Values).
func (p *Partner) Handle(ctx context.Context, m Message) ([]Message, error) {
	switch m := m.(type) {
	case *Blinded:
		reply, err := p.HandleBlinded(ctx, m)
		if err != nil {
			return nil, err
		}
		if p.cfg.Protocol != IntersectionSum {
			return []Message{reply}, nil
		}
		values, err := p.EncryptValues()
		if err != nil {
			return nil, err
		}
		return []Message{reply, values}, nil
	case *Result:
		share, err := p.HandleResult(ctx, m)
		if err != nil || share == nil {
			return nil, err
		}
		return []Message{share}, nil
	}
	return nil, fmt.Errorf("partner: %w: %s", ErrUnexpected, m.Kind())
}

// Close wipes every secret and every piece of the initiator's data the partner still
// holds. It is safe to call at any time, and more than once; afterwards every step
// returns ErrClosed.
func (p *Partner) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wipe()
	p.state = pClosed
}

func (p *Partner) wipe() {
	zeroScalar(p.beta)
	p.beta = nil
	clear(p.keys)
	clear(p.values)
	clear(p.own)
	clear(p.sorted)
	p.keys, p.values, p.own, p.sorted = nil, nil, nil, nil
	p.he.zero()
}

func (p *Partner) finish(o Outcome) {
	p.wipe()
	p.outcome, p.finished, p.state = o, true, pFinished
}

func (p *Partner) fail(err error) error {
	p.wipe()
	p.state = pFailed
	return err
}

func (p *Partner) expect(s partnerState, k Kind) error {
	switch {
	case p.state == s && (p.cfg.Protocol == IntersectionSum || k != KindValues):
		return nil
	case p.state == pClosed:
		return fmt.Errorf("partner %s: %w", k, ErrClosed)
	case p.state == pFailed:
		return fmt.Errorf("partner %s: %w", k, ErrFailed)
	}
	return fmt.Errorf("partner: %w: %s", ErrUnexpected, k)
}
