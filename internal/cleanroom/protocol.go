package cleanroom

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// Protocol names a clean-room protocol.
type Protocol string

// The protocols of issue 22.
const (
	// PSICardinality: both sides learn |A∩B| and nothing else.
	PSICardinality Protocol = "psi_cardinality"
	// IntersectionSum: the initiator learns |A∩B| and the sum of the partner's values
	// over A∩B; the partner learns |A∩B|.
	IntersectionSum Protocol = "intersection_sum"
)

// Valid reports whether p is a protocol this package runs.
func (p Protocol) Valid() bool { return p == PSICardinality || p == IntersectionSum }

// DefaultMinIntersection is the smallest intersection a result is released for (issue 22).
const DefaultMinIntersection = 50

// Config is what both roles are built from. Both sides of a job must agree on Job,
// Protocol, MatchOn and Domain: they are bound into the transcript, so a side that
// disagrees refuses the first message. MinIntersection and Noiser are each side's own.
type Config struct {
	// Job is the job id both sides use, 1 to 64 bytes of [A-Za-z0-9._:-].
	Job      string
	Protocol Protocol
	MatchOn  MatchOn
	// Region is the default region for phone numbers written without a country code
	// ("CN", "US" or an EU member state); required when MatchOn is phone.
	Region string
	// Domain is the pairing's hash-to-group domain.
	Domain Domain
	// MinIntersection withholds results below it; 0 means DefaultMinIntersection.
	MinIntersection int
	// ValueCap bounds each person's value on the partner's side (values above it are
	// clamped, and it is the sensitivity of the sum for differential privacy); 0 means
	// MaxValue.
	ValueCap uint64
	// Noiser, if set, adds differential-privacy noise to what this side releases.
	Noiser Noiser
	// Workers is how many goroutines the blinding steps use; 0 means GOMAXPROCS.
	Workers int
	// Rand is the source of secret scalars, shuffles, masks and flooding noise; nil means
	// crypto/rand. (The RLWE keys and encryptions draw from lattigo's own CSPRNG.)
	Rand io.Reader
}

func (c *Config) check() error {
	fail := func(detail string) error { return fmt.Errorf("clean-room config: %w: %s", ErrConfig, detail) }
	switch {
	case c.Job == "" || len(c.Job) > MaxJobLen:
		return fail("job id must be 1 to 64 bytes")
	case !c.Protocol.Valid():
		return fail("protocol must be psi_cardinality or intersection_sum")
	case !c.MatchOn.Valid():
		return fail("match_on must be email or phone")
	case c.MatchOn == MatchPhone && byRegion[c.Region] == nil:
		return fail("phone matching needs a default region: CN, US or an EU member state")
	case !c.Domain.valid():
		return fail("no hash-to-group domain (NewDomain)")
	case c.MinIntersection < 0:
		return fail("minimum intersection must not be negative")
	case c.ValueCap > MaxValue:
		return fail("value cap over MaxValue")
	}
	for i := 0; i < len(c.Job); i++ {
		if !idByte(c.Job[i]) {
			return fail("job id allows only A-Z a-z 0-9 . _ : -")
		}
	}
	if c.MinIntersection == 0 {
		c.MinIntersection = DefaultMinIntersection
	}
	if c.ValueCap == 0 {
		c.ValueCap = MaxValue
	}
	c.Rand = randReader(c.Rand)
	return nil
}

// Input is one person on a side: the raw match key (normalised by the state machine) and,
// on the partner's side of intersection_sum, the value summed for them (for example
// revenue in cents over the window).
type Input struct {
	Key   string
	Value uint64
}

// Stats describes a side's own input. It stays on that side: no message carries it.
type Stats struct {
	Inputs     int            // inputs given
	Invalid    map[string]int // inputs whose key did not normalise, by KeyError reason
	Duplicates int            // inputs whose normalised key repeated an earlier one (merged)
	Clamped    int            // people whose value was clamped to the value cap
	Set        int            // distinct normalised keys entering the protocol
}

