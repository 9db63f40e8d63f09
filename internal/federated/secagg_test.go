package federated_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/datasets"
	"github.com/stewardhq/steward/internal/federated"
	"github.com/stewardhq/steward/internal/partner"
	"github.com/stewardhq/steward/internal/server/partnerlink"
	"github.com/stewardhq/steward/internal/server/partnerlink/linktest"
)

const (
	aggPrefix = "/partner/fl/"
	sumLength = 1000
)

// partyVector is party name's input of the exact-sum test, derived from its name so the
// test can compute the expected sum without the parties telling it.
func partyVector(name string) []int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(h.Sum64(), 7))
	x := make([]int64, sumLength)
	for i := range x {
		x[i] = r.Int64N(1<<41) - 1<<40
	}
	return x
}

// runParty is a party process: it calls the aggregator at STEWARD_FL_AGG.
func runParty(ctx context.Context, e linktest.Env) (any, error) {
	c, err := e.Client("aggregator", e.Get("STEWARD_FL_AGG"), aggPrefix)
	if err != nil {
		return nil, err
	}
	self := e.Get("STEWARD_FL_SELF")
	roster := strings.Split(e.Get("STEWARD_FL_ROSTER"), ",")
	drop := e.Get("STEWARD_FL_DROP") == "1"
	switch e.Get("STEWARD_FL_TASK") {
	case "sum":
		cl, err := federated.NewClient(federated.Round{ID: "sum-1", Parties: roster, Length: sumLength}, self)
		if err != nil {
			return nil, err
		}
		after := ""
		if drop {
			after = federated.StepShare
		}
		res, err := cl.Run(ctx, c.Call, partyVector(self), after)
		if drop {
			os.Exit(3) // gone, as a party that loses its connection mid-round
		}
		return res, err
	case "train":
		k, _ := strconv.Atoi(e.Get("STEWARD_FL_SHARD"))
		ids, x, y, err := shard(k, len(roster))
		if err != nil {
			return nil, err
		}
		p := &federated.HorizontalParty{Self: self, Roster: roster, IDs: ids, X: federated.FitScaler(x).Apply(x), Y: y,
			Purpose: flPurpose, Partner: "aggregator", Recorder: e.Audit.Recorder, Call: c.Call}
		if drop {
			p.DropAfter = func(r int) string {
				if r == 3 {
					return federated.StepShare
				}
				return ""
			}
		}
		return p.Train(ctx, "prop-1", horizontalRun)
	}
	return nil, fmt.Errorf("unknown task")
}

var horizontalRun = federated.Horizontal{Rounds: 8, Local: federated.Training{Epochs: 2, Batch: 32, LearningRate: 0.1, L2: 0.001}}

// shard returns party k of n's rows of the training 70% (all 30 features, the label).
func shard(k, n int) ([]string, [][]float64, []int, error) {
	d, err := datasets.LoadBreastCancer()
	if err != nil {
		return nil, nil, nil, err
	}
	perm := rand.New(rand.NewPCG(splitSeed, 0)).Perm(len(d.X))
	ntr := int(float64(len(d.X)) * trainShare)
	var ids []string
	var x [][]float64
	var y []int
	for n2, i := range perm[:ntr] {
		if n2%n == k {
			ids, x, y = append(ids, fmt.Sprintf("bc-%03d", i)), append(x, d.X[i]), append(y, d.Y[i])
		}
	}
	return ids, x, y, nil
}

// aggregator serves a coordinator on loopback for the parties named in keys.
func aggregator(t *testing.T, coord *federated.Coordinator, keys map[string]ed25519.PublicKey) (*partner.Identity, string) {
	t.Helper()
	id := linktest.NewIdentity(t)
	v, err := partnerlink.NewVerifier(id.PublicKey(), partnerlink.NewPeers(keys))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: partnerlink.Handler(aggPrefix, partner.NewSigner(id, nil, nil), v, 1<<20,
		func(ctx context.Context, p partner.Peer, step string, body []byte) ([]byte, error) {
			return coord.Handle(ctx, p.ID, step, body)
		})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return id, "http://" + ln.Addr().String()
}

