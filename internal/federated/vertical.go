package federated

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/cleanroom"
	"github.com/stewardhq/steward/internal/he"
)

// Fixed-point scales: encrypted per-row values (a guest's residual part, a host's
// partial score) carry FX, plaintext features PX; an inner product carries FX·PX.
const (
	FX = 1 << 20
	PX = 1 << 16
	// MaxPart bounds |a| and |u| before encoding, so every inner product stays below
	// 2^54 < T/2 (64·2^20 · 16·2^16 · 256 rows).
	MaxPart = 64
)

// MaxFeatures is the most features one party brings (the guest's count includes its
// intercept): (features+1)·MaxBatch coefficients must fit one ciphertext.
const MaxFeatures = he.N/MaxBatch - 1

// MaxJobs bounds the jobs a host keeps open (aligned or training) at once, so a peer
// cannot make it hold unbounded state; finished jobs keep only their model part.
const MaxJobs = 16

// MatchID is the match key of a vertical run: a record id both parties share (a
// customer number, a normalised e-mail's hash agreed in the pairing).
const MatchID cleanroom.MatchOn = "id"

// Steps of the vertical protocol, as the edge names them.
const (
	StepAlign    = "vertical/align"
	StepStart    = "vertical/start"
	StepForward  = "vertical/forward"
	StepBackward = "vertical/backward"
	StepFinish   = "vertical/finish"
	StepScore    = "vertical/score"
)

// Call sends one step's message to the peer and returns its answer; the edge carries it
// (signed with the partner identities, internal/server/partnerlink).
type Call func(ctx context.Context, step string, body []byte) ([]byte, error)

// AudienceRecorder records one act about many people (implemented by *audit.Recorder).
type AudienceRecorder interface {
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
}

// Errors a peer's message can cause.
var (
	// ErrProtocol: a message that does not parse, names another job, or is out of turn.
	ErrProtocol = errors.New("federated: protocol violation")
)

// Party is what both sides of a vertical run hold: their records' ids and standardised
// features (rows in the same order), read for Purpose through the purpose-scoped reader
// by the caller.
type Party struct {
	IDs      []string
	X        [][]float64
	Domain   cleanroom.Domain
	Purpose  string
	Partner  string // the peer's partner id, for the audit log
	Recorder AudienceRecorder
}

func (p Party) check(maxF int) error {
	if len(p.IDs) == 0 || len(p.IDs) != len(p.X) {
		return fmt.Errorf("%w: %d ids, %d rows", ErrConfig, len(p.IDs), len(p.X))
	}
	f := len(p.X[0])
	if f < 1 || f > maxF {
		return fmt.Errorf("%w: 1 to %d features", ErrConfig, maxF)
	}
	for _, r := range p.X {
		if len(r) != f {
			return fmt.Errorf("%w: ragged rows", ErrConfig)
		}
		for _, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > Clamp {
				return fmt.Errorf("%w: features must be finite and within ±%d (standardise first)", ErrConfig, Clamp)
			}
		}
	}
	if p.Purpose == "" || p.Recorder == nil {
		return fmt.Errorf("%w: a purpose and a recorder are required", ErrConfig)
	}
	return nil
}

// Messages.
type alignMsg struct {
	Job     string `json:"job"`
	Phase   string `json:"phase"` // train or score
	Blinded []byte `json:"blinded"`
}

type startMsg struct {
	Job       string   `json:"job"`
	Plaintext bool     `json:"plaintext,omitempty"` // benchmark baseline only: see Host.AllowPlaintext
	Order     []uint32 `json:"order"`
	Training  Training `json:"training"`
	PublicKey []byte   `json:"-"`
}

type startReply struct {
	PublicKey []byte `json:"-"`
}

type forwardMsg struct {
	Job   string    `json:"job"`
	Step  int       `json:"step"`
	Rows  int       `json:"rows"`
	Resid []byte    `json:"-"`               // Enc_G(a)
	Plain []float64 `json:"plain,omitempty"` // a in the clear (plaintext mode)
}

