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
	f.Add(federated.StepAlign, frame(`{"job":"j","phase":"train","blinded":"`+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="+`"}`))
	f.Add(federated.StepStart, frame(`{"job":"j","order":[0],"training":{"epochs":1,"batch":1,"learning_rate":1}}`, make([]byte, 64)))
	f.Add(federated.StepForward, frame(`{"job":"j","step":0,"rows":1}`, nil))
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

// frame builds a message in the wire format: "STFL" 1, header length, header, raw parts.
func frame(header string, blobs ...[]byte) []byte {
	out := append([]byte("STFL\x01"), byte(len(header)>>24), byte(len(header)>>16), byte(len(header)>>8), byte(len(header)))
	out = append(out, header...)
	out = append(out, byte(len(blobs)))
	for _, b := range blobs {
		out = append(out, byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
		out = append(out, b...)
	}
	return out
}
