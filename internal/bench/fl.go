package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/stewardhq/steward/internal/cleanroom"
	"github.com/stewardhq/steward/internal/datasets"
	"github.com/stewardhq/steward/internal/federated"
	"github.com/stewardhq/steward/internal/partner"
)

// benchFl runs issue 23's vertical federated logistic regression on the Wisconsin breast
// cancer data (the guest: the label and the 10 mean features of 70% of the people; the
// host: the other 20 features of everyone), both parties in this process, every message
// over TCP loopback and signed (partnerlink). It times encrypted epochs and, in the same
// run, epochs of the same protocol with every intermediate in the clear (FATE's
// "plaintext mode", what its ~7.5x Paillier overhead is measured against), alternating
// the two so a change of load hits both; then scores the held-out 30% with the joint
// model and with a model trained on the guest's features alone.
func benchFl(ctx context.Context, e Env, args []string) error {
	fs := newFlags(e, "bench fl", "bench fl [--epochs N] [--seed N]")
	epochs := fs.Int("epochs", federated.DefaultTraining.Epochs, "epochs of each mode (the AUC is the encrypted model's after them)")
	seed := fs.Uint64("seed", 2, "seed of the 70/30 split")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *epochs < 1 || *epochs > 1000 {
		return fmt.Errorf("%w: epochs in 1..1000", ErrUsage)
	}
	d, err := datasets.LoadBreastCancer()
	if err != nil {
		return fmt.Errorf("bench fl: %w", err)
	}
	fmt.Fprintf(e.Stdout, "machine: %s/%s, %d CPUs, %s; guest and host in this process over TCP loopback, signed calls\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	ids := make([]string, len(d.X))
	for i := range ids {
		ids[i] = fmt.Sprintf("bc-%03d", i)
	}
	perm := rand.New(rand.NewPCG(*seed, 0)).Perm(len(d.X))
	ntr := len(d.X) * 7 / 10
	var gtr, gte [][]float64
	var ytr, yte []int
	var trIDs, teIDs []string
	for n, i := range perm {
		if n < ntr {
			gtr, ytr, trIDs = append(gtr, d.X[i][:10]), append(ytr, d.Y[i]), append(trIDs, ids[i])
		} else {
			gte, yte, teIDs = append(gte, d.X[i][:10]), append(yte, d.Y[i]), append(teIDs, ids[i])
		}
	}
	gs := federated.FitScaler(gtr)
	gtr, gte = gs.Apply(gtr), gs.Apply(gte)
	hx := make([][]float64, len(d.X))
	for i, r := range d.X {
		hx[i] = r[10:]
	}
	hx = federated.FitScaler(hx).Apply(hx)
	dom, err := cleanroom.NewDomain("bench-fl")
	if err != nil {
		return err
	}
	rec := &audience{}
	host, err := federated.NewHost(federated.Party{IDs: ids, X: hx, Domain: dom, Purpose: "analytics.reporting", Partner: "guest", Recorder: rec})
	if err != nil {
		return err
	}
	host.AllowPlaintext = true
	gid, err := partner.GenerateIdentity(nil)
	if err != nil {
		return err
	}
	client, stop, err := linkServer(gid, "/partner/fl/", func(ctx context.Context, _ partner.Peer, step string, body []byte) ([]byte, error) {
		return host.Handle(ctx, step, body)
	})
	if err != nil {
		return err
	}
	defer stop()
	guest := &federated.Guest{Party: federated.Party{IDs: trIDs, X: gtr, Domain: dom, Purpose: "analytics.reporting", Partner: "host", Recorder: rec},
		Call: client.Call}
	t := federated.DefaultTraining
	t.Epochs = *epochs

	encEpoch, encModel, encFinish, err := guest.Epochs(ctx, "bench-enc", ytr, t, false)
	if err != nil {
		return err
	}
	plainEpoch, _, plainFinish, err := guest.Epochs(ctx, "bench-plain", ytr, t, true)
	if err != nil {
		return err
	}
	var enc, plain, encCPU, plainCPU []float64
	timed := func(fn func() error) (float64, float64, error) {
		c0, t0 := processCPU(), time.Now()
		err := fn()
		return time.Since(t0).Seconds(), (processCPU() - c0).Seconds(), err
	}
	for ep := 1; ep <= *epochs; ep++ {
		w, c, err := timed(encEpoch)
		if err != nil {
			return err
		}
		enc, encCPU = append(enc, w), append(encCPU, c)
		pw, pc, err := timed(plainEpoch)
		if err != nil {
			return err
		}
		plain, plainCPU = append(plain, pw), append(plainCPU, pc)
		if ep == 1 || ep%10 == 0 || ep == *epochs {
			fmt.Fprintf(e.Stdout, "epoch %d: encrypted %.3f s (CPU %.3f s), plaintext %.4f s (CPU %.4f s)\n", ep, w, c, pw, pc)
		}
	}
	if err := encFinish(); err != nil {
		return err
	}
	if err := plainFinish(); err != nil {
		return err
	}
	m := federated.GuestModel{Job: "bench-enc", Part: encModel(), Rows: ntr}
	scorer := &federated.Guest{Party: federated.Party{IDs: teIDs, X: gte, Domain: dom, Purpose: "analytics.reporting", Partner: "host", Recorder: rec},
		Call: client.Call}
	sids, logits, err := scorer.Score(ctx, m, "bench-score")
	if err != nil {
		return err
	}
	label := map[string]int{}
	for i, id := range teIDs {
		label[id] = yte[i]
	}
	ys := make([]int, len(sids))
	for i, id := range sids {
		ys[i] = label[id]
	}
	auc := federated.AUC(logits, ys)
	only, err := federated.TrainPlain(gtr, ytr, t)
	if err != nil {
		return err
	}
	os := make([]float64, len(gte))
	for i, r := range gte {
		os[i] = only.Logit(r)
	}
	onlyAUC := federated.AUC(os, yte)
	s, p := median(enc), median(plain)
	fmt.Fprintf(e.Stdout, "%d people trained (%d batches of ≤%d per epoch), %d held out; median CPU per epoch: encrypted %.3f s, plaintext %.4f s (%.1fx)\n",
		ntr, (ntr+t.Batch-1)/t.Batch, t.Batch, len(sids), median(encCPU), median(plainCPU), median(encCPU)/median(plainCPU))
	fmt.Fprintf(e.Stdout, "fl: %.3f s/epoch (%.1fx plaintext) auc=%.4f guest_only_auc=%.4f\n", s, s/p, auc, onlyAUC)
	return nil
}
