package bidding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/he"
)

// Purpose is what ranking ads on a person's features is for: profiling for advertising.
const Purpose = "marketing.advertising.profiling"

// Limits: features are small non-negative integers (counts, buckets), weights bids per
// unit; every bid is below MaxFeatures·MaxFeature·MaxWeight = 2^40 < T/2, exact.
const (
	MaxFeatures = 64
	MaxFeature  = 1<<16 - 1
	MaxWeight   = 1<<18 - 1
)

// StepBid is the advertiser's one step, as the edge names it.
const StepBid = "bids/bid"

// Errors.
var (
	ErrConfig   = errors.New("bidding: invalid configuration")
	ErrProtocol = errors.New("bidding: protocol violation")
)

// Person is one person's ad features, as the advertising purpose may see them.
type Person struct {
	ID       string
	Features []int64
}

// Features yields the ad features of the people among ids whose state allows the
// advertising purpose; the others are simply absent (ReaderFeatures reads them through
// the purpose-scoped reader).
type Features interface {
	AdFeatures(ctx context.Context, ids []string) ([]Person, error)
}

// AudienceRecorder records one act about many people (implemented by *audit.Recorder).
type AudienceRecorder interface {
	RecordAudience(ctx context.Context, e audit.Event, subjectIDs []string) (uint64, error)
}

// Call sends a step's message to one advertiser and returns its answer; the edge carries
// it, signed with the partner identities (internal/server/partnerlink).
type Call func(ctx context.Context, step string, body []byte) ([]byte, error)

// Advertiser names a partner and how to reach it.
type Advertiser struct {
	ID   string
	Call Call
}

// bidRequest carries the shop's public key and the encrypted features: person p's
// feature f at coefficient p·stride + f of ciphertext p / (N/stride). On the wire (see
// wire.go) the header is JSON and the public key and ciphertexts follow it raw.
type bidRequest struct {
	Job         string   `json:"job"`
	Features    int      `json:"features"`
	Stride      int      `json:"stride"`
	People      int      `json:"people"`
	PublicKey   []byte   `json:"-"`
	Ciphertexts [][]byte `json:"-"`
}

type bidReply struct {
	Ciphertexts [][]byte `json:"-"`
}

// Ranking is the result for one person: advertiser ids from the highest bid down (ties
// by advertiser id), with the bids.
type Ranking struct {
	ID          string   `json:"id"`
	Advertisers []string `json:"advertisers"`
	Bids        []int64  `json:"bids"`
}

// Shop is the side that holds the people: it encrypts their features under its own key,
// collects each advertiser's encrypted bids and decrypts only the bids.
type Shop struct {
	Features Features
	Recorder AudienceRecorder
	Actor    string
}

