package cleanroom_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stewardhq/steward/internal/cleanroom"
)

// person is one synthetic shopper: an email, a phone number and a value.
type person struct {
	email, phone string
	value        uint64
}

func people(n int, rng *rand.Rand) []person {
	out := make([]person, n)
	for i := range out {
		out[i] = person{
			email: fmt.Sprintf("shopper.%05d@mail%d.example.cn", i, i%5),
			phone: fmt.Sprintf("+86139%08d", 10000000+i*7),
			value: rng.Uint64N(1_000_000),
		}
	}
	return out
}

// variant writes a key the way another system might: case, spaces, separators.
func variant(on cleanroom.MatchOn, p person, rng *rand.Rand) string {
	if on == cleanroom.MatchEmail {
		switch rng.IntN(4) {
		case 0:
			return p.email
		case 1:
			return strings.ToUpper(p.email)
		case 2:
			return "  " + strings.ToUpper(p.email[:1]) + p.email[1:] + "\t"
		default:
			return strings.Replace(p.email, "shopper", "Shopper", 1) + " "
		}
	}
	d := p.phone[3:] // national number
	switch rng.IntN(4) {
	case 0:
		return p.phone
	case 1:
		return d[:3] + " " + d[3:7] + " " + d[7:]
	case 2:
		return "0086-" + d[:3] + "-" + d[3:7] + "-" + d[7:]
	default:
		return "+86 (" + d[:3] + ") " + d[3:]
	}
}

// sides draws two overlapping sets from a population: the initiator's keys and the
// partner's keys with values, written in varied forms, with repeats and invalid entries,
// and returns the plaintext answer: |A∩B| and Σ over A∩B of the partner's values (a
// person listed twice by the partner counts with the sum of both values).
func sides(on cleanroom.MatchOn, nA, nB, overlap int, seed uint64) (a, b []cleanroom.Input, size int, sum uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	pop := people(nA+nB-overlap, rng)
	perm := rng.Perm(len(pop))
	inA := map[int]bool{}
	for _, i := range perm[:nA] {
		inA[i] = true
		a = append(a, cleanroom.Input{Key: variant(on, pop[i], rng)})
	}
	for _, i := range perm[nA-overlap : nA-overlap+nB] {
		v := pop[i].value
		b = append(b, cleanroom.Input{Key: variant(on, pop[i], rng), Value: v})
		if rng.IntN(10) == 0 { // listed twice, in another form, with another value
			b = append(b, cleanroom.Input{Key: variant(on, pop[i], rng), Value: 17})
			v += 17
		}
		if inA[i] {
			size++
			sum += v
		}
	}
	for range 5 {
		a = append(a, cleanroom.Input{Key: "not a key"})
		b = append(b, cleanroom.Input{Key: "not a key", Value: 99})
	}
	if rng.IntN(2) == 0 && len(a) > 0 { // a repeat on the initiator's side too
		a = append(a, a[0])
	}
	rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
	rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
	return a, b, size, sum
}

func testDomain(t testing.TB) cleanroom.Domain {
	d, err := cleanroom.NewDomain("test.pairing-1")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func config(t testing.TB, p cleanroom.Protocol, on cleanroom.MatchOn) cleanroom.Config {
	return cleanroom.Config{Job: "job-7", Protocol: p, MatchOn: on, Region: "CN", Domain: testDomain(t)}
}

// wire records every message each side sent, in wire form, and hands the receiver a
// freshly parsed copy (as a transport would).
type wire struct {
	fromInitiator, fromPartner [][]byte
}

func (w *wire) carry(t testing.TB, fromInitiator bool, m cleanroom.Message) cleanroom.Message {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatalf("marshal %s: %v", m.Kind(), err)
	}
	if fromInitiator {
		w.fromInitiator = append(w.fromInitiator, b)
	} else {
		w.fromPartner = append(w.fromPartner, b)
	}
	got, err := cleanroom.ParseMessage(b)
	if err != nil {
		t.Fatalf("parse %s: %v", m.Kind(), err)
	}
	return got
}

