package bench

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/cloudflare/circl/group"

	"github.com/stewardhq/steward/internal/cleanroom"
)

// benchPsi runs issue 22's clean-room protocols with both parties in this process, their
// messages over a real TCP connection on loopback, and compares psi_cardinality with its
// floor: the 4n variable-base scalar multiplications it cannot avoid (each side blinds its
// own n points and the other side's n points), on as many goroutines as the protocol
// uses, measured in the same run — half before the protocol run and half after, so a
// change of load on a shared machine hits both. The ratio is of process CPU times where
// they are known (unix), of wall times otherwise.
func benchPsi(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench psi", "bench psi [--n N] [--overlap F] [--runs N]")
	n := fs.Int("n", 1_000_000, "people on each side")
	overlap := fs.Float64("overlap", 0.5, "share of each side in the intersection")
	runs := fs.Int("runs", 1, "runs; medians are reported")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *n > cleanroom.MaxSetSize || *runs <= 0 || *overlap < 0 || *overlap > 1 {
		return fmt.Errorf("%w: n in 1..%d, overlap in [0, 1], runs positive", ErrUsage, cleanroom.MaxSetSize)
	}
	workers := runtime.GOMAXPROCS(0)
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s; both parties in this process over TCP loopback, %d blinding goroutines each\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), workers)

	a, b, size, sum := psiSets(*n, *overlap)
	fmt.Fprintf(e.Stdout, "sets: %d x %d emails, intersection %d, partner values sum %d over it\n", *n, *n, size, sum)

	var psis, ratios, sums []float64
	for r := 1; r <= *runs; r++ {
		before, beforeCPU, err := psiFloor(ctx, 2**n, workers)
		if err != nil {
			return err
		}
		res, err := psiRun(ctx, cleanroom.PSICardinality, a, b, workers)
		if err != nil {
			return err
		}
		after, afterCPU, err := psiFloor(ctx, 2**n, workers)
		if err != nil {
			return err
		}
		if res.size != int64(size) {
			return fmt.Errorf("bench psi: intersection %d, want %d", res.size, size)
		}
		floor, floorCPU := before+after, beforeCPU+afterCPU
		// The ratio reported is the CPU-time ratio where the process's CPU time is known:
		// on a shared machine the wall-time ratio moves with the neighbours' load (a 1M
		// run measured 0.76x on wall time, which no protocol doing more than its floor can
		// reach); on an idle one the two agree but for the protocol's short serial stages.
		ratio, cpuRatio := res.total.Seconds()/floor.Seconds(), 0.0
		if floorCPU > 0 && res.cpu > 0 {
			cpuRatio = res.cpu.Seconds() / floorCPU.Seconds()
			ratio = cpuRatio
		}
		psis, ratios = append(psis, res.total.Seconds()), append(ratios, ratio)
		fmt.Fprintf(e.Stdout, "psi run %d: %.2f s (inputs normalised beforehand in %.2f s); floor %.2f s (%d scalar multiplications, %.2f s + %.2f s); %.3fx; CPU %.1f s vs floor %.1f s: %.3fx\n",
			r, res.total.Seconds(), res.setup.Seconds(), floor.Seconds(), 4**n, before.Seconds(), after.Seconds(),
			res.total.Seconds()/floor.Seconds(), res.cpu.Seconds(), floorCPU.Seconds(), cpuRatio)

		res, err = psiRun(ctx, cleanroom.IntersectionSum, a, b, workers)
		if err != nil {
			return err
		}
		if res.size != int64(size) || res.sum != int64(sum) {
			return fmt.Errorf("bench psi: intersection %d sum %d, want %d and %d", res.size, res.sum, size, sum)
		}
		sums = append(sums, res.he.Seconds())
		fmt.Fprintf(e.Stdout, "psi-sum run %d: sum part %.2f s (encrypt %d values, send, select and sum, send, decrypt, unmask); whole job %.2f s\n",
			r, res.he.Seconds(), *n, res.total.Seconds())
	}
	if err := psiPaillierProbe(e, *n, workers); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "psi: %d x %d in %.2f s (%.2fx floor)\n", *n, *n, median(psis), median(ratios))
	fmt.Fprintf(e.Stdout, "psi-sum: %d values in %.2f s\n", *n, median(sums))
	return nil
}