type forwardReply struct {
	Partial []byte    `json:"-"`               // Enc_H(u)
	Grad    []byte    `json:"-"`               // Enc_G(masked host gradient)
	Plain   []float64 `json:"plain,omitempty"` // u in the clear (plaintext mode)
}

type backwardMsg struct {
	Job    string   `json:"job"`
	Step   int      `json:"step"`
	Masked []uint64 `json:"masked"` // host gradient + host masks, mod T
	Cross  []byte   `json:"-"`      // Enc_H(masked Σ u·x_guest)
}

type backwardReply struct {
	Masked []uint64 `json:"masked"` // Σ u·x_guest + guest masks, mod T
}

type jobMsg struct {
	Job   string   `json:"job"`
	Model string   `json:"model,omitempty"` // scoring: the trained job whose model scores
	Order []uint32 `json:"order,omitempty"`
}

type scoreReply struct {
	Partial []float64 `json:"partial"`
}

// fixed rounds v·scale after clamping |v| to MaxPart.
func fixed(v float64, scale float64) int64 {
	return int64(math.Round(math.Max(-MaxPart, math.Min(MaxPart, v)) * scale))
}

// columns returns the fixed-point feature columns of rows[lo:hi] (plus a column of
// ones if intercept).
func columns(x [][]float64, lo, hi int, intercept bool) [][]int64 {
	f := len(x[0])
	n := f
	if intercept {
		n++
	}
	cols := make([][]int64, n)
	for j := range cols {
		cols[j] = make([]int64, hi-lo)
		for i := lo; i < hi; i++ {
			if j == f {
				cols[j][i-lo] = PX
			} else {
				cols[j][i-lo] = int64(math.Round(x[i][j] * PX))
			}
		}
	}
	return cols
}

// product returns Seal(ct · InnerPoly(cols)) and the masks of its outputs.
func product(ev *he.Evaluator, ct []byte, add []int64, cols [][]int64) ([]byte, []uint64, error) {
	c, err := ev.Parse(ct)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if add != nil {
		if err := ev.AddPlain(c, add); err != nil {
			return nil, nil, err
		}
	}
	p, err := he.InnerPoly(cols, MaxBatch)
	if err != nil {
		return nil, nil, err
	}
	prod, err := ev.MulPoly(c, p)
	if err != nil {
		return nil, nil, err
	}
	out, masks, err := ev.MaskOutputs(prod, nil)
	if err != nil {
		return nil, nil, err
	}
	keep := make([]uint64, len(cols))
	for f := range cols {
		keep[f] = masks[f*MaxBatch]
	}
	return out, keep, nil
}

// outputs reads the inner products of a decrypted product, still masked.
func outputs(dec []uint64, n int) []uint64 {
	out := make([]uint64, n)
	for f := range out {
		out[f] = dec[f*MaxBatch]
	}
	return out
}

// GuestModel is the guest's part of a trained joint model: its weights and intercept
// over its own standardised features; the host keeps the rest under the same job.
type GuestModel struct {
	Job  string `json:"job"`
	Part Model  `json:"part"`
	Rows int    `json:"rows"` // people trained on (the intersection)
}

// Guest is the label holder's side of vertical federated logistic regression: it drives
// the run over call.
type Guest struct {
	Party
	Call Call
}

func roundTrip[T any](ctx context.Context, call Call, step string, msg any) (T, error) {
	var out T
	b, err := encodeMsg(msg)
	if err != nil {
		return out, err
	}
	r, err := call(ctx, step, b)
	if err != nil {
		return out, err
	}
	if err := decodeMsg(r, &out); err != nil {
		return out, fmt.Errorf("%s answer: %w", step, err)
	}
	return out, nil
}