// run plays a whole job between ini and par through the generic Handle methods.
func run(t testing.TB, ini *cleanroom.Initiator, par *cleanroom.Partner) *wire {
	t.Helper()
	ctx := context.Background()
	w := &wire{}
	m, err := ini.Start()
	if err != nil {
		t.Fatal(err)
	}
	toPartner := []cleanroom.Message{w.carry(t, true, m)}
	for len(toPartner) > 0 {
		var toInitiator []cleanroom.Message
		for _, m := range toPartner {
			out, err := par.Handle(ctx, m)
			if err != nil {
				t.Fatalf("partner handles %s: %v", m.Kind(), err)
			}
			for _, o := range out {
				toInitiator = append(toInitiator, w.carry(t, false, o))
			}
		}
		toPartner = nil
		for _, m := range toInitiator {
			out, err := ini.Handle(ctx, m)
			if err != nil {
				t.Fatalf("initiator handles %s: %v", m.Kind(), err)
			}
			for _, o := range out {
				toPartner = append(toPartner, w.carry(t, true, o))
			}
		}
	}
	return w
}

func newPair(t testing.TB, ci, cp cleanroom.Config, a, b []cleanroom.Input) (*cleanroom.Initiator, *cleanroom.Partner) {
	t.Helper()
	ini, err := cleanroom.NewInitiator(ci, a)
	if err != nil {
		t.Fatal(err)
	}
	par, err := cleanroom.NewPartner(cp, b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ini.Close(); par.Close() })
	return ini, par
}

// Exact size and sum against the plaintext computation, on random sets with overlaps,
// repeats, invalid keys and normalisation variants, for both protocols and match keys.
func TestProtocolsExact(t *testing.T) {
	cases := []struct {
		on              cleanroom.MatchOn
		nA, nB, overlap int
	}{
		{cleanroom.MatchEmail, 400, 300, 120},
		{cleanroom.MatchPhone, 250, 500, 90},
		{cleanroom.MatchEmail, 200, 200, 200},
		{cleanroom.MatchEmail, 9000, 8300, 8250}, // more than one ciphertext of values
	}
	for i, c := range cases {
		for _, p := range []cleanroom.Protocol{cleanroom.PSICardinality, cleanroom.IntersectionSum} {
			if testing.Short() && c.nA > 1000 {
				continue
			}
			t.Run(fmt.Sprintf("%s/%s/%dx%d", p, c.on, c.nA, c.nB), func(t *testing.T) {
				a, b, size, sum := sides(c.on, c.nA, c.nB, c.overlap, uint64(i)+7)
				cfg := config(t, p, c.on)
				ini, par := newPair(t, cfg, cfg, a, b)
				run(t, ini, par)
				oi, ok := ini.Outcome()
				if !ok || oi.Status != cleanroom.StatusReleased || oi.IntersectionSize != int64(size) {
					t.Fatalf("initiator outcome %+v (finished %v), want size %d", oi, ok, size)
				}
				if p == cleanroom.IntersectionSum && (!oi.HasSum || oi.IntersectionSum != int64(sum)) {
					t.Fatalf("initiator sum %d (has %v), want %d", oi.IntersectionSum, oi.HasSum, sum)
				}
				if p == cleanroom.PSICardinality && oi.HasSum {
					t.Fatal("psi_cardinality produced a sum")
				}
				op, ok := par.Outcome()
				if !ok || op != (cleanroom.Outcome{Status: cleanroom.StatusReleased, IntersectionSize: int64(size)}) {
					t.Fatalf("partner outcome %+v (finished %v), want size %d and no sum", op, ok, size)
				}
				if st := par.Stats(); st.Invalid[cleanroom.ReasonSyntax]+st.Invalid[cleanroom.ReasonCharacter] != 5 || st.Duplicates == 0 {
					t.Fatalf("partner stats %+v: want 5 invalid keys and some duplicates", st)
				}
			})
		}
	}
}

