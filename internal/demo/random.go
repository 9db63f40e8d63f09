package demo

import (
	"math/rand/v2"
)

// mix is the SplitMix64 finaliser: a bijection on uint64, so distinct inputs
// give distinct outputs (user ids rely on this) and nearby inputs give
// unrelated outputs (stream seeds rely on that).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Independent random streams per subject, so a subject's attributes do not
// depend on how many events earlier subjects produced.
const (
	streamAttributes = 1
	streamEvents     = 2
)

func newRand(seed uint64, subject int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix(seed^mix(stream)), mix(uint64(subject)+mix(seed+stream))))
}

// pick returns an index drawn with the given relative weights.
func pick(r *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a uniform int64 in [lo, hi); lo when the range is empty.
func between(r *rand.Rand, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + r.Int64N(hi-lo)
}

func oneOf[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

const (
	second = int64(1000)
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
)

// Relative activity by local hour (evening peak) and by weekday (Sunday
// first, weekend peak), as e-commerce traffic looks.
var (
	hourWeights = []float64{
		1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2, 2.5, 3, 3.5,
		4, 3.5, 3, 3, 3, 3.2, 3.5, 4.5, 6, 6.5, 5, 3,
	}
	weekdayWeights = []float64{1.25, 0.9, 0.9, 0.95, 1.0, 1.1, 1.3}
)

// sessionStart draws a time in [lo, hi) whose local weekday and hour follow
// the weights above; offset is the subject's UTC offset in ms.
func sessionStart(r *rand.Rand, lo, hi, offset int64) int64 {
	if hi-lo < 2*day {
		return between(r, lo, hi)
	}
	firstDay := (lo + offset) / day
	days := (hi+offset)/day - firstDay + 1
	for range 32 {
		d := firstDay + r.Int64N(days)
		// 1970-01-01 was a Thursday (weekday 4, Sunday = 0).
		if r.Float64()*1.3 >= weekdayWeights[(d+4)%7] {
			continue
		}
		t := d*day + int64(pick(r, hourWeights))*hour + r.Int64N(hour) - offset
		if t >= lo && t < hi {
			return t
		}
	}
	return between(r, lo, hi)
}