// align runs the alignment for job and returns the guest's own members in the order it
// chose (its own row order) and the host's matching order message.
func (g *Guest) align(ctx context.Context, job, phase string) ([]int, []uint32, error) {
	a, err := cleanroom.NewAlignGuest(g.Domain, MatchID, g.IDs, nil)
	if err != nil {
		return nil, nil, err
	}
	defer a.Close()
	rep, err := roundTrip[cleanroom.AlignReply](ctx, g.Call, StepAlign, alignMsg{Job: job, Phase: phase, Blinded: a.Blinded()})
	if err != nil {
		return nil, nil, err
	}
	own, order, err := a.Match(rep)
	if err != nil {
		return nil, nil, err
	}
	// Train in the guest's own row order (the guest may shuffle its rows beforehand):
	// the host learns only an order the guest chose.
	idx := make([]int, len(own))
	for i := range idx {
		idx[i] = i
	}
	sortBy(idx, func(i int) int { return own[i] })
	o2, ord2 := make([]int, len(own)), make([]uint32, len(own))
	for n, i := range idx {
		o2[n], ord2[n] = own[i], order[i]
	}
	return o2, ord2, nil
}

// Train runs a vertical training job with the host: aligns the guest's ids with the
// host's, then trains t.Epochs epochs of mini-batch gradient descent on encrypted
// intermediates, and records the run in the guest's audit log.
func (g *Guest) Train(ctx context.Context, job string, y []int, t Training) (GuestModel, error) {
	s, own, err := g.begin(ctx, job, y, t, false)
	if err != nil {
		return GuestModel{}, err
	}
	defer s.keys.Zero()
	for e := 0; e < t.Epochs; e++ {
		if err := s.epoch(ctx); err != nil {
			return GuestModel{}, err
		}
	}
	if _, err := roundTrip[struct{}](ctx, g.Call, StepFinish, jobMsg{Job: job}); err != nil {
		return GuestModel{}, err
	}
	ids := make([]string, len(own))
	for n, i := range own {
		ids[n] = g.IDs[i]
	}
	if _, err := g.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActFederatedTraining, Actor: "system", Purpose: g.Purpose,
		Recipient: g.Partner, Detail: map[string]string{"protocol": "vertical_lr", "role": "guest", "job": job,
			"epochs": strconv.Itoa(t.Epochs), "rows": strconv.Itoa(len(ids)), "features": strconv.Itoa(len(s.x[0]))}}, ids); err != nil {
		return GuestModel{}, err
	}
	return GuestModel{Job: job, Part: s.m, Rows: len(own)}, nil
}

// Epochs starts a training job and returns a function that runs one more epoch each
// call and one that returns the guest's model part so far; finish ends the job (the
// host records it). `steward bench fl` times epochs with it; Train is the usual way.
//
// With plaintext, the same protocol runs with every intermediate in the clear (FATE's
// "plaintext mode", the baseline its encrypted mode is measured against); a host runs it
// only if it allows it (Host.AllowPlaintext), which nothing but the benchmark does.
func (g *Guest) Epochs(ctx context.Context, job string, y []int, t Training, plaintext bool) (epoch func() error, model func() Model, finish func() error, err error) {
	s, _, err := g.begin(ctx, job, y, t, plaintext)
	if err != nil {
		return nil, nil, nil, err
	}
	return func() error { return s.epoch(ctx) }, func() Model { return s.m },
		func() error {
			s.keys.Zero()
			_, err := roundTrip[struct{}](ctx, g.Call, StepFinish, jobMsg{Job: job})
			return err
		}, nil
}