// Values above the cap are clamped, and a partner's repeated person sums before clamping.
func TestSumClampsToValueCap(t *testing.T) {
	var a, b []cleanroom.Input
	var want uint64
	for i := range 60 {
		k := fmt.Sprintf("p%d@example.com", i)
		a = append(a, cleanroom.Input{Key: k})
		v := uint64(i * 40)
		b = append(b, cleanroom.Input{Key: k, Value: v})
		want += min(v, 1000)
	}
	b = append(b, cleanroom.Input{Key: "P0@example.com", Value: 5000}) // 0 + 5000 → 1000
	want += 1000
	cfg := config(t, cleanroom.IntersectionSum, cleanroom.MatchEmail)
	cfg.ValueCap = 1000
	ini, par := newPair(t, cfg, cfg, a, b)
	run(t, ini, par)
	if o, _ := ini.Outcome(); o.IntersectionSum != int64(want) || o.IntersectionSize != 60 {
		t.Fatalf("outcome %+v, want size 60 sum %d", o, want)
	}
	if st := par.Stats(); st.Clamped != 35 || st.Duplicates != 1 {
		t.Fatalf("stats %+v: want 35 clamped (34 values over 1000, and p0 repeated), 1 duplicate", st)
	}
}

// Below the minimum intersection both sides are withheld, and intersection_sum sends no
// encrypted sum at all.
func TestWithheldBelowMinimum(t *testing.T) {
	for _, p := range []cleanroom.Protocol{cleanroom.PSICardinality, cleanroom.IntersectionSum} {
		t.Run(string(p), func(t *testing.T) {
			a, b, size, _ := sides(cleanroom.MatchEmail, 100, 100, 49, 3)
			if size != 49 {
				t.Fatalf("fixture: size %d", size)
			}
			cfg := config(t, p, cleanroom.MatchEmail) // default minimum: 50
			ini, par := newPair(t, cfg, cfg, a, b)
			w := run(t, ini, par)
			for _, side := range []interface {
				Outcome() (cleanroom.Outcome, bool)
			}{ini, par} {
				if o, ok := side.Outcome(); !ok || o != (cleanroom.Outcome{Status: cleanroom.StatusWithheld}) {
					t.Fatalf("outcome %+v (finished %v), want withheld with nothing", o, ok)
				}
			}
			last, _ := cleanroom.ParseMessage(w.fromInitiator[len(w.fromInitiator)-1])
			if r, ok := last.(*cleanroom.Result); !ok || r.Status != cleanroom.StatusWithheld || r.Size != 0 || r.Sum != nil {
				t.Fatalf("last message %+v, want a bare withheld result", last)
			}
			if len(w.fromPartner) > 2 {
				t.Fatal("the partner sent a share for a withheld result")
			}

			// Exactly at the minimum, released.
			a, b, size, _ = sides(cleanroom.MatchEmail, 100, 100, 50, 3)
			ini, par = newPair(t, cfg, cfg, a, b)
			run(t, ini, par)
			if o, _ := ini.Outcome(); o.Status != cleanroom.StatusReleased || o.IntersectionSize != int64(size) {
				t.Fatalf("at the minimum: %+v", o)
			}
		})
	}
}

// The partner enforces its own minimum: an initiator configured lower cannot make it
// decrypt.
func TestPartnerRefusesResultBelowItsMinimum(t *testing.T) {
	a, b, _, _ := sides(cleanroom.MatchEmail, 80, 80, 30, 5)
	ci := config(t, cleanroom.IntersectionSum, cleanroom.MatchEmail)
	ci.MinIntersection = 10
	cp := ci
	cp.MinIntersection = 50
	ini, par := newPair(t, ci, cp, a, b)
	ctx := context.Background()
	m1, _ := ini.Start()
	reply, err := par.HandleBlinded(ctx, m1)
	if err != nil {
		t.Fatal(err)
	}
	values, err := par.EncryptValues()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ini.HandleReply(ctx, reply); err != nil {
		t.Fatal(err)
	}
	res, err := ini.HandleValues(ctx, values)
	if err != nil || res.Status != cleanroom.StatusReleased || res.Size != 30 {
		t.Fatalf("initiator released %+v, %v", res, err)
	}
	share, err := par.HandleResult(ctx, res)
	if !errors.Is(err, cleanroom.ErrBelowMinimum) || share != nil {
		t.Fatalf("partner: share %v, error %v; want ErrBelowMinimum and no share", share, err)
	}
	if o, _ := par.Outcome(); o.Status != cleanroom.StatusWithheld {
		t.Fatalf("partner outcome %+v", o)
	}
}