// psiPaillierProbe measures the alternative the issue allows for the sum, textbook
// Paillier with a 2048-bit modulus (g = n+1, so encryption is one 2048-bit exponentiation
// modulo n^2), on a sample, and extrapolates to n values on w cores: the figure
// BENCHMARKS.md weighs packed RLWE against. Measurement only; no product code uses it.
func psiPaillierProbe(e Env, n, w int) error {
	const sample = 64
	p, err := crand.Prime(crand.Reader, 1024)
	if err != nil {
		return err
	}
	q, err := crand.Prime(crand.Reader, 1024)
	if err != nil {
		return err
	}
	nn := new(big.Int).Mul(p, q)
	n2 := new(big.Int).Mul(nn, nn)
	cts := make([]*big.Int, sample)
	start := time.Now()
	for i := range cts {
		r, err := crand.Int(crand.Reader, nn)
		if err != nil {
			return err
		}
		c := new(big.Int).Exp(r, nn, n2)                 // r^n
		gm := new(big.Int).Mul(big.NewInt(int64(i)), nn) // (1+n)^m = 1 + m·n mod n^2
		gm.Add(gm, big.NewInt(1))
		cts[i] = c.Mul(c, gm).Mod(c, n2)
	}
	enc := time.Since(start) / sample
	start = time.Now()
	acc := big.NewInt(1)
	for range 100 {
		for _, c := range cts {
			acc.Mul(acc, c).Mod(acc, n2)
		}
	}
	add := time.Since(start) / (100 * sample)
	fmt.Fprintf(e.Stdout, "paillier-2048 (for comparison): %.2f ms per encryption, %.1f µs per addition, 512 B per value; %d values ≈ %.0f s to encrypt on %d cores, %d MB on the wire\n",
		float64(enc)/1e6, float64(add)/1e3, n, enc.Seconds()*float64(n)/float64(w), w, n*512>>20)
	return nil
}

// psiSets returns the initiator's emails, the partner's emails with values, and the
// plaintext answer.
func psiSets(n int, overlap float64) (a, b []cleanroom.Input, size int, sum uint64) {
	rng := rand.New(rand.NewPCG(22, 22))
	shift := n - int(float64(n)*overlap)
	a = make([]cleanroom.Input, n)
	b = make([]cleanroom.Input, n)
	for i := range a {
		a[i] = cleanroom.Input{Key: fmt.Sprintf("shopper%08d@example.cn", i)}
	}
	for i := range b {
		v := rng.Uint64N(100_000) // cents
		b[i] = cleanroom.Input{Key: fmt.Sprintf("shopper%08d@example.cn", i+shift), Value: v}
		if i+shift < n {
			size++
			sum += v
		}
	}
	return a, b, size, sum
}

// psiFloor times k variable-base scalar multiplications on ristretto255 through circl,
// exactly the operation the protocol blinds with, on w goroutines.
func psiFloor(ctx context.Context, k, w int) (wall, cpu time.Duration, err error) {
	g := group.Ristretto255
	pts := make([]group.Element, 256)
	for i := range pts {
		pts[i] = g.HashToElement([]byte{byte(i)}, []byte("STEWARD-BENCH-PSI-FLOOR"))
	}
	s := g.RandomNonZeroScalar(nil)
	cpu0, start := processCPU(), time.Now()
	var wg sync.WaitGroup
	for j := range w {
		wg.Add(1)
		go func(j int) {
			defer wg.Done()
			e := g.NewElement()
			for i := j; i < k; i += w {
				e.Mul(pts[i%len(pts)], s)
			}
		}(j)
	}
	wg.Wait()
	return time.Since(start), processCPU() - cpu0, ctx.Err()
}

type psiResult struct {
	setup, total, he, cpu time.Duration
	size, sum             int64
}