// begin checks the inputs, aligns, exchanges public keys and returns the run with the
// guest's members (indexes of its rows, in training order).
func (g *Guest) begin(ctx context.Context, job string, y []int, t Training, plaintext bool) (*guestRun, []int, error) {
	if err := g.check(MaxFeatures - 1); err != nil {
		return nil, nil, err
	}
	if err := t.check(); err != nil {
		return nil, nil, err
	}
	if len(y) != len(g.IDs) {
		return nil, nil, fmt.Errorf("%w: %d labels for %d rows", ErrConfig, len(y), len(g.IDs))
	}
	own, order, err := g.align(ctx, job, "train")
	if err != nil {
		return nil, nil, err
	}
	keys := he.GenerateKey()
	sr, err := roundTrip[startReply](ctx, g.Call, StepStart, startMsg{Job: job, Order: order, Training: t, PublicKey: keys.PublicKey(), Plaintext: plaintext})
	if err != nil {
		keys.Zero()
		return nil, nil, err
	}
	ev, err := he.NewEvaluator(sr.PublicKey)
	if err != nil {
		keys.Zero()
		return nil, nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	x := make([][]float64, len(own))
	yy := make([]int, len(own))
	for n, i := range own {
		x[n], yy[n] = g.X[i], y[i]
	}
	return &guestRun{g: g, job: job, keys: keys, ev: ev, x: x, y: yy, t: t, m: Model{Weights: make([]float64, len(g.X[0]))}, plain: plaintext}, own, nil
}

type guestRun struct {
	g     *Guest
	job   string
	keys  *he.KeyPair
	ev    *he.Evaluator
	x     [][]float64
	y     []int
	t     Training
	m     Model
	step  int
	plain bool
}

// plainBatch is a batch in plaintext mode: a out, u back, both gradients in the clear.
func (s *guestRun) plainBatch(ctx context.Context, lo, hi int, a []float64) error {
	fr, err := roundTrip[forwardReply](ctx, s.g.Call, StepForward, forwardMsg{Job: s.job, Step: s.step, Rows: hi - lo, Plain: a})
	if err != nil {
		return err
	}
	if len(fr.Plain) != hi-lo {
		return fmt.Errorf("%w: %d partial scores for %d rows", ErrProtocol, len(fr.Plain), hi-lo)
	}
	n := float64(hi - lo)
	g := make([]float64, len(s.m.Weights))
	gb := 0.0
	for i := lo; i < hi; i++ {
		d := a[i-lo] + 0.25*fr.Plain[i-lo]
		for j, v := range s.x[i] {
			g[j] += d * v
		}
		gb += d
	}
	for j := range s.m.Weights {
		s.m.Weights[j] -= s.t.LearningRate * (g[j]/n + s.t.L2*s.m.Weights[j])
	}
	s.m.Intercept -= s.t.LearningRate * gb / n
	s.step++
	return nil
}

func (s *guestRun) epoch(ctx context.Context) error {
	for lo := 0; lo < len(s.x); lo += s.t.Batch {
		hi := min(lo+s.t.Batch, len(s.x))
		n := hi - lo
		a := make([]float64, n)
		enc := make([]int64, n)
		for i := range a {
			a[i] = 0.25*s.m.Logit(s.x[lo+i]) + 0.5 - float64(s.y[lo+i])
			enc[i] = fixed(a[i], FX)
			a[i] = float64(enc[i]) / FX
		}
		if s.plain {
			if err := s.plainBatch(ctx, lo, hi, a); err != nil {
				return err
			}
			continue
		}
		ct, err := s.keys.Encrypt(enc)
		if err != nil {
			return err
		}
		fr, err := roundTrip[forwardReply](ctx, s.g.Call, StepForward, forwardMsg{Job: s.job, Step: s.step, Rows: n, Resid: ct})
		if err != nil {
			return err
		}
		dec, err := s.keys.Decrypt(fr.Grad)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		// The host has at most MaxFeatures columns; the ones it lacks read as masked noise.
		masked := outputs(dec, MaxFeatures)
		cols := columns(s.x, lo, hi, true)
		cross, masks, err := product(s.ev, fr.Partial, nil, cols)
		if err != nil {
			return err
		}
		br, err := roundTrip[backwardReply](ctx, s.g.Call, StepBackward, backwardMsg{Job: s.job, Step: s.step, Masked: masked, Cross: cross})
		if err != nil {
			return err
		}
		if len(br.Masked) < len(cols) {
			return fmt.Errorf("%w: %d cross terms for %d columns", ErrProtocol, len(br.Masked), len(cols))
		}
		f := len(s.m.Weights)
		for j := range cols {
			own := 0.0
			for i := 0; i < n; i++ {
				v := 1.0
				if j < f {
					v = float64(cols[j][i]) / PX
				}
				own += a[i] * v
			}
			crossTerm := float64(he.Signed(he.Sub(br.Masked[j], masks[j]))) / (FX * PX)
			grad := (own + 0.25*crossTerm) / float64(n)
			if j < f {
				s.m.Weights[j] -= s.t.LearningRate * (grad + s.t.L2*s.m.Weights[j])
			} else {
				s.m.Intercept -= s.t.LearningRate * grad
			}
		}
		s.step++
	}
	return nil
}

// Score returns the joint model's logits (guest part + host part) for the guest's ids
// that the host also holds, in the guest's row order, and records the scoring in the
// guest's audit log. The host sees which of its records are scored and the guest
// learns the host's partial logit of each: joint scoring reveals the score.
func (g *Guest) Score(ctx context.Context, m GuestModel, job string) (ids []string, logits []float64, err error) {
	if err := g.check(MaxFeatures - 1); err != nil {
		return nil, nil, err
	}
	own, order, err := g.align(ctx, job, "score")
	if err != nil {
		return nil, nil, err
	}
	sr, err := roundTrip[scoreReply](ctx, g.Call, StepScore, jobMsg{Job: job, Model: m.Job, Order: order})
	if err != nil {
		return nil, nil, err
	}
	if len(sr.Partial) != len(own) {
		return nil, nil, fmt.Errorf("%w: %d partial scores for %d people", ErrProtocol, len(sr.Partial), len(own))
	}
	ids = make([]string, len(own))
	logits = make([]float64, len(own))
	for n, i := range own {
		ids[n] = g.IDs[i]
		logits[n] = m.Part.Logit(g.X[i]) + sr.Partial[n]
	}
	if _, err := g.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActFederatedScoring, Actor: "system", Purpose: g.Purpose,
		Recipient: g.Partner, Detail: map[string]string{"protocol": "vertical_lr", "role": "guest", "model": m.Job, "job": job,
			"rows": strconv.Itoa(len(ids))}}, ids); err != nil {
		return nil, nil, err
	}
	return ids, logits, nil
}

