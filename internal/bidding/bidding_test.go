package bidding_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/bidding"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/server/partnerlink/linktest"
)

const (
	prefix      = "/partner/bids/"
	features    = 16
	people      = 1000
	advertisers = 20
)

func TestMain(m *testing.M) {
	linktest.Main(m, map[string]func(context.Context, linktest.Env) (any, error){"advertiser": runAdvertiser})
}

// weights are advertiser name's private weights; only its process and this test's
// plaintext reference know them.
func weights(name string) []int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(h.Sum64(), 1))
	w := make([]int64, features)
	for i := range w {
		w[i] = r.Int64N(200)
	}
	return w
}

func runAdvertiser(ctx context.Context, e linktest.Env) (any, error) {
	b := &bidding.Bidder{Weights: weights(e.Get("STEWARD_BIDS_NAME")), Recorder: e.Audit.Recorder, Shop: "shop"}
	return nil, e.Serve(prefix, func(ctx context.Context, _ partner.Peer, step string, body []byte) ([]byte, error) {
		return b.Handle(ctx, step, body)
	})
}

// reader is the purpose-scoped reader as the ranking sees it: people whose consent
// refuses advertising are denied; the others' events name the feature events.
type reader struct {
	denied map[string]bool
	events map[string][]access.Event
	asked  []string
}

func (r *reader) Events(_ context.Context, req access.Request) ([]access.Event, error) {
	if req.Purpose != bidding.Purpose {
		return nil, fmt.Errorf("read for %q", req.Purpose)
	}
	r.asked = append(r.asked, req.SubjectID)
	if r.denied[req.SubjectID] {
		return nil, access.ErrDenied
	}
	return r.events[req.SubjectID], nil
}

func eventNames() []string {
	var out []string
	for j := range features {
		out = append(out, fmt.Sprintf("Viewed Category %d", j))
	}
	return out
}

// population makes people+100 people: every 11th refuses the advertising purpose, so
// exactly 1000 are ranked (and one more has no visible event at all).
func population() (*reader, []string, map[string][]int64) {
	r := &reader{denied: map[string]bool{}, events: map[string][]access.Event{}}
	rng := rand.New(rand.NewPCG(3, 4))
	names := eventNames()
	var ids []string
	want := map[string][]int64{}
	for i := 0; len(want) < people; i++ {
		id := fmt.Sprintf("s-%04d", i)
		ids = append(ids, id)
		if i%11 == 10 {
			r.denied[id] = true
			continue
		}
		f := make([]int64, features)
		for j := range f {
			f[j] = rng.Int64N(8)
			for range f[j] {
				r.events[id] = append(r.events[id], access.Event{Name: names[j]})
			}
		}
		if len(r.events[id]) == 0 {
			continue
		}
		want[id] = f
	}
	return r, ids, want
}

// plainRanking is the reference: bids in the clear, ranked the same way.
func plainRanking(f []int64, ads []string) []string {
	type bid struct {
		ad  string
		v   int64
		idx int
	}
	var bs []bid
	for a, ad := range ads {
		var v int64
		for j, w := range weights(ad) {
			v += w * f[j]
		}
		bs = append(bs, bid{ad, v, a})
	}
	slices.SortStableFunc(bs, func(x, y bid) int {
		if x.v != y.v {
			if x.v > y.v {
				return -1
			}
			return 1
		}
		return x.idx - y.idx
	})
	var out []string
	for _, b := range bs {
		out = append(out, b.ad)
	}
	return out
}