// prepare normalises and deduplicates inputs. Two inputs with the same normalised key are
// the same person: their values add up (saturating), then the total is clamped to cap.
func prepare(cfg *Config, inputs []Input) (keys []string, values []uint64, st Stats, err error) {
	st.Inputs = len(inputs)
	st.Invalid = map[string]int{}
	idx := make(map[string]int, len(inputs))
	for _, in := range inputs {
		k, err := Normalize(cfg.MatchOn, in.Key, cfg.Region)
		if err != nil {
			st.Invalid[err.(*KeyError).Reason]++
			continue
		}
		if i, ok := idx[k]; ok {
			st.Duplicates++
			s, carry := bits.Add64(values[i], in.Value, 0)
			if carry != 0 {
				s = MaxValue
			}
			values[i] = s
			continue
		}
		idx[k] = len(keys)
		keys = append(keys, k)
		values = append(values, in.Value)
	}
	if len(keys) > MaxSetSize {
		return nil, nil, st, fmt.Errorf("clean-room input: %w: %d people, over %d", ErrConfig, len(keys), MaxSetSize)
	}
	for i, v := range values {
		if v > cfg.ValueCap {
			values[i] = cfg.ValueCap
			st.Clamped++
		}
	}
	st.Set = len(keys)
	return keys, values, st, nil
}

// Output names a released output, for the Noiser.
type Output string

// The outputs a job releases.
const (
	OutputSize Output = "intersection_size"
	OutputSum  Output = "intersection_sum"
)

// NoiseRequest asks for the noise of one output.
type NoiseRequest struct {
	Job    string
	Output Output
	// Sensitivity is the most one person can change the output: 1 for a size, the value
	// cap for a sum.
	Sensitivity uint64
}

// Noiser adds differential-privacy noise to one released output and charges it to the
// privacy-budget ledger (the DP engine implements it). The state machine calls it once
// per output it releases: the initiator for the intersection size (before the partner or
// its own result sees it), the partner for the sum (its share, before the initiator sees
// it: the data owner adds the noise that protects its people). An error refuses the
// release and fails the job.
type Noiser interface {
	Noise(ctx context.Context, r NoiseRequest) (int64, error)
}

// Outcome is what a side learned when its state machine finished.
type Outcome struct {
	Status Status
	// IntersectionSize is |A∩B| (plus noise when the initiator noises it); 0 when withheld.
	IntersectionSize int64
	// IntersectionSum is the sum of the partner's values over A∩B (plus the partner's
	// noise), on the initiator's side of intersection_sum only; HasSum says so.
	IntersectionSum int64
	HasSum          bool
}

// transcriptLabel opens the transcript hash.
const transcriptLabel = "STEWARD-CLEANROOM-V1-TRANSCRIPT"

// genesis is the transcript hash before the first message: it binds the job id, the
// protocol, the match key, the domain and (for intersection_sum) the HE parameter set,
// so both sides run the same job or the first message is refused.
func genesis(c *Config) [32]byte {
	h := sha256.New()
	field := func(s string) {
		h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(s))))
		h.Write([]byte(s))
	}
	field(transcriptLabel)
	field(c.Job)
	field(string(c.Protocol))
	field(string(c.MatchOn))
	field(c.Domain.dst)
	if c.Protocol == IntersectionSum {
		h.Write([]byte{HEParamsID})
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// absorb moves the transcript past a message: H(previous || message bytes).
func absorb(t *[32]byte, m Message) {
	h := sha256.New()
	h.Write(t[:])
	h.Write(marshal(m))
	h.Sum(t[:0])
}

// checkHeader refuses a message of another job or one that does not follow the transcript.
func checkHeader(c *Config, t [32]byte, m Message) error {
	h := m.header()
	if h.Job != c.Job {
		return fmt.Errorf("handle %s: %w", m.Kind(), ErrWrongJob)
	}
	if h.Prev != t {
		return fmt.Errorf("handle %s: %w", m.Kind(), ErrTranscript)
	}
	if err := check(m); err != nil {
		return fmt.Errorf("handle %s: %w", m.Kind(), err)
	}
	return nil
}

// release decides what a side may say about an exact intersection size: withheld below
// the minimum, otherwise the size plus the Noiser's noise (clamped to [0, MaxSetSize]),
// withheld again if the noisy size falls below the minimum. The second check keeps
// released sizes at or above the minimum on both sides; the first ensures a real group of
// at least that many people stands behind any release, noise or not.
func release(ctx context.Context, c *Config, exact int) (Status, int64, error) {
	if exact < c.MinIntersection {
		return StatusWithheld, 0, nil
	}
	size := int64(exact)
	if c.Noiser != nil {
		eta, err := c.Noiser.Noise(ctx, NoiseRequest{Job: c.Job, Output: OutputSize, Sensitivity: 1})
		if err != nil {
			return 0, 0, fmt.Errorf("release size: %w: %w", ErrNoise, err)
		}
		eta = min(max(eta, -2*MaxSetSize), 2*MaxSetSize) // no overflow below
		size = min(max(size+eta, 0), MaxSetSize)
	}
	if size < int64(c.MinIntersection) {
		return StatusWithheld, 0, nil
	}
	return StatusReleased, size, nil
}