// Host is the other side: it holds the rest of the features, answers the guest's steps
// and keeps its model part per training job.
type Host struct {
	Party
	// AllowPlaintext lets a guest run the protocol in the clear (the benchmark's
	// baseline); never set it for real data.
	AllowPlaintext bool
	mu             sync.Mutex
	aligns         map[string]*cleanroom.AlignHost
	runs           map[string]*hostRun
	models         map[string]Model
}

type hostRun struct {
	keys  *he.KeyPair
	ev    *he.Evaluator
	x     [][]float64
	ids   []string
	t     Training
	m     Model
	step  int
	lo    int // first row of the current batch
	n     int
	masks []uint64 // of the current batch's gradient
	fwd   bool     // forward done, backward expected
	plain bool
}

// NewHost returns the host side over its party data.
func NewHost(p Party) (*Host, error) {
	if err := p.check(MaxFeatures); err != nil {
		return nil, err
	}
	return &Host{Party: p, aligns: map[string]*cleanroom.AlignHost{}, runs: map[string]*hostRun{}, models: map[string]Model{}}, nil
}

// Model returns the host's part of a trained job's model.
func (h *Host) Model(job string) (Model, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.models[job]
	return m, ok
}

// Handle answers one step of the guest (the edge has verified who sent it).
func (h *Host) Handle(ctx context.Context, step string, body []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out, err := h.handle(ctx, step, body)
	if err != nil {
		return nil, err
	}
	return encodeMsg(out)
}