func TestEncryptedRankingEqualsPlaintextBetweenProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 advertiser processes")
	}
	ctx := context.Background()
	shopID := linktest.NewIdentity(t)
	var ads []bidding.Advertiser
	var names []string
	var procs []*linktest.Proc
	for a := range advertisers {
		name := fmt.Sprintf("adv-%02d", a)
		id := linktest.NewIdentity(t)
		p := linktest.Spawn(t, "advertiser", id, map[string]ed25519.PublicKey{"shop": shopID.PublicKey()}, true, "STEWARD_BIDS_NAME="+name)
		ads = append(ads, bidding.Advertiser{ID: name, Call: p.Client(t, shopID, id.PublicKey(), prefix).Call})
		names = append(names, name)
		procs = append(procs, p)
	}
	log, err := linktest.OpenAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	r, ids, want := population()
	shop := &bidding.Shop{Features: bidding.ReaderFeatures{Reader: r, Events: eventNames()}, Recorder: log.Recorder}
	ranked, err := shop.Rank(ctx, "rank-1", ids, ads)
	if err != nil {
		t.Fatal(err)
	}
	if len(ranked) != people {
		t.Fatalf("ranked %d people, want %d (the others refuse advertising or show nothing)", len(ranked), people)
	}
	for _, rk := range ranked {
		f, ok := want[rk.ID]
		if !ok {
			t.Fatalf("%s was ranked but may not be", rk.ID)
		}
		if got, exp := rk.Advertisers, plainRanking(f, names); !slices.Equal(got, exp) {
			t.Fatalf("%s: encrypted ranking %v, plaintext %v", rk.ID, got, exp)
		}
		var top int64
		for j, w := range weights(rk.Advertisers[0]) {
			top += w * f[j]
		}
		if rk.Bids[0] != top {
			t.Fatalf("%s: top bid %d, want %d", rk.ID, rk.Bids[0], top)
		}
	}
	// The shop recorded one ranking over the 1000 people; each advertiser its answer.
	ls, _ := log.Leaves(ctx)
	if a := linktest.Acts(ls); a[audit.ActBidRanking] != 1 || ls[len(ls)-1].Detail[audit.DetailAudienceSize] != fmt.Sprint(people) {
		t.Fatalf("shop audit %v", a)
	}
	// Bad input to an advertiser is a 400 and it keeps serving.
	if _, err := ads[0].Call(ctx, bidding.StepBid, []byte("STBR\x01\x00\x00\x00\x02{}")); err == nil ||
		!strings.Contains(err.Error(), "400") {
		t.Fatalf("garbage: %v", err)
	}
	for _, p := range procs {
		if a := linktest.Acts(p.Finish(t, nil)); a[audit.ActBidRanking] != 1 {
			t.Fatalf("advertiser audit %v", a)
		}
	}
}

// TestSealHidesEverythingButBids decrypts an advertiser's answer with the shop's key and
// checks that the coefficients between the bids are masked (not partial sums).
func TestSealHidesEverythingButBids(t *testing.T) {
	ctx := context.Background()
	b := &bidding.Bidder{Weights: weights("adv-x")}
	r, ids, _ := population()
	ps, err := bidding.ReaderFeatures{Reader: r, Events: eventNames()}.AdFeatures(ctx, ids[:40])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range r.asked {
		if r.denied[id] && slices.ContainsFunc(ps, func(p bidding.Person) bool { return p.ID == id }) {
			t.Fatalf("%s refused advertising but has features", id)
		}
	}
	bids, inner, err := bidding.Probe(ctx, b, ps)
	if err != nil {
		t.Fatal(err)
	}
	for p, person := range ps {
		var want int64
		for j, w := range b.Weights {
			want += w * person.Features[j]
		}
		if bids[p] != want {
			t.Fatalf("bid %d: %d, want %d", p, bids[p], want)
		}
	}
	// Between the bids: if these were partial sums they would be small (< 2^20); masked
	// values mod T are uniform, so essentially all are huge.
	small := 0
	for _, v := range inner {
		if v < 1<<20 {
			small++
		}
	}
	if small > 2 {
		t.Fatalf("%d of %d non-bid coefficients look unmasked", small, len(inner))
	}
	if _, err := (bidding.ReaderFeatures{Reader: r}).AdFeatures(ctx, ids); !errors.Is(err, bidding.ErrConfig) {
		t.Fatalf("no feature events: %v", err)
	}
}