// stepper drives one job step by step so tests can interfere between steps.
type stepper struct {
	t     *testing.T
	ctx   context.Context
	ini   *cleanroom.Initiator
	par   *cleanroom.Partner
	m1    *cleanroom.Blinded
	reply *cleanroom.Reply
	vals  *cleanroom.Values
	res   *cleanroom.Result
	share *cleanroom.Share
}

func newStepper(t *testing.T, p cleanroom.Protocol) *stepper {
	a, b, _, _ := sides(cleanroom.MatchEmail, 120, 120, 60, 11)
	cfg := config(t, p, cleanroom.MatchEmail)
	ini, par := newPair(t, cfg, cfg, a, b)
	s := &stepper{t: t, ctx: context.Background(), ini: ini, par: par}
	var err error
	if s.m1, err = ini.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *stepper) partnerReplies() {
	var err error
	if s.reply, err = s.par.HandleBlinded(s.ctx, s.m1); err != nil {
		s.t.Fatal(err)
	}
	if s.reply.Kind() == cleanroom.KindReply && s.ini != nil {
		if v, err := s.par.EncryptValues(); err == nil {
			s.vals = v
		}
	}
}

func (s *stepper) initiatorResults() {
	var err error
	if s.res, err = s.ini.HandleReply(s.ctx, s.reply); err != nil {
		s.t.Fatal(err)
	}
	if s.vals != nil {
		if s.res, err = s.ini.HandleValues(s.ctx, s.vals); err != nil {
			s.t.Fatal(err)
		}
	}
}

// mutate returns a parsed copy of m with f applied to its wire form.
func mutate(t *testing.T, m cleanroom.Message, f func(b []byte) []byte) (cleanroom.Message, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return cleanroom.ParseMessage(f(bytes.Clone(b)))
}

