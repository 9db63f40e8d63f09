package federated

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Training is the schedule both sides of a vertical run (and the plaintext baseline) use.
type Training struct {
	Epochs       int     `json:"epochs"`
	Batch        int     `json:"batch"` // rows per mini-batch, at most MaxBatch
	LearningRate float64 `json:"learning_rate"`
	L2           float64 `json:"l2"`
}

// DefaultTraining trains breast-cancer-sized data to convergence in a few seconds.
var DefaultTraining = Training{Epochs: 30, Batch: 128, LearningRate: 0.15, L2: 0.001}

func (t Training) check() error {
	if t.Epochs < 1 || t.Epochs > 1000 || t.Batch < 1 || t.Batch > MaxBatch ||
		!(t.LearningRate > 0 && t.LearningRate <= 10) || !(t.L2 >= 0 && t.L2 <= 10) {
		return fmt.Errorf("%w: 1–1000 epochs, batch 1–%d, learning rate in (0, 10], l2 in [0, 10]", ErrConfig, MaxBatch)
	}
	return nil
}

// ErrConfig: a run's configuration is out of range.
var ErrConfig = errors.New("federated: invalid configuration")

// Clamp bounds standardised features (and keeps fixed-point products exact).
const Clamp = 16

// Scaler standardises a party's own features with its own training statistics.
type Scaler struct {
	Mean, Std []float64
}

// FitScaler computes the mean and standard deviation of each column.
func FitScaler(x [][]float64) Scaler {
	if len(x) == 0 {
		return Scaler{}
	}
	d := len(x[0])
	s := Scaler{Mean: make([]float64, d), Std: make([]float64, d)}
	for _, r := range x {
		for j, v := range r {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(len(x))
	}
	for _, r := range x {
		for j, v := range r {
			s.Std[j] += (v - s.Mean[j]) * (v - s.Mean[j])
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j] / float64(len(x)))
		if s.Std[j] == 0 {
			s.Std[j] = 1
		}
	}
	return s
}

// Apply standardises rows, clamped to ±Clamp.
func (s Scaler) Apply(x [][]float64) [][]float64 {
	out := make([][]float64, len(x))
	for i, r := range x {
		o := make([]float64, len(r))
		for j, v := range r {
			o[j] = math.Max(-Clamp, math.Min(Clamp, (v-s.Mean[j])/s.Std[j]))
		}
		out[i] = o
	}
	return out
}

// dot is w·x.
func dot(w, x []float64) float64 {
	s := 0.0
	for j, v := range x {
		s += w[j] * v
	}
	return s
}

// TrainPlain trains the same model as a vertical run, on one party's data in the clear:
// mini-batches in row order, the gradient of the logistic loss with the sigmoid replaced
// by its first-order Taylor expansion σ(z) ≈ 1/2 + z/4 (what the encrypted run computes,
// as FATE's hetero-LR does), an intercept, L2. It is the guest-only baseline and the
// plaintext epoch `steward bench fl` compares with.
func TrainPlain(x [][]float64, y []int, t Training) (Model, error) {
	if err := t.check(); err != nil {
		return Model{}, err
	}
	if len(x) == 0 || len(x) != len(y) {
		return Model{}, fmt.Errorf("%w: %d rows, %d labels", ErrConfig, len(x), len(y))
	}
	m := Model{Weights: make([]float64, len(x[0]))}
	for range t.Epochs {
		PlainEpoch(&m, x, y, t)
	}
	return m, nil
}

// PlainEpoch runs one epoch of TrainPlain on m.
func PlainEpoch(m *Model, x [][]float64, y []int, t Training) {
	g := make([]float64, len(m.Weights))
	for lo := 0; lo < len(x); lo += t.Batch {
		hi := min(lo+t.Batch, len(x))
		clear(g)
		gb := 0.0
		for i := lo; i < hi; i++ {
			d := 0.25*(dot(m.Weights, x[i])+m.Intercept) + 0.5 - float64(y[i])
			for j, v := range x[i] {
				g[j] += d * v
			}
			gb += d
		}
		n := float64(hi - lo)
		for j := range m.Weights {
			m.Weights[j] -= t.LearningRate * (g[j]/n + t.L2*m.Weights[j])
		}
		m.Intercept -= t.LearningRate * gb / n
	}
}

// Model is a logistic model over one party's standardised features (in a vertical run,
// each party's part; the guest's carries the intercept).
type Model struct {
	Weights   []float64 `json:"weights"`
	Intercept float64   `json:"intercept"`
}

// Logit returns intercept + w·x.
func (m Model) Logit(x []float64) float64 { return m.Intercept + dot(m.Weights, x) }

// Sigmoid is 1/(1+e^−z).
func Sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// AUC is the area under the ROC curve of scores for labels (1 positive), ties counted
// half (the Mann–Whitney U statistic).
func AUC(scores []float64, y []int) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		r := float64(i+j+1) / 2 // average 1-based rank
		for k := i; k < j; k++ {
			if y[idx[k]] == 1 {
				rankSum += r
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}