// psiRun runs one job between an initiator and a partner in this process over TCP
// loopback. For intersection_sum the partner starts encrypting its values only once the
// initiator has intersected, so the sum part (encrypt, send, select and sum, send,
// decrypt, send, unmask) is timed alone rather than overlapped with blinding.
func psiRun(ctx context.Context, p cleanroom.Protocol, a, b []cleanroom.Input, workers int) (psiResult, error) {
	var res psiResult
	d, err := cleanroom.NewDomain("bench-psi")
	if err != nil {
		return res, err
	}
	cfg := cleanroom.Config{Job: "bench-" + string(p), Protocol: p, MatchOn: cleanroom.MatchEmail, Domain: d, Workers: workers}
	setup := time.Now()
	ini, err := cleanroom.NewInitiator(cfg, a)
	if err != nil {
		return res, err
	}
	defer ini.Close()
	par, err := cleanroom.NewPartner(cfg, b)
	if err != nil {
		return res, err
	}
	defer par.Close()
	res.setup = time.Since(setup)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	defer ln.Close()
	heGo := make(chan struct{})
	heStart := make(chan time.Time, 1)
	partnerDone := make(chan error, 1)
	cpu0, start := processCPU(), time.Now()
	go func() {
		partnerDone <- func() error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			link := newPsiLink(c)
			if err := par.Prepare(); err != nil {
				return err
			}
			m1, err := link.recv()
			if err != nil {
				return err
			}
			reply, err := par.HandleBlinded(ctx, m1.(*cleanroom.Blinded))
			if err != nil {
				return err
			}
			m1.Zero()
			if err := link.send(reply); err != nil {
				return err
			}
			if p == cleanroom.IntersectionSum {
				select {
				case <-heGo:
				case <-ctx.Done():
					return ctx.Err()
				}
				heStart <- time.Now()
				values, err := par.EncryptValues()
				if err != nil {
					return err
				}
				if err := link.send(values); err != nil {
					return err
				}
			}
			m, err := link.recv()
			if err != nil {
				return err
			}
			share, err := par.HandleResult(ctx, m.(*cleanroom.Result))
			if err != nil {
				return err
			}
			if share != nil {
				return link.send(share)
			}
			return nil
		}()
	}()

	err = func() error {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		link := newPsiLink(c)
		m1, err := ini.Start()
		if err != nil {
			return err
		}
		if err := link.send(m1); err != nil {
			return err
		}
		m, err := link.recv()
		if err != nil {
			return err
		}
		result, err := ini.HandleReply(ctx, m.(*cleanroom.Reply))
		if err != nil {
			return err
		}
		m.Zero()
		if p == cleanroom.PSICardinality {
			return link.send(result)
		}
		close(heGo)
		if m, err = link.recv(); err != nil {
			return err
		}
		if result, err = ini.HandleValues(ctx, m.(*cleanroom.Values)); err != nil {
			return err
		}
		m.Zero()
		if err := link.send(result); err != nil {
			return err
		}
		if m, err = link.recv(); err != nil {
			return err
		}
		if err := ini.HandleShare(ctx, m.(*cleanroom.Share)); err != nil {
			return err
		}
		res.he = time.Since(<-heStart)
		return nil
	}()
	if err != nil {
		ln.Close()
		return res, errors.Join(err, <-partnerDone)
	}
	if err := <-partnerDone; err != nil {
		return res, err
	}
	res.total, res.cpu = time.Since(start), processCPU()-cpu0
	oi, ok := ini.Outcome()
	op, ok2 := par.Outcome()
	if !ok || !ok2 || op.IntersectionSize != oi.IntersectionSize {
		return res, fmt.Errorf("bench psi: outcomes %+v / %+v", oi, op)
	}
	res.size, res.sum = oi.IntersectionSize, oi.IntersectionSum
	return res, nil
}

// psiLink frames messages on a connection: a 4-byte big-endian length, then the message.
type psiLink struct {
	r *bufio.Reader
	w *bufio.Writer
}

func newPsiLink(c net.Conn) *psiLink {
	return &psiLink{r: bufio.NewReaderSize(c, 1<<20), w: bufio.NewWriterSize(c, 1<<20)}
}

func (l *psiLink) send(m cleanroom.Message) error {
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	if err := binary.Write(l.w, binary.BigEndian, uint32(len(b))); err != nil {
		return err
	}
	if _, err := l.w.Write(b); err != nil {
		return err
	}
	clear(b)
	m.Zero()
	return l.w.Flush()
}

func (l *psiLink) recv() (cleanroom.Message, error) {
	var n uint32
	if err := binary.Read(l.r, binary.BigEndian, &n); err != nil {
		return nil, err
	}
	if n > cleanroom.MaxMessageSize {
		return nil, fmt.Errorf("bench psi: a %d-byte message", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(l.r, b); err != nil {
		return nil, err
	}
	m, err := cleanroom.ParseMessage(b)
	clear(b)
	return m, err
}