func decode[T any](body []byte) (T, error) {
	var v T
	err := decodeMsg(body, &v)
	return v, err
}

func (h *Host) handle(ctx context.Context, step string, body []byte) (any, error) {
	switch step {
	case StepAlign:
		m, err := decode[alignMsg](body)
		if err != nil {
			return nil, err
		}
		if m.Job == "" || len(m.Job) > 128 {
			return nil, fmt.Errorf("%w: job id", ErrProtocol)
		}
		if _, ok := h.runs[m.Job]; ok {
			return nil, fmt.Errorf("%w: job %s already running", ErrProtocol, m.Job)
		}
		if _, ok := h.aligns[m.Job]; !ok && len(h.aligns)+len(h.runs) >= MaxJobs {
			return nil, fmt.Errorf("%w: %d jobs open already", ErrProtocol, MaxJobs)
		}
		a, err := cleanroom.NewAlignHost(h.Domain, MatchID, h.IDs, nil)
		if err != nil {
			return nil, err
		}
		rep, err := a.Reply(m.Blinded)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		if old := h.aligns[m.Job]; old != nil {
			old.Close()
		}
		h.aligns[m.Job] = a
		return rep, nil
	case StepStart:
		m, err := decode[startMsg](body)
		if err != nil {
			return nil, err
		}
		if err := m.Training.check(); err != nil {
			return nil, err
		}
		if m.Plaintext && !h.AllowPlaintext {
			return nil, fmt.Errorf("%w: this host refuses plaintext mode", ErrProtocol)
		}
		members, err := h.members(m.Job, m.Order)
		if err != nil {
			return nil, err
		}
		ev, err := he.NewEvaluator(m.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		r := &hostRun{keys: he.GenerateKey(), ev: ev, t: m.Training, m: Model{Weights: make([]float64, len(h.X[0]))}, plain: m.Plaintext}
		for _, i := range members {
			r.x, r.ids = append(r.x, h.X[i]), append(r.ids, h.IDs[i])
		}
		h.runs[m.Job] = r
		return startReply{PublicKey: r.keys.PublicKey()}, nil
	case StepForward:
		m, err := decode[forwardMsg](body)
		if err != nil {
			return nil, err
		}
		r, err := h.run(m.Job)
		if err != nil {
			return nil, err
		}
		if r.fwd || m.Step != r.step {
			return nil, fmt.Errorf("%w: forward step %d out of turn", ErrProtocol, m.Step)
		}
		n := min(r.t.Batch, len(r.x)-r.lo)
		if m.Rows != n {
			return nil, fmt.Errorf("%w: batch of %d rows, want %d", ErrProtocol, m.Rows, n)
		}
		if r.plain {
			return r.plainForward(m, n)
		}
		u := make([]int64, n)
		quarter := make([]int64, n)
		for i := range u {
			v := r.m.Logit(r.x[r.lo+i])
			u[i] = fixed(v, FX)
			quarter[i] = fixed(0.25*v, FX)
		}
		grad, masks, err := product(r.ev, m.Resid, quarter, columns(r.x, r.lo, r.lo+n, false))
		if err != nil {
			return nil, err
		}
		partial, err := r.keys.Encrypt(u)
		if err != nil {
			return nil, err
		}
		r.masks, r.n, r.fwd = masks, n, true
		return forwardReply{Partial: partial, Grad: grad}, nil
	case StepBackward:
		m, err := decode[backwardMsg](body)
		if err != nil {
			return nil, err
		}
		r, err := h.run(m.Job)
		if err != nil {
			return nil, err
		}
		if !r.fwd || m.Step != r.step || len(m.Masked) < len(r.masks) {
			return nil, fmt.Errorf("%w: backward step %d out of turn", ErrProtocol, m.Step)
		}
		dec, err := r.keys.Decrypt(m.Cross)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		for j := range r.m.Weights {
			g := float64(he.Signed(he.Sub(m.Masked[j], r.masks[j]))) / (FX * PX) / float64(r.n)
			r.m.Weights[j] -= r.t.LearningRate * (g + r.t.L2*r.m.Weights[j])
		}
		// The guest's columns: its features and its intercept; it reads as many as it has.
		out := outputs(dec, MaxFeatures)
		r.fwd = false
		r.step++
		r.lo += r.n
		if r.lo >= len(r.x) {
			r.lo = 0
		}
		return backwardReply{Masked: out}, nil
	case StepFinish:
		m, err := decode[jobMsg](body)
		if err != nil {
			return nil, err
		}
		r, err := h.run(m.Job)
		if err != nil {
			return nil, err
		}
		r.keys.Zero()
		delete(h.runs, m.Job)
		h.models[m.Job] = r.m
		if _, err := h.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActFederatedTraining, Actor: "system", Purpose: h.Purpose,
			Recipient: h.Partner, Detail: map[string]string{"protocol": "vertical_lr", "role": "host", "job": m.Job,
				"epochs": strconv.Itoa(r.t.Epochs), "rows": strconv.Itoa(len(r.ids)), "features": strconv.Itoa(len(r.m.Weights))}}, r.ids); err != nil {
			return nil, err
		}
		return struct{}{}, nil
	case StepScore:
		m, err := decode[jobMsg](body)
		if err != nil {
			return nil, err
		}
		model, ok := h.models[m.Model]
		if !ok {
			return nil, fmt.Errorf("%w: no trained model %q", ErrProtocol, m.Model)
		}
		members, err := h.members(m.Job, m.Order)
		if err != nil {
			return nil, err
		}
		out := scoreReply{Partial: make([]float64, len(members))}
		ids := make([]string, len(members))
		for n, i := range members {
			out.Partial[n] = model.Logit(h.X[i])
			ids[n] = h.IDs[i]
		}
		if _, err := h.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActFederatedScoring, Actor: "system", Purpose: h.Purpose,
			Recipient: h.Partner, Detail: map[string]string{"protocol": "vertical_lr", "role": "host", "model": m.Model, "job": m.Job,
				"rows": strconv.Itoa(len(ids))}}, ids); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: unknown step %q", ErrProtocol, step)
}

