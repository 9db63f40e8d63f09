package federated_test

// The parties of these tests run in separate processes (linktest): the test binary
// re-executes itself as the host of a vertical run or as a party of secure
// aggregation; every message between them goes over loopback HTTP, signed both ways
// with the partner identities (partnerlink).

import (
	"context"

	"testing"

	"github.com/stewardhq/steward/internal/server/partnerlink/linktest"
)

func TestMain(m *testing.M) {
	linktest.Main(m, map[string]func(ctx context.Context, e linktest.Env) (any, error){"host": runHost, "party": runParty})
}
