package federated_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/cleanroom"
	"github.com/stewardhq/steward/internal/datasets"
	"github.com/stewardhq/steward/internal/federated"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/server/partnerlink/linktest"
)

// The split of the issue: the guest holds the label and the 10 mean features, the host
// the 20 others (standard errors and worst values); 70% of the people train, 30% are
// held out, chosen by a fixed seed.
const (
	splitSeed  = 2
	guestCols  = 10
	flPrefix   = "/partner/fl/"
	flPairing  = "pair-fl-test"
	flPurpose  = "analytics.reporting"
	trainShare = 0.7
)

func bcIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("bc-%03d", i)
	}
	return ids
}

func domain(t testing.TB) cleanroom.Domain {
	d, err := cleanroom.NewDomain(flPairing)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// runHost is the host process: all 569 people, features 10..29, standardised with its
// own statistics; it never sees a label.
func runHost(ctx context.Context, e linktest.Env) (any, error) {
	d, err := datasets.LoadBreastCancer()
	if err != nil {
		return nil, err
	}
	x := make([][]float64, len(d.X))
	for i, r := range d.X {
		x[i] = r[guestCols:]
	}
	dom, err := cleanroom.NewDomain(flPairing)
	if err != nil {
		return nil, err
	}
	h, err := federated.NewHost(federated.Party{IDs: bcIDs(len(x)), X: federated.FitScaler(x).Apply(x), Domain: dom,
		Purpose: flPurpose, Partner: "guest", Recorder: e.Audit.Recorder})
	if err != nil {
		return nil, err
	}
	return nil, e.Serve(flPrefix, func(ctx context.Context, _ partner.Peer, step string, body []byte) ([]byte, error) {
		return h.Handle(ctx, step, body)
	})
}

// guestData is the guest's side of the split: train and test rows of its 10 columns,
// standardised with its training statistics, ids and labels.
type guestData struct {
	trainIDs, testIDs []string
	xtr, xte          [][]float64
	ytr, yte          []int
	labels            map[string]int
}

func loadGuest(t testing.TB) guestData {
	d, err := datasets.LoadBreastCancer()
	if errors.Is(err, datasets.ErrMissing) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ids := bcIDs(len(d.X))
	perm := rand.New(rand.NewPCG(splitSeed, 0)).Perm(len(d.X))
	ntr := int(float64(len(d.X)) * trainShare)
	g := guestData{labels: map[string]int{}}
	for n, i := range perm {
		if n < ntr {
			g.trainIDs, g.xtr, g.ytr = append(g.trainIDs, ids[i]), append(g.xtr, d.X[i][:guestCols]), append(g.ytr, d.Y[i])
		} else {
			g.testIDs, g.xte, g.yte = append(g.testIDs, ids[i]), append(g.xte, d.X[i][:guestCols]), append(g.yte, d.Y[i])
		}
		g.labels[ids[i]] = d.Y[i]
	}
	s := federated.FitScaler(g.xtr)
	g.xtr, g.xte = s.Apply(g.xtr), s.Apply(g.xte)
	return g
}

func TestVerticalBetweenProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains over HE for several seconds")
	}
	ctx := context.Background()
	g := loadGuest(t)
	gid, hid := linktest.NewIdentity(t), linktest.NewIdentity(t)
	host := linktest.Spawn(t, "host", hid, map[string]ed25519.PublicKey{"guest": gid.PublicKey()}, true)
	log, err := linktest.OpenAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	call := host.Client(t, gid, hid.PublicKey(), flPrefix).Call

	tr := federated.DefaultTraining
	guest := &federated.Guest{Party: federated.Party{IDs: g.trainIDs, X: g.xtr, Domain: domain(t), Purpose: flPurpose,
		Partner: "host", Recorder: log.Recorder}, Call: call}
	m, err := guest.Train(ctx, "job-1", g.ytr, tr)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != len(g.trainIDs) {
		t.Fatalf("trained on %d rows, want the whole intersection %d", m.Rows, len(g.trainIDs))
	}
	scorer := &federated.Guest{Party: federated.Party{IDs: g.testIDs, X: g.xte, Domain: domain(t), Purpose: flPurpose,
		Partner: "host", Recorder: log.Recorder}, Call: call}
	ids, logits, err := scorer.Score(ctx, m, "score-1")
	if err != nil {
		t.Fatal(err)
	}
	y := make([]int, len(ids))
	for i, id := range ids {
		y[i] = g.labels[id]
	}
	auc := federated.AUC(logits, y)

	only, err := federated.TrainPlain(g.xtr, g.ytr, tr)
	if err != nil {
		t.Fatal(err)
	}
	var only2 []float64
	for _, r := range g.xte {
		only2 = append(only2, only.Logit(r))
	}
	onlyAUC := federated.AUC(only2, g.yte)
	t.Logf("held-out AUC: joint %.4f, guest only %.4f (%d scored)", auc, onlyAUC, len(ids))
	if len(ids) != len(g.testIDs) {
		t.Fatalf("scored %d of %d", len(ids), len(g.testIDs))
	}
	if auc < 0.99 || auc <= onlyAUC {
		t.Fatalf("joint AUC %.4f: want ≥ 0.99 and above the guest-only %.4f", auc, onlyAUC)
	}

	// A forged call (another key) is refused by the host's edge.
	if _, err := host.Client(t, linktest.NewIdentity(t), hid.PublicKey(), flPrefix).Call(ctx, federated.StepScore, []byte(`{"job":"job-1"}`)); err == nil ||
		!strings.Contains(err.Error(), "401") {
		t.Fatalf("stranger's call: %v", err)
	}
	// Bad input is a clear 4xx, and the host keeps serving.
	if _, err := call(ctx, federated.StepForward, []byte(`{"job":`)); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("garbage: %v", err)
	}

	// Each side recorded its own acts: training and scoring, one audience leaf each.
	hostActs := linktest.Acts(host.Finish(t, nil))
	guestLeaves, err := log.Leaves(ctx)
	if err != nil {
		t.Fatal(err)
	}
	guestActs := linktest.Acts(guestLeaves)
	for side, a := range map[string]map[audit.Act]int{"host": hostActs, "guest": guestActs} {
		if a[audit.ActFederatedTraining] != 1 || a[audit.ActFederatedScoring] != 1 {
			t.Errorf("%s audit acts %v: want one training and one scoring", side, a)
		}
	}

}
