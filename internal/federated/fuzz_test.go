package federated_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/federated"
	"github.com/stewardhq/steward/internal/he"
)

type nopRecorder struct{}

func (nopRecorder) RecordAudience(context.Context, audit.Event, []string) (uint64, error) {
	return 0, nil
}

// FuzzHostHandle feeds the host every step with arbitrary bodies: each is refused with a
// classified error (the edge answers 400), never a panic.
func FuzzHostHandle(f *testing.F) {
	for _, s := range []string{federated.StepAlign, federated.StepStart, federated.StepForward, federated.StepBackward,
		federated.StepFinish, federated.StepScore, "nope"} {
		f.Add(s, []byte(`{"job":"j","blinded":"AAAA","order":[0],"step":0,"rows":1,"resid":"AAAA"}`))
	}
	f.Add(federated.StepAlign, []byte(`{"job":"j","phase":"train","blinded":"`+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="+`"}`))
	h, err := federated.NewHost(federated.Party{IDs: []string{"a", "b"}, X: [][]float64{{1}, {2}}, Domain: domain(f),
		Purpose: "analytics.reporting", Recorder: nopRecorder{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, step string, body []byte) {
		_, err := h.Handle(context.Background(), step, body)
		if err != nil && !errors.Is(err, federated.ErrProtocol) && !errors.Is(err, federated.ErrConfig) && !errors.Is(err, he.ErrMalformed) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