// parties spawns n party processes for task; the last one drops out if drop.
func parties(t *testing.T, n int, task string, drop bool, coord *federated.Coordinator) []*linktest.Proc {
	t.Helper()
	var roster []string
	ids := map[string]*partner.Identity{}
	keys := map[string]ed25519.PublicKey{}
	for i := range n {
		name := fmt.Sprintf("party-%d", i)
		roster = append(roster, name)
		ids[name] = linktest.NewIdentity(t)
		keys[name] = ids[name].PublicKey()
	}
	coord.Parties = roster
	aid, url := aggregator(t, coord, keys)
	var ps []*linktest.Proc
	for i, name := range roster {
		env := []string{"STEWARD_FL_AGG=" + url, "STEWARD_FL_SELF=" + name, "STEWARD_FL_ROSTER=" + strings.Join(roster, ","),
			"STEWARD_FL_TASK=" + task, "STEWARD_FL_SHARD=" + strconv.Itoa(i)}
		if drop && i == n-1 {
			env = append(env, "STEWARD_FL_DROP=1")
		}
		ps = append(ps, linktest.Spawn(t, "party", ids[name], map[string]ed25519.PublicKey{"aggregator": aid.PublicKey()}, false, env...))
	}
	return ps
}

func TestSecureAggregationExactWithDropout(t *testing.T) {
	ctx := context.Background()
	log, err := linktest.OpenAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	coord := &federated.Coordinator{Length: sumLength, Timeout: 3 * time.Second, Recorder: log.Recorder, Purpose: flPurpose}
	ps := parties(t, 5, "sum", true, coord)
	want := make([]int64, sumLength)
	for i := range 4 {
		for j, v := range partyVector(fmt.Sprintf("party-%d", i)) {
			want[j] += v
		}
	}
	for i, p := range ps[:4] {
		var res federated.Result
		p.Finish(t, &res)
		if len(res.Survivors) != 4 || res.Survivors[3] != "party-3" {
			t.Fatalf("party %d: survivors %v", i, res.Survivors)
		}
		for j := range want {
			if res.Sum[j] != want[j] {
				t.Fatalf("party %d: sum[%d] = %d, want %d", i, j, res.Sum[j], want[j])
			}
		}
	}
	if err := ps[4].Cmd.Wait(); err == nil {
		t.Fatal("the dropping party should have exited mid-round")
	}
	res, err := coord.Round("sum-1").Result(ctx)
	if err != nil || len(res.Sum) != sumLength || res.Sum[0] != want[0] {
		t.Fatalf("aggregator's result: %v", err)
	}
	// The aggregator recorded the round (no people: it saw none).
	deadline := time.Now().Add(5 * time.Second)
	for {
		ls, _ := log.Leaves(ctx)
		if linktest.Acts(ls)[audit.ActFederatedTraining] == 1 {
			if ls[0].Detail["survivors"] != "4" || ls[0].Subject != "" {
				t.Fatalf("aggregator leaf %+v", ls[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("aggregator recorded %v", linktest.Acts(ls))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestHorizontalTrainingBetweenProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("trains over several rounds")
	}
	ctx := context.Background()
	g := loadGuest(t) // for the held-out people's ids and labels
	d, err := datasets.LoadBreastCancer()
	if err != nil {
		t.Fatal(err)
	}
	log, err := linktest.OpenAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	// Four parties; the last drops out in round 3 and never comes back. Each round needs
	// three (⌊4/2⌋+1).
	coord := &federated.Coordinator{Length: 32, Timeout: 1500 * time.Millisecond, Recorder: log.Recorder, Purpose: flPurpose}
	ps := parties(t, 4, "train", true, coord)
	var models []federated.Model
	for i, p := range ps[:3] {
		var m federated.Model
		leaves := p.Finish(t, &m)
		if a := linktest.Acts(leaves); a[audit.ActFederatedTraining] != 1 {
			t.Fatalf("party %d audit %v", i, a)
		}
		models = append(models, m)
	}
	for j := range models[0].Weights {
		if models[1].Weights[j] != models[0].Weights[j] || models[2].Weights[j] != models[0].Weights[j] {
			t.Fatal("parties ended with different global models")
		}
	}
	// Held-out AUC with the global model, on features standardised like the parties'.
	var xtr, xte [][]float64
	var yte []int
	in := map[string]bool{}
	for _, id := range g.testIDs {
		in[id] = true
	}
	for i := range d.X {
		if in[fmt.Sprintf("bc-%03d", i)] {
			xte, yte = append(xte, d.X[i]), append(yte, d.Y[i])
		} else {
			xtr = append(xtr, d.X[i])
		}
	}
	s := federated.FitScaler(xtr)
	var sc []float64
	for _, r := range s.Apply(xte) {
		sc = append(sc, models[0].Logit(r))
	}
	auc := federated.AUC(sc, yte)
	t.Logf("horizontal, 3 of 4 parties to the end: held-out AUC %.4f", auc)
	if auc < 0.98 {
		t.Fatalf("AUC %.4f", auc)
	}
}
