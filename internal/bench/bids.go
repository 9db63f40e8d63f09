package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/stewardhq/steward/internal/bidding"
	"github.com/stewardhq/steward/internal/partner"
)

// benchBids runs issue 23's encrypted bid ranking: a shop and --advertisers advertisers
// in this process, each advertiser behind its own loopback server (signed calls), over
// --people people with --features ad features each. It checks the ranking against the
// plaintext one and reports people ranked per second, with the plaintext ranking's rate
// measured in the same run as the baseline.
func benchBids(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench bids", "bench bids [--people N] [--advertisers N] [--features N] [--runs N]")
	people := fs.Int("people", 4096, "people to rank")
	ads := fs.Int("advertisers", 20, "advertisers bidding")
	feats := fs.Int("features", 16, "ad features per person")
	runs := fs.Int("runs", 3, "runs; medians are reported")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *people < 1 || *people > 1<<20 || *ads < 1 || *ads > 1000 || *feats < 1 || *feats > bidding.MaxFeatures || *runs < 1 {
		return fmt.Errorf("%w: people 1..2^20, advertisers 1..1000, features 1..%d, runs positive", ErrUsage, bidding.MaxFeatures)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s; shop and advertisers in this process, each advertiser behind its own TCP loopback server, signed calls\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	rng := rand.New(rand.NewPCG(5, 6))
	ps := make([]bidding.Person, *people)
	ids := make([]string, *people)
	for p := range ps {
		ids[p] = fmt.Sprintf("s-%d", p)
		ps[p] = bidding.Person{ID: ids[p], Features: make([]int64, *feats)}
		for j := range ps[p].Features {
			ps[p].Features[j] = rng.Int64N(256)
		}
	}
	shopID, err := partner.GenerateIdentity(nil)
	if err != nil {
		return err
	}
	weights := make([][]int64, *ads)
	var advertisers []bidding.Advertiser
	for a := range weights {
		weights[a] = make([]int64, *feats)
		for j := range weights[a] {
			weights[a][j] = rng.Int64N(1000)
		}
		b := &bidding.Bidder{Weights: weights[a], Recorder: &audience{}, Shop: "shop"}
		c, stop, err := linkServer(shopID, "/partner/bids/", func(ctx context.Context, _ partner.Peer, step string, body []byte) ([]byte, error) {
			return b.Handle(ctx, step, body)
		})
		if err != nil {
			return err
		}
		defer stop()
		advertisers = append(advertisers, bidding.Advertiser{ID: fmt.Sprintf("adv-%02d", a), Call: c.Call})
	}
	shop := &bidding.Shop{Features: fixedFeatures(ps), Recorder: &audience{}}
	var rates, plainRates, cpus []float64
	for r := 1; r <= *runs; r++ {
		c0, t0 := processCPU(), time.Now()
		ranked, err := shop.Rank(ctx, fmt.Sprintf("bench-%d", r), ids, advertisers)
		if err != nil {
			return err
		}
		wall, cpu := time.Since(t0), processCPU()-c0
		t1 := time.Now()
		plain := plainRank(ps, weights)
		pw := time.Since(t1)
		for p := range ranked {
			for k, a := range plain[p] {
				if ranked[p].Advertisers[k] != advertisers[a].ID {
					return fmt.Errorf("bench bids: person %d: encrypted ranking differs from the plaintext one at place %d", p, k)
				}
			}
		}
		rate := float64(*people) / wall.Seconds()
		rates, plainRates, cpus = append(rates, rate), append(plainRates, float64(*people)/pw.Seconds()), append(cpus, cpu.Seconds())
		fmt.Fprintf(e.Stdout, "run %d: %d people x %d advertisers in %.2f s (CPU %.2f s, both sides), ranking equal to plaintext; plaintext ranking %.0f people/s\n",
			r, *people, *ads, wall.Seconds(), cpu.Seconds(), plainRates[len(plainRates)-1])
	}
	rate := median(rates)
	fmt.Fprintf(e.Stdout, "median: %.0f people/s encrypted, %.0f people/s plaintext (%.0fx); CPU per person %.2f ms\n",
		rate, median(plainRates), median(plainRates)/rate, 1000*median(cpus)/float64(*people))
	fmt.Fprintf(e.Stdout, "bids: %.0f/s for %d advertisers\n", rate, *ads)
	return nil
}

type fixedFeatures []bidding.Person

func (f fixedFeatures) AdFeatures(context.Context, []string) ([]bidding.Person, error) { return f, nil }

// plainRank ranks advertisers per person on bids in the clear (ties: lower index first).
func plainRank(ps []bidding.Person, weights [][]int64) [][]int {
	out := make([][]int, len(ps))
	bids := make([]int64, len(weights))
	for p, person := range ps {
		for a, w := range weights {
			var b int64
			for j, x := range person.Features {
				b += w[j] * x
			}
			bids[a] = b
		}
		order := make([]int, len(weights))
		for a := range order {
			order[a] = a
		}
		slices.SortStableFunc(order, func(x, y int) int {
			switch {
			case bids[x] > bids[y]:
				return -1
			case bids[x] < bids[y]:
				return 1
			}
			return 0
		})
		out[p] = order
	}
	return out
}
