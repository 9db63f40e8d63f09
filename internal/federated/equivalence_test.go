package federated_test

import (
	"context"
	"math"
	"testing"

	"github.com/stewardhq/steward/internal/datasets"
	"github.com/stewardhq/steward/internal/federated"
	"github.com/stewardhq/steward/internal/server/partnerlink/linktest"
)

// TestVerticalMatchesPlaintext runs the encrypted protocol in one process (the
// cross-process run is TestVerticalBetweenProcesses) and checks that the guest's part
// is the plaintext model's over all 30 features in the same row order, to fixed-point
// precision: the encryption changes nothing but the cost.
func TestVerticalMatchesPlaintext(t *testing.T) {
	ctx := context.Background()
	g := loadGuest(t)
	d, err := datasets.LoadBreastCancer()
	if err != nil {
		t.Fatal(err)
	}
	log, err := linktest.OpenAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	hx := make([][]float64, len(d.X))
	for i, r := range d.X {
		hx[i] = r[guestCols:]
	}
	hx = federated.FitScaler(hx).Apply(hx)
	host, err := federated.NewHost(federated.Party{IDs: bcIDs(len(hx)), X: hx, Domain: domain(t), Purpose: flPurpose, Recorder: log.Recorder})
	if err != nil {
		t.Fatal(err)
	}
	guest := &federated.Guest{Party: federated.Party{IDs: g.trainIDs, X: g.xtr, Domain: domain(t), Purpose: flPurpose, Recorder: log.Recorder},
		Call: federated.Call(host.Handle)}
	tr := federated.DefaultTraining
	tr.Epochs = 5
	m, err := guest.Train(ctx, "eq", g.ytr, tr)
	if err != nil {
		t.Fatal(err)
	}
	// The same rows in the same (the guest's) order, all features side by side.
	idx := map[string]int{}
	for i, id := range bcIDs(len(hx)) {
		idx[id] = i
	}
	all := make([][]float64, len(g.trainIDs))
	for n, id := range g.trainIDs {
		all[n] = append(append([]float64{}, g.xtr[n]...), hx[idx[id]]...)
	}
	ref, err := federated.TrainPlain(all, g.ytr, tr)
	if err != nil {
		t.Fatal(err)
	}
	hm, ok := host.Model("eq")
	if !ok {
		t.Fatal("host kept no model")
	}
	worst := math.Abs(m.Part.Intercept - ref.Intercept)
	for j := range m.Part.Weights {
		worst = max(worst, math.Abs(m.Part.Weights[j]-ref.Weights[j]))
	}
	for j := range hm.Weights {
		worst = max(worst, math.Abs(hm.Weights[j]-ref.Weights[guestCols+j]))
	}
	t.Logf("largest weight difference from plaintext: %.2g", worst)
	if worst > 1e-4 {
		t.Fatalf("encrypted and plaintext models differ by %g", worst)
	}
}