// Messages of another job, altered in transit, replayed or out of order are refused, and
// refusing changes nothing: the genuine message is still accepted afterwards.
func TestRefusedMessages(t *testing.T) {
	other := func() cleanroom.Config {
		c := config(t, cleanroom.PSICardinality, cleanroom.MatchEmail)
		c.Job = "job-8"
		return c
	}
	t.Run("wrong job", func(t *testing.T) {
		s := newStepper(t, cleanroom.PSICardinality)
		ini2, err := cleanroom.NewInitiator(other(), []cleanroom.Input{{Key: "a@b.cn"}})
		if err != nil {
			t.Fatal(err)
		}
		defer ini2.Close()
		foreign, _ := ini2.Start()
		if _, err := s.par.HandleBlinded(s.ctx, foreign); !errors.Is(err, cleanroom.ErrWrongJob) {
			t.Fatalf("foreign job: %v, want ErrWrongJob", err)
		}
		// Same job id, but bound to another protocol: the transcript differs.
		c := config(t, cleanroom.IntersectionSum, cleanroom.MatchEmail)
		ini3, _ := cleanroom.NewInitiator(c, []cleanroom.Input{{Key: "a@b.cn"}})
		defer ini3.Close()
		m3, _ := ini3.Start()
		if _, err := s.par.HandleBlinded(s.ctx, m3); !errors.Is(err, cleanroom.ErrTranscript) {
			t.Fatalf("other protocol: %v, want ErrTranscript", err)
		}
		s.partnerReplies() // the genuine message still works
		s.initiatorResults()
	})
	t.Run("tampered prev", func(t *testing.T) {
		s := newStepper(t, cleanroom.PSICardinality)
		bad, err := mutate(t, s.m1, func(b []byte) []byte { b[4+1+1+1+len("job-7")] ^= 1; return b })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.par.Handle(s.ctx, bad); !errors.Is(err, cleanroom.ErrTranscript) {
			t.Fatalf("tampered prev: %v, want ErrTranscript", err)
		}
		s.partnerReplies()
	})
	t.Run("element replaced in transit", func(t *testing.T) {
		s := newStepper(t, cleanroom.PSICardinality)
		// Swap in another valid point: the partner cannot tell, but its reply no longer
		// follows the initiator's transcript.
		ini2, _ := cleanroom.NewInitiator(config(t, cleanroom.PSICardinality, cleanroom.MatchEmail), []cleanroom.Input{{Key: "x@y.cn"}})
		defer ini2.Close()
		donor, _ := ini2.Start()
		s.m1.Elements[3] = donor.Elements[0]
		s.partnerReplies()
		if _, err := s.ini.HandleReply(s.ctx, s.reply); !errors.Is(err, cleanroom.ErrTranscript) {
			t.Fatalf("reply to a tampered message: %v, want ErrTranscript", err)
		}
	})
	t.Run("element not on the curve", func(t *testing.T) {
		s := newStepper(t, cleanroom.PSICardinality)
		saved := s.m1.Elements[5]
		s.m1.Elements[5] = cleanroom.Point{0xff, 0xff, 0xff}
		if _, err := s.par.HandleBlinded(s.ctx, s.m1); !errors.Is(err, cleanroom.ErrInvalidElement) {
			t.Fatalf("invalid point: %v, want ErrInvalidElement", err)
		}
		s.m1.Elements[5] = cleanroom.Point{}
		if _, err := s.par.HandleBlinded(s.ctx, s.m1); !errors.Is(err, cleanroom.ErrInvalidElement) {
			t.Fatalf("identity: %v, want ErrInvalidElement", err)
		}
		s.m1.Elements[5] = s.m1.Elements[6]
		if _, err := s.par.HandleBlinded(s.ctx, s.m1); !errors.Is(err, cleanroom.ErrDuplicate) {
			t.Fatalf("duplicate: %v, want ErrDuplicate", err)
		}
		s.m1.Elements[5] = saved
		s.partnerReplies()
		s.initiatorResults()
	})
	t.Run("reply tampered", func(t *testing.T) {
		s := newStepper(t, cleanroom.PSICardinality)
		s.partnerReplies()
		short := *s.reply
		short.Doubled = short.Doubled[1:]
		if _, err := s.ini.HandleReply(s.ctx, &short); !errors.Is(err, cleanroom.ErrInconsistent) {
			t.Fatalf("short reply: %v, want ErrInconsistent", err)
		}
		dup := *s.reply
		dup.Blinded = append([]cleanroom.Point{s.reply.Blinded[0]}, s.reply.Blinded[:len(s.reply.Blinded)-1]...)
		if _, err := s.ini.HandleReply(s.ctx, &dup); !errors.Is(err, cleanroom.ErrDuplicate) {
			t.Fatalf("duplicate in Y: %v, want ErrDuplicate", err)
		}
		bad := *s.reply
		bad.Blinded = append([]cleanroom.Point{{1}}, s.reply.Blinded[1:]...)
		if _, err := s.ini.HandleReply(s.ctx, &bad); !errors.Is(err, cleanroom.ErrInvalidElement) {
			t.Fatalf("invalid point in Y: %v, want ErrInvalidElement", err)
		}
		// Same sets in another order: the initiator cannot tell, but the next message it
		// sends no longer follows the partner's transcript.
		swapped := *s.reply
		swapped.Blinded = append([]cleanroom.Point{s.reply.Blinded[1], s.reply.Blinded[0]}, s.reply.Blinded[2:]...)
		res, err := s.ini.HandleReply(s.ctx, &swapped)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.par.HandleResult(s.ctx, res); !errors.Is(err, cleanroom.ErrTranscript) {
			t.Fatalf("result after a reordered reply: %v, want ErrTranscript", err)
		}
	})
	t.Run("replay and order", func(t *testing.T) {
		s := newStepper(t, cleanroom.IntersectionSum)
		if _, err := s.ini.Start(); !errors.Is(err, cleanroom.ErrUnexpected) {
			t.Fatalf("second start: %v", err)
		}
		if _, err := s.par.EncryptValues(); !errors.Is(err, cleanroom.ErrUnexpected) {
			t.Fatalf("values before reply: %v", err)
		}
		s.partnerReplies()
		if _, err := s.par.HandleBlinded(s.ctx, s.m1); !errors.Is(err, cleanroom.ErrUnexpected) {
			t.Fatalf("replayed blinded set: %v, want ErrUnexpected", err)
		}
		if _, err := s.ini.HandleValues(s.ctx, s.vals); !errors.Is(err, cleanroom.ErrUnexpected) {
			t.Fatalf("values before reply: %v, want ErrUnexpected", err)
		}
		s.initiatorResults()
		if _, err := s.ini.HandleReply(s.ctx, s.reply); !errors.Is(err, cleanroom.ErrUnexpected) {
			t.Fatalf("replayed reply: %v, want ErrUnexpected", err)
		}
		share, err := s.par.HandleResult(s.ctx, s.res)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.par.HandleResult(s.ctx, s.res); !errors.Is(err, cleanroom.ErrUnexpected) {
			t.Fatalf("replayed result: %v, want ErrUnexpected", err)
		}
		forged := *share
		forged.Share++
		forged.Prev[0] ^= 1
		if err := s.ini.HandleShare(s.ctx, &forged); !errors.Is(err, cleanroom.ErrTranscript) {
			t.Fatalf("share with another transcript: %v, want ErrTranscript", err)
		}
		if err := s.ini.HandleShare(s.ctx, share); err != nil {
			t.Fatal(err)
		}
		if err := s.ini.HandleShare(s.ctx, share); !errors.Is(err, cleanroom.ErrUnexpected) {
			t.Fatalf("replayed share: %v, want ErrUnexpected", err)
		}
		if _, err := s.ini.Handle(s.ctx, s.m1); !errors.Is(err, cleanroom.ErrUnexpected) {
			t.Fatalf("initiator handed its own message: %v", err)
		}
	})
	t.Run("result tampered", func(t *testing.T) {
		s := newStepper(t, cleanroom.IntersectionSum)
		s.partnerReplies()
		s.initiatorResults()
		forged := *s.res
		forged.Prev[31] ^= 0x80
		if _, err := s.par.HandleResult(s.ctx, &forged); !errors.Is(err, cleanroom.ErrTranscript) {
			t.Fatalf("result with another transcript: %v, want ErrTranscript", err)
		}
		s2 := newStepper(t, cleanroom.IntersectionSum)
		s2.partnerReplies()
		s2.initiatorResults()
		noSum := *s2.res
		noSum.Sum = nil
		if _, err := s2.par.HandleResult(s2.ctx, &noSum); !errors.Is(err, cleanroom.ErrInconsistent) {
			t.Fatalf("released sum result without a sum: %v, want ErrInconsistent", err)
		}
		if _, err := s2.par.HandleResult(s2.ctx, s2.res); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		s := newStepper(t, cleanroom.PSICardinality)
		s.par.Close()
		if _, err := s.par.HandleBlinded(s.ctx, s.m1); !errors.Is(err, cleanroom.ErrClosed) {
			t.Fatalf("after close: %v, want ErrClosed", err)
		}
		s.ini.Close()
		s.ini.Close()
		if _, err := s.ini.HandleReply(s.ctx, &cleanroom.Reply{}); !errors.Is(err, cleanroom.ErrClosed) {
			t.Fatalf("after close: %v, want ErrClosed", err)
		}
	})
}