// Rank ranks advertisers for the people among ids the advertising purpose may use, and
// records the ranking (one audience leaf over those people).
func (s *Shop) Rank(ctx context.Context, job string, ids []string, ads []Advertiser) ([]Ranking, error) {
	if s.Features == nil || s.Recorder == nil || len(ads) == 0 || len(ads) > 1000 {
		return nil, fmt.Errorf("%w: features, a recorder and 1 to 1000 advertisers", ErrConfig)
	}
	people, err := s.Features.AdFeatures(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(people) == 0 {
		return nil, nil
	}
	keys := he.GenerateKey()
	defer keys.Zero()
	req, err := Encrypt(keys, job, people)
	if err != nil {
		return nil, err
	}
	body, err := req.marshal()
	if err != nil {
		return nil, err
	}
	// Every advertiser gets the same request; they bid concurrently.
	bids := make([][]int64, len(ads))
	errs := make([]error, len(ads))
	var wg sync.WaitGroup
	for a, ad := range ads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := ad.Call(ctx, StepBid, body)
			if err != nil {
				errs[a] = fmt.Errorf("advertiser %s: %w", ad.ID, err)
				return
			}
			rep, err := parseReply(out)
			if err != nil {
				errs[a] = fmt.Errorf("advertiser %s: %w", ad.ID, err)
				return
			}
			if bids[a], err = DecryptBids(keys, req, rep.Ciphertexts); err != nil {
				errs[a] = fmt.Errorf("advertiser %s: %w", ad.ID, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	ranked := make([]Ranking, len(people))
	pids := make([]string, len(people))
	for p, person := range people {
		pids[p] = person.ID
		order := make([]int, len(ads))
		for a := range order {
			order[a] = a
		}
		slices.SortStableFunc(order, func(x, y int) int {
			if bids[x][p] != bids[y][p] {
				if bids[x][p] > bids[y][p] {
					return -1
				}
				return 1
			}
			return 0
		})
		r := Ranking{ID: person.ID}
		for _, a := range order {
			r.Advertisers = append(r.Advertisers, ads[a].ID)
			r.Bids = append(r.Bids, bids[a][p])
		}
		ranked[p] = r
	}
	adIDs := make([]string, len(ads))
	for a, ad := range ads {
		adIDs[a] = ad.ID
	}
	if _, err := s.Recorder.RecordAudience(ctx, audit.Event{Act: audit.ActBidRanking, Actor: s.actor(), Purpose: Purpose,
		Recipient: joinIDs(adIDs), Detail: map[string]string{"job": job, "people": strconv.Itoa(len(people)),
			"advertisers": strconv.Itoa(len(ads)), "asked": strconv.Itoa(len(ids))}}, pids); err != nil {
		return nil, err
	}
	return ranked, nil
}

func (s *Shop) actor() string {
	if s.Actor == "" {
		return "system"
	}
	return s.Actor
}

func joinIDs(ids []string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// Encrypt packs people's features N/stride to a ciphertext under the shop's key.
func Encrypt(keys *he.KeyPair, job string, people []Person) (bidRequest, error) {
	if len(people) == 0 {
		return bidRequest{}, fmt.Errorf("%w: nobody to rank", ErrConfig)
	}
	f := len(people[0].Features)
	if f < 1 || f > MaxFeatures {
		return bidRequest{}, fmt.Errorf("%w: 1 to %d features", ErrConfig, MaxFeatures)
	}
	per := he.N / f
	req := bidRequest{Job: job, Features: f, Stride: f, People: len(people), PublicKey: keys.PublicKey()}
	for lo := 0; lo < len(people); lo += per {
		hi := min(lo+per, len(people))
		v := make([]int64, (hi-lo)*f)
		for p := lo; p < hi; p++ {
			if len(people[p].Features) != f {
				return bidRequest{}, fmt.Errorf("%w: person %d has %d features, want %d", ErrConfig, p, len(people[p].Features), f)
			}
			for j, x := range people[p].Features {
				if x < 0 || x > MaxFeature {
					return bidRequest{}, fmt.Errorf("%w: features lie in 0..%d", ErrConfig, MaxFeature)
				}
				v[(p-lo)*f+j] = x
			}
		}
		ct, err := keys.Encrypt(v)
		if err != nil {
			return bidRequest{}, err
		}
		req.Ciphertexts = append(req.Ciphertexts, ct)
	}
	return req, nil
}

// DecryptBids reads each person's bid at coefficient p·stride of the answers.
func DecryptBids(keys *he.KeyPair, req bidRequest, cts [][]byte) ([]int64, error) {
	if len(cts) != len(req.Ciphertexts) {
		return nil, fmt.Errorf("%w: %d ciphertexts for %d", ErrProtocol, len(cts), len(req.Ciphertexts))
	}
	per := he.N / req.Stride
	out := make([]int64, 0, req.People)
	for k, ct := range cts {
		dec, err := keys.Decrypt(ct)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		for p := 0; p < per && len(out) < req.People; p++ {
			out = append(out, he.Signed(dec[p*req.Stride]))
		}
		_ = k
	}
	return out, nil
}

// Bidder is an advertiser's side: its private weights (bid per unit of each feature).
type Bidder struct {
	Weights  []int64
	Recorder Recorder
	Shop     string // the shop's partner id, for the audit log
}

// Recorder records one act (implemented by *audit.Recorder).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Handle answers the shop's bid request: bid = weights · features for every person,
// computed on the ciphertexts, sealed so that the shop reads the bids and nothing else.
// It records the act in the advertiser's audit log (no subject: it sees no one).
func (b *Bidder) Handle(ctx context.Context, step string, body []byte) ([]byte, error) {
	if step != StepBid {
		return nil, fmt.Errorf("%w: unknown step %q", ErrProtocol, step)
	}
	req, err := parseRequest(body)
	if err != nil {
		return nil, err
	}
	f := len(b.Weights)
	if req.Features != f || req.Stride != f || req.People < 1 || len(req.Ciphertexts) != (req.People+he.N/f-1)/(he.N/f) {
		return nil, fmt.Errorf("%w: %d features in %d ciphertexts for %d people; this bidder takes %d features", ErrProtocol,
			req.Features, len(req.Ciphertexts), req.People, f)
	}
	for _, w := range b.Weights {
		if w < 0 || w > MaxWeight {
			return nil, fmt.Errorf("%w: weights lie in 0..%d", ErrConfig, MaxWeight)
		}
	}
	ev, err := he.NewEvaluator(req.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	// P = Σ_f w_f X^(−f): coefficient p·f of m·P is Σ_f x_p,f w_f for every person p
	// packed at p·f (other people's features land only on other coefficients, which Seal
	// masks: the wrap-around of person 0's terms reaches N−f+1..N−1, none a multiple of f).
	p, err := he.InnerPoly([][]int64{b.Weights}, f)
	if err != nil {
		return nil, err
	}
	out := bidReply{}
	for _, ct := range req.Ciphertexts {
		c, err := ev.Parse(ct)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		prod, err := ev.MulPoly(c, p)
		if err != nil {
			return nil, err
		}
		sealed, _, err := ev.Seal(prod, func(k int) bool { return k%f == 0 }, nil)
		if err != nil {
			return nil, err
		}
		out.Ciphertexts = append(out.Ciphertexts, sealed)
	}
	if b.Recorder != nil {
		if err := b.Recorder.Record(ctx, audit.Event{Act: audit.ActBidRanking, Actor: "system", Purpose: Purpose, Recipient: b.Shop,
			Detail: map[string]string{"job": req.Job, "people": strconv.Itoa(req.People), "role": "advertiser"}}); err != nil {
			return nil, err
		}
	}
	return out.marshal(), nil
}