func (h *Host) members(job string, order []uint32) ([]int, error) {
	a := h.aligns[job]
	if a == nil {
		return nil, fmt.Errorf("%w: job %s was not aligned", ErrProtocol, job)
	}
	delete(h.aligns, job)
	defer a.Close()
	m, err := a.Members(order)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: empty intersection", ErrProtocol)
	}
	return m, nil
}

func (h *Host) run(job string) (*hostRun, error) {
	r := h.runs[job]
	if r == nil {
		return nil, fmt.Errorf("%w: no running job %s", ErrProtocol, job)
	}
	return r, nil
}

// plainForward is a batch in plaintext mode: the host sees a, returns u, and updates its
// part with the gradient it computes in the clear.
func (r *hostRun) plainForward(m forwardMsg, n int) (forwardReply, error) {
	if len(m.Plain) != n {
		return forwardReply{}, fmt.Errorf("%w: %d residuals for %d rows", ErrProtocol, len(m.Plain), n)
	}
	out := forwardReply{Plain: make([]float64, n)}
	g := make([]float64, len(r.m.Weights))
	for i := 0; i < n; i++ {
		u := r.m.Logit(r.x[r.lo+i])
		out.Plain[i] = u
		d := m.Plain[i] + 0.25*u
		for j, v := range r.x[r.lo+i] {
			g[j] += d * v
		}
	}
	for j := range r.m.Weights {
		r.m.Weights[j] -= r.t.LearningRate * (g[j]/float64(n) + r.t.L2*r.m.Weights[j])
	}
	r.step++
	r.lo += n
	if r.lo >= len(r.x) {
		r.lo = 0
	}
	return out, nil
}