// fakeNoise returns fixed noise per output and records the requests.
type fakeNoise struct {
	mu    sync.Mutex
	noise map[cleanroom.Output]int64
	err   error
	got   []cleanroom.NoiseRequest
}

func (f *fakeNoise) Noise(_ context.Context, r cleanroom.NoiseRequest) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, r)
	return f.noise[r.Output], f.err
}

// The DP hook: the initiator noises the size, the partner its share of the sum, each with
// the right sensitivity; a refusal fails the job.
func TestNoiseHook(t *testing.T) {
	a, b, size, sum := sides(cleanroom.MatchEmail, 200, 200, 100, 13)
	cfg := config(t, cleanroom.IntersectionSum, cleanroom.MatchEmail)
	cfg.ValueCap = 2_000_000
	ci, cp := cfg, cfg
	ni := &fakeNoise{noise: map[cleanroom.Output]int64{cleanroom.OutputSize: -3}}
	np := &fakeNoise{noise: map[cleanroom.Output]int64{cleanroom.OutputSum: -12345}}
	ci.Noiser, cp.Noiser = ni, np
	ini, par := newPair(t, ci, cp, a, b)
	run(t, ini, par)
	oi, _ := ini.Outcome()
	op, _ := par.Outcome()
	if oi.IntersectionSize != int64(size-3) || op.IntersectionSize != int64(size-3) || oi.IntersectionSum != int64(sum)-12345 {
		t.Fatalf("outcomes %+v / %+v; want size %d-3, sum %d-12345", oi, op, size, sum)
	}
	if len(ni.got) != 1 || ni.got[0] != (cleanroom.NoiseRequest{Job: "job-7", Output: cleanroom.OutputSize, Sensitivity: 1}) {
		t.Fatalf("initiator noise requests %+v", ni.got)
	}
	if len(np.got) != 1 || np.got[0] != (cleanroom.NoiseRequest{Job: "job-7", Output: cleanroom.OutputSum, Sensitivity: 2_000_000}) {
		t.Fatalf("partner noise requests %+v", np.got)
	}

	// Noise that pushes the size under the minimum withholds.
	a, b, _, _ = sides(cleanroom.MatchEmail, 100, 100, 52, 13)
	ci.Noiser = &fakeNoise{noise: map[cleanroom.Output]int64{cleanroom.OutputSize: -5}}
	ini, par = newPair(t, ci, cp, a, b)
	run(t, ini, par)
	if o, _ := par.Outcome(); o.Status != cleanroom.StatusWithheld {
		t.Fatalf("noisy size under the minimum: %+v", o)
	}

	// A refused charge fails the job on that side.
	ci.Noiser = &fakeNoise{err: errors.New("budget spent")}
	ini, par = newPair(t, ci, cp, a, b)
	m1, _ := ini.Start()
	out, err := par.Handle(context.Background(), m1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ini.Handle(context.Background(), out[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := ini.Handle(context.Background(), out[1]); !errors.Is(err, cleanroom.ErrNoise) {
		t.Fatalf("refused noise: %v, want ErrNoise", err)
	}
	if _, err := ini.Handle(context.Background(), out[1]); !errors.Is(err, cleanroom.ErrFailed) {
		t.Fatalf("after failure: %v, want ErrFailed", err)
	}
}

// Nothing a side sends carries a plaintext identifier of its people, nor the unblinded
// hash of one (which anyone could test guesses against).
func TestMessagesCarryNoIdentifiers(t *testing.T) {
	for _, on := range []cleanroom.MatchOn{cleanroom.MatchEmail, cleanroom.MatchPhone} {
		for _, p := range []cleanroom.Protocol{cleanroom.PSICardinality, cleanroom.IntersectionSum} {
			t.Run(fmt.Sprintf("%s/%s", p, on), func(t *testing.T) {
				a, b, _, _ := sides(on, 150, 150, 70, 17)
				cfg := config(t, p, on)
				ini, par := newPair(t, cfg, cfg, a, b)
				w := run(t, ini, par)
				scan(t, "initiator", on, cfg.Domain, a, w.fromInitiator)
				scan(t, "partner", on, cfg.Domain, b, w.fromPartner)
			})
		}
	}
}

func scan(t *testing.T, side string, on cleanroom.MatchOn, d cleanroom.Domain, inputs []cleanroom.Input, msgs [][]byte) {
	t.Helper()
	var needles [][]byte
	for _, in := range inputs {
		k, err := cleanroom.Normalize(on, in.Key, "CN")
		if err != nil {
			continue
		}
		needles = append(needles, []byte(strings.TrimSpace(in.Key)), []byte(k))
		if on == cleanroom.MatchEmail {
			needles = append(needles, []byte(k[:strings.IndexByte(k, '@')]))
		} else {
			needles = append(needles, []byte(k[1:]), []byte(k[3:])) // without '+', national
		}
		h := d.HashToPoint(on, k)
		needles = append(needles, h[:], h[:16])
	}
	if len(needles) < 400 {
		t.Fatalf("only %d needles", len(needles))
	}
	for i, m := range msgs {
		for _, n := range needles {
			if bytes.Contains(m, n) {
				t.Fatalf("%s message %d (%d bytes) contains %q", side, i, len(m), n)
			}
		}
	}
	// The scan can fail: a message that did carry an identifier is caught.
	planted := append(bytes.Clone(msgs[0]), needles[1]...)
	found := false
	for _, n := range needles {
		found = found || bytes.Contains(planted, n)
	}
	if !found {
		t.Fatal("the scan misses a planted identifier")
	}
}
