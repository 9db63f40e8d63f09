package federated

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/audit"
)

// UpdateScale is the fixed point of a horizontal update: weights and counts travel as
// round(v·2^24) in int64, summed exactly mod 2^64.
const UpdateScale = 1 << 24

// Horizontal is how a horizontal run trains: Rounds rounds of federated averaging, each
// party running Local (its epochs, batch and learning rate) from the global model on its
// own rows. With Clip > 0 each party clips its update to L2 norm Clip and the average
// is unweighted (so a party moves the sum by at most Clip: the sensitivity DP noise is
// calibrated to); otherwise updates are weighted by the parties' row counts.
type Horizontal struct {
	Rounds int      `json:"rounds"`
	Local  Training `json:"local"`
	Clip   float64  `json:"clip,omitempty"`
}

// HorizontalParty is one party of a horizontal run: its own people, all with the same
// features and label, read for Purpose through the purpose-scoped reader by the caller.
type HorizontalParty struct {
	Self     string // its name on the roster
	Roster   []string
	IDs      []string
	X        [][]float64
	Y        []int
	Purpose  string
	Partner  string // the aggregator's partner id, for the audit log
	Recorder AudienceRecorder
	Call     Call
	// DropAfter makes the party stop after a step of the given round (tests of dropout).
	DropAfter func(round int) string
}

// Train runs h.Rounds rounds of secure aggregation with the other parties through the
// aggregator and returns the global model (every surviving party computes the same one
// from the revealed sum), then records the run in the party's audit log.
func (p *HorizontalParty) Train(ctx context.Context, job string, h Horizontal) (Model, error) {
	if h.Rounds < 1 || h.Rounds > 1000 {
		return Model{}, fmt.Errorf("%w: 1 to 1000 rounds", ErrConfig)
	}
	if err := h.Local.check(); err != nil {
		return Model{}, err
	}
	if len(p.X) == 0 || len(p.X) != len(p.Y) || len(p.IDs) != len(p.X) || p.Recorder == nil || p.Purpose == "" {
		return Model{}, fmt.Errorf("%w: rows, labels, ids, purpose and recorder", ErrConfig)
	}
	f := len(p.X[0])
	global := Model{Weights: make([]float64, f)}
	for r := 0; r < h.Rounds; r++ {
		local := Model{Weights: append([]float64(nil), global.Weights...), Intercept: global.Intercept}
		for range h.Local.Epochs {
			PlainEpoch(&local, p.X, p.Y, h.Local)
		}
		delta := make([]float64, f+1)
		for j := range global.Weights {
			delta[j] = local.Weights[j] - global.Weights[j]
		}
		delta[f] = local.Intercept - global.Intercept
		weight := float64(len(p.X))
		if h.Clip > 0 {
			norm := 0.0
			for _, v := range delta {
				norm += v * v
			}
			if norm = math.Sqrt(norm); norm > h.Clip {
				for j := range delta {
					delta[j] *= h.Clip / norm
				}
			}
			weight = 1
		}
		x := make([]int64, f+2)
		for j, v := range delta {
			x[j] = int64(math.Round(v * weight * UpdateScale))
		}
		x[f+1] = int64(weight * UpdateScale)
		c, err := NewClient(Round{ID: roundID(job, r), Parties: p.Roster, Length: f + 2}, p.Self)
		if err != nil {
			return Model{}, err
		}
		drop := ""
		if p.DropAfter != nil {
			drop = p.DropAfter(r)
		}
		res, err := c.Run(ctx, p.Call, x, drop)
		if err != nil {
			return Model{}, fmt.Errorf("round %d: %w", r, err)
		}
		if drop != "" {
			return global, nil
		}
		sum := make([]float64, f+2)
		switch {
		case res.Noisy != nil && len(res.Noisy) == f+2:
			copy(sum, res.Noisy)
			// With DP the count is public (the survivors), not the noisy coordinate.
			sum[f+1] = float64(len(res.Survivors)) * UpdateScale
		case len(res.Sum) == f+2:
			for j, v := range res.Sum {
				sum[j] = float64(v)
			}
		default:
			return Model{}, fmt.Errorf("%w: round %d result of the wrong length", ErrProtocol, r)
		}
		if sum[f+1] <= 0 {
			return Model{}, fmt.Errorf("%w: round %d: no weight", ErrProtocol, r)
		}
		for j := range global.Weights {
			global.Weights[j] += sum[j] / sum[f+1]
		}
		global.Intercept += sum[f] / sum[f+1]
	}
	if _, err := p.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActFederatedTraining, Actor: "system", Purpose: p.Purpose,
		Recipient: p.Partner, Detail: map[string]string{"protocol": "horizontal_secagg", "role": "party", "job": job,
			"rounds": strconv.Itoa(h.Rounds), "rows": strconv.Itoa(len(p.IDs)), "parties": strconv.Itoa(len(p.Roster))}}, p.IDs); err != nil {
		return Model{}, err
	}
	return global, nil
}

func roundID(job string, r int) string { return job + "-r" + strconv.Itoa(r) }

// Recorder records one act (implemented by *audit.Recorder).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Coordinator is the aggregator of horizontal runs: it opens a round's Aggregator when
// the round's first message arrives and records each round it closes. It sees masked
// vectors and the sums it reveals, never a party's update or a person.
type Coordinator struct {
	Parties  []string // sorted roster
	Length   int
	Timeout  time.Duration
	Noise    Noiser
	L2       float64
	Recorder Recorder
	Purpose  string

	mu     sync.Mutex
	rounds map[string]*Aggregator
}

// MaxRounds bounds how many rounds a coordinator keeps.
const MaxRounds = 10000

// Handle routes a party's message to its round.
func (c *Coordinator) Handle(ctx context.Context, party, step string, body []byte) ([]byte, error) {
	var head struct {
		Round string `json:"round"`
	}
	if err := decodeMsg(body, &head); err != nil || head.Round == "" || len(head.Round) > 128 {
		return nil, fmt.Errorf("%w: message names no round", ErrProtocol)
	}
	c.mu.Lock()
	if c.rounds == nil {
		c.rounds = map[string]*Aggregator{}
	}
	a := c.rounds[head.Round]
	if a == nil {
		if step != StepAdvertise || len(c.rounds) >= MaxRounds {
			c.mu.Unlock()
			return nil, fmt.Errorf("%w: no round %q", ErrLate, head.Round)
		}
		var err error
		a, err = NewAggregator(Round{ID: head.Round, Parties: c.Parties, Length: c.Length}, c.Timeout, c.Noise, c.L2)
		if err != nil {
			c.mu.Unlock()
			return nil, err
		}
		c.rounds[head.Round] = a
		go c.record(context.WithoutCancel(ctx), head.Round, a)
	}
	c.mu.Unlock()
	return a.Handle(ctx, party, step, body)
}

// Round returns the aggregator of a round (nil if none).
func (c *Coordinator) Round(id string) *Aggregator {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rounds[id]
}

func (c *Coordinator) record(ctx context.Context, id string, a *Aggregator) {
	res, err := a.Result(ctx)
	if c.Recorder == nil {
		return
	}
	d := map[string]string{"protocol": "horizontal_secagg", "role": "aggregator", "round": id,
		"survivors": strconv.Itoa(len(res.Survivors)), "parties": strconv.Itoa(len(c.Parties)), "dp": strconv.FormatBool(c.Noise != nil)}
	if err != nil {
		d["error"] = err.Error()
	}
	_ = c.Recorder.Record(ctx, audit.Event{Act: audit.ActFederatedTraining, Actor: "system", Purpose: c.Purpose, Detail: d})
}
