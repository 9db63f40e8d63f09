package bidding_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/bidding"
)

func FuzzBidRequest(f *testing.F) {
	f.Add([]byte("STBR\x01\x00\x00\x00\x2a{\"job\":\"j\",\"features\":2,\"stride\":2,\"people\":1}"))
	f.Add([]byte(`{"features":0}`))
	f.Add([]byte(`[`))
	b := &bidding.Bidder{Weights: []int64{1, 2}}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := b.Handle(context.Background(), bidding.StepBid, body)
		if err != nil && !errors.Is(err, bidding.ErrProtocol) && !errors.Is(err, bidding.ErrConfig) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
