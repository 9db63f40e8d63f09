package compliance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/stewardhq/steward/internal/assessment"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/incident"
	"github.com/stewardhq/steward/internal/manifest"
	"github.com/stewardhq/steward/internal/retention"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/transfer"
)

// Format names the bundle format (the signed note's first line says it too).
const Format = "steward-compliance-bundle/v1"

// ActBundle is the processing act of making a bundle (it reads no personal data, but an
// auditor's copy of the evidence leaving the system is worth a line in the log).
const ActBundle audit.Act = "compliance_bundle"

// Store is what the bundle reads from the store: manifest versions, consent counts,
// rights requests, retention aggregates and the audit log.
type Store interface {
	store.Manifests
	ConsentCounts(ctx context.Context, from, to time.Time) ([]store.ConsentCount, error)
	ListRightsRequests(ctx context.Context, subjectID string) ([]store.RightsRequest, error)
	Aggregates(ctx context.Context) ([]store.Aggregate, error)
	audit.Store
}

// Config is what a Builder needs. Store, Signer and Verifier are required; a service left
// nil leaves its section empty.
type Config struct {
	Store     Store
	Retention interface{ Plan() retention.Plan }
	Transfers interface {
		Register(ctx context.Context, year int) (transfer.Register, error)
	}
	Assessments interface {
		List(ctx context.Context) ([]assessment.View, error)
	}
	Incidents interface {
		List(ctx context.Context) ([]incident.View, error)
	}
	// Checkpoint signs a checkpoint of the log as it is now (audit.Checkpointer.Fresh), so
	// the bundle's last checkpoint covers every act up to it; nil uses the stored ones.
	Checkpoint func(ctx context.Context) ([]byte, error)
	Signer     note.Signer
	// VerifierKey is the public key's text (DIR/keys/audit.pub: name+hash+key), put in the
	// bundle for the verifier and checked against Signer.
	VerifierKey string
	// Recorder, when set, records each bundle made.
	Recorder interface {
		Record(ctx context.Context, e audit.Event) error
	}
	// Renderer makes report.pdf; nil (or a failing renderer) leaves it out.
	Renderer Renderer
	Version  string
	Now      func() time.Time
	// MaxCheckpoints bounds the checkpoints carried (default 64): the first, the last and
	// evenly spaced ones between, each proved consistent with the next.
	MaxCheckpoints int
}

// Builder makes bundles.
type Builder struct {
	cfg      Config
	verifier note.Verifier
}

// New returns a Builder; the verifier key must parse and name the signer's key.
func New(cfg Config) (*Builder, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxCheckpoints < 2 {
		cfg.MaxCheckpoints = 64
	}
	if cfg.Store == nil || cfg.Signer == nil {
		return nil, errors.New("compliance: the store and the audit signing key are required")
	}
	v, err := note.NewVerifier(strings.TrimSpace(cfg.VerifierKey))
	if err != nil {
		return nil, fmt.Errorf("compliance: verifier key: %w", err)
	}
	if v.Name() != cfg.Signer.Name() || v.KeyHash() != cfg.Signer.KeyHash() {
		return nil, errors.New("compliance: the verifier key is not the signer's")
	}
	return &Builder{cfg: cfg, verifier: v}, nil
}

// Summary says what a bundle holds.
type Summary struct {
	GeneratedAt time.Time `json:"generated_at"`
	Files       []string  `json:"files"`
	Bytes       int       `json:"bytes"`
	PDF         bool      `json:"pdf"`
	PDFError    string    `json:"pdf_error,omitempty"`
	Checkpoints int       `json:"checkpoints"`
	LogSize     uint64    `json:"log_size"`
	Key         string    `json:"key"`
}

// Meta is bundle.json.
type Meta struct {
	Format         string    `json:"format"`
	GeneratedAt    time.Time `json:"generated_at"`
	StewardVersion string    `json:"steward_version"`
	ManifestSeq    int64     `json:"manifest_in_force"`
	ManifestHash   string    `json:"manifest_hash"`
	Controller     any       `json:"controller"`
	Home           string    `json:"home"`
	Key            string    `json:"key"`
	PDF            bool      `json:"pdf"`
	PDFNote        string    `json:"pdf_note,omitempty"`
}

// ManifestEntry is one version in manifests.json.
type ManifestEntry struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
	InForce   bool      `json:"in_force"`
	YAML      string    `json:"yaml"`
}

// Consent is consent.json.
type Consent struct {
	To       time.Time               `json:"to"`
	Purposes map[string]ConsentTotal `json:"purposes"`
	ByMonth  []ConsentMonth          `json:"by_month"`
}

// ConsentTotal is one purpose's grants and withdrawals.
type ConsentTotal struct {
	Granted   int64 `json:"granted"`
	Withdrawn int64 `json:"withdrawn"`
}

// ConsentMonth is one purpose's grants and withdrawals in a month.
type ConsentMonth struct {
	Month     string `json:"month"`
	Purpose   string `json:"purpose"`
	Granted   int64  `json:"granted"`
	Withdrawn int64  `json:"withdrawn"`
}

// Rights is rights.json: requests and their timeliness.
type Rights struct {
	Total        int                   `json:"total"`
	Closed       int                   `json:"closed"`
	ClosedOnTime int                   `json:"closed_on_time"`
	ClosedLate   int                   `json:"closed_late"`
	Open         int                   `json:"open"`
	OpenOverdue  int                   `json:"open_overdue"`
	MedianDays   float64               `json:"median_days_to_close"`
	ByType       map[string]RightsType `json:"by_type"`
	Requests     []RightsLine          `json:"requests"`
}

// RightsType is the timeliness of one kind of request.
type RightsType struct {
	Total        int `json:"total"`
	ClosedOnTime int `json:"closed_on_time"`
	ClosedLate   int `json:"closed_late"`
	OpenOverdue  int `json:"open_overdue"`
}

// RightsLine is one request, without who made it.
type RightsLine struct {
	ID           string     `json:"id"`
	Type         string     `json:"type"`
	Jurisdiction string     `json:"jurisdiction"`
	State        string     `json:"state"`
	Source       string     `json:"source"`
	ReceivedAt   time.Time  `json:"received_at"`
	DueAt        time.Time  `json:"due_at"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	OnTime       bool       `json:"on_time"`
	Days         float64    `json:"days"`
}

// Retention is retention.json.
type Retention struct {
	Plan       retention.Plan    `json:"plan"`
	Runs       []Run             `json:"runs"`
	Aggregates []store.Aggregate `json:"aggregates"`
}

// Run is one retention pass as the audit log records it.
type Run struct {
	Leaf   uint64            `json:"leaf"`
	At     time.Time         `json:"at"`
	Detail map[string]string `json:"detail"`
}

// Transfers is transfers.json: this year's register and last year's.
type Transfers struct {
	Years []transfer.Register `json:"years"`
}

// Audit is audit.json.
type Audit struct {
	Origin      string           `json:"origin"`
	Key         string           `json:"key"`
	Size        uint64           `json:"size"`
	Verified    *AuditVerified   `json:"verified,omitempty"`
	VerifyError string           `json:"verify_error,omitempty"`
	Checkpoints []CheckpointNote `json:"checkpoints"`
	Consistency []Consistency    `json:"consistency"`
	Acts        map[string]int   `json:"acts"`
	StoredNotes int              `json:"stored_checkpoints"`
}

// AuditVerified is what audit.Verify found when the bundle was made.
type AuditVerified struct {
	Leaves      uint64 `json:"leaves"`
	Checkpoints int    `json:"checkpoints"`
	Root        string `json:"root"`
}

// CheckpointNote is one signed checkpoint.
type CheckpointNote struct {
	Size uint64 `json:"size"`
	Root string `json:"root"`
	Note string `json:"note"`
}

// Consistency proves the tree of size Old is a prefix of the tree of size New.
type Consistency struct {
	Old   uint64   `json:"old"`
	New   uint64   `json:"new"`
	Proof []string `json:"proof"`
}

// contents is everything the report and the JSON files are made of.
type contents struct {
	Meta        Meta
	Manifests   []ManifestEntry
	Consent     Consent
	Rights      Rights
	Retention   Retention
	Transfers   Transfers
	Assessments []assessment.View
	Incidents   []incident.View
	Audit       Audit
}

// Build makes a bundle and writes the archive to w.
func (b *Builder) Build(ctx context.Context, w io.Writer) (Summary, error) {
	now := b.cfg.Now().UTC().Truncate(time.Second)
	c, err := b.collect(ctx, now)
	if err != nil {
		return Summary{}, fmt.Errorf("compliance bundle: %w", err)
	}
	html, err := renderReport(c)
	if err != nil {
		return Summary{}, fmt.Errorf("compliance bundle: report: %w", err)
	}
	sum := Summary{GeneratedAt: now, Checkpoints: len(c.Audit.Checkpoints), LogSize: c.Audit.Size, Key: b.verifier.Name()}
	var pdf []byte
	if b.cfg.Renderer != nil {
		if pdf, err = b.cfg.Renderer.PDF(ctx, html); err != nil {
			sum.PDFError, pdf = err.Error(), nil
		}
	} else {
		sum.PDFError = "no PDF renderer available"
	}
	c.Meta.PDF = pdf != nil
	c.Meta.PDFNote = sum.PDFError
	files := []file{}
	add := func(name string, v any) error {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("compliance bundle: %s: %w", name, err)
		}
		files = append(files, file{name, append(data, '\n')})
		return nil
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"bundle.json", c.Meta}, {"manifests.json", c.Manifests}, {"consent.json", c.Consent}, {"rights.json", c.Rights},
		{"retention.json", c.Retention}, {"transfers.json", c.Transfers}, {"assessments.json", c.Assessments},
		{"incidents.json", c.Incidents}, {"audit.json", c.Audit}} {
		if err := add(f.name, f.v); err != nil {
			return Summary{}, err
		}
	}
	files = append(files, file{"report.html", html})
	if pdf != nil {
		files = append(files, file{"report.pdf", pdf})
		sum.PDF = true
	}
	files = append(files, file{keyFile, []byte(b.key() + "\n")})
	sig, err := sign(files, now, b.cfg.Signer)
	if err != nil {
		return Summary{}, fmt.Errorf("compliance bundle: sign: %w", err)
	}
	files = append(files, file{sigFile, sig})
	var buf bytes.Buffer
	if _, err := writeArchive(&buf, files, now); err != nil {
		return Summary{}, fmt.Errorf("compliance bundle: %w", err)
	}
	for _, f := range files {
		sum.Files = append(sum.Files, f.name)
	}
	sum.Bytes = buf.Len()
	if b.cfg.Recorder != nil {
		if err := b.cfg.Recorder.Record(ctx, audit.Event{Act: ActBundle, Actor: "system", LegalBasis: "legal_obligation",
			Detail: map[string]string{"files": fmt.Sprint(len(files)), "bytes": fmt.Sprint(buf.Len()), "log_size": fmt.Sprint(c.Audit.Size)}}); err != nil {
			return Summary{}, err
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

func (b *Builder) collect(ctx context.Context, now time.Time) (contents, error) {
	var c contents
	st := b.cfg.Store
	c.Meta = Meta{Format: Format, GeneratedAt: now, StewardVersion: b.cfg.Version, Key: b.key()}
	// Manifest versions, each with its text.
	vs, err := st.ManifestVersions(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return c, err
	}
	c.Manifests = []ManifestEntry{}
	for i, v := range vs {
		full, err := st.ManifestVersion(ctx, v.Seq)
		if err != nil {
			return c, err
		}
		c.Manifests = append(c.Manifests, ManifestEntry{Seq: v.Seq, Hash: v.Hash, Actor: v.Actor, CreatedAt: v.CreatedAt, InForce: i == 0, YAML: string(full.YAML)})
		if i == 0 {
			c.Meta.ManifestSeq, c.Meta.ManifestHash = v.Seq, v.Hash
		}
	}
	// Consent: every grant and withdrawal ever recorded, per purpose and month.
	counts, err := st.ConsentCounts(ctx, time.Unix(0, 0).UTC(), now.Add(24*time.Hour))
	if err != nil {
		return c, err
	}
	c.Consent = Consent{To: now, Purposes: map[string]ConsentTotal{}, ByMonth: []ConsentMonth{}}
	months := map[[2]string]*ConsentMonth{}
	for _, cc := range counts {
		t := c.Consent.Purposes[cc.Purpose]
		t.Granted += cc.Granted
		t.Withdrawn += cc.Withdrawn
		c.Consent.Purposes[cc.Purpose] = t
		k := [2]string{cc.Day[:min(7, len(cc.Day))], cc.Purpose}
		if months[k] == nil {
			months[k] = &ConsentMonth{Month: k[0], Purpose: k[1]}
		}
		months[k].Granted += cc.Granted
		months[k].Withdrawn += cc.Withdrawn
	}
	for _, m := range months {
		c.Consent.ByMonth = append(c.Consent.ByMonth, *m)
	}
	sort.Slice(c.Consent.ByMonth, func(i, j int) bool {
		a, bb := c.Consent.ByMonth[i], c.Consent.ByMonth[j]
		return a.Month < bb.Month || (a.Month == bb.Month && a.Purpose < bb.Purpose)
	})
	// Rights requests and their timeliness.
	reqs, err := st.ListRightsRequests(ctx, "")
	if err != nil {
		return c, err
	}
	c.Rights = rightsOf(reqs, now)
	// Retention.
	c.Retention = Retention{Runs: []Run{}}
	if b.cfg.Retention != nil {
		c.Retention.Plan = b.cfg.Retention.Plan()
	}
	if c.Retention.Aggregates, err = st.Aggregates(ctx); err != nil {
		return c, err
	}
	if c.Retention.Aggregates == nil {
		c.Retention.Aggregates = []store.Aggregate{}
	}
	// Transfers: this year and last.
	c.Transfers = Transfers{Years: []transfer.Register{}}
	if b.cfg.Transfers != nil {
		cur, err := b.cfg.Transfers.Register(ctx, 0)
		if err != nil {
			return c, err
		}
		prev, err := b.cfg.Transfers.Register(ctx, cur.Year-1)
		if err != nil {
			return c, err
		}
		c.Transfers.Years = append(c.Transfers.Years, cur, prev)
		c.Meta.Home = cur.Home
	}
	c.Assessments = []assessment.View{}
	if b.cfg.Assessments != nil {
		if c.Assessments, err = b.cfg.Assessments.List(ctx); err != nil {
			return c, err
		}
	}
	c.Incidents = []incident.View{}
	if b.cfg.Incidents != nil {
		if c.Incidents, err = b.cfg.Incidents.List(ctx); err != nil {
			return c, err
		}
	}
	if c.Audit, err = b.audit(ctx, &c.Retention); err != nil {
		return c, err
	}
	if c.Manifests != nil && len(c.Manifests) > 0 {
		c.Meta.Controller = controllerOf(c.Manifests[0].YAML)
	}
	return c, nil
}

// rightsOf measures each request against its deadline: closed on time, closed late, open
// and overdue.
func rightsOf(reqs []store.RightsRequest, now time.Time) Rights {
	r := Rights{ByType: map[string]RightsType{}, Requests: []RightsLine{}}
	var durations []float64
	for _, q := range reqs {
		l := RightsLine{ID: q.ID, Type: q.Type, Jurisdiction: q.Jurisdiction, State: q.State, Source: q.Source, ReceivedAt: q.ReceivedAt, DueAt: q.DueAt}
		t := r.ByType[q.Type]
		t.Total++
		r.Total++
		closed := q.State == "done" || q.State == "refused"
		if closed {
			at := q.UpdatedAt
			l.ClosedAt = &at
			l.Days = at.Sub(q.ReceivedAt).Hours() / 24
			l.OnTime = !at.After(q.DueAt)
			durations = append(durations, l.Days)
			r.Closed++
			if l.OnTime {
				r.ClosedOnTime++
				t.ClosedOnTime++
			} else {
				r.ClosedLate++
				t.ClosedLate++
			}
		} else {
			r.Open++
			l.Days = now.Sub(q.ReceivedAt).Hours() / 24
			l.OnTime = !now.After(q.DueAt)
			if !l.OnTime {
				r.OpenOverdue++
				t.OpenOverdue++
			}
		}
		r.ByType[q.Type] = t
		r.Requests = append(r.Requests, l)
	}
	if len(durations) > 0 {
		slices.Sort(durations)
		mid := len(durations) / 2
		r.MedianDays = durations[mid]
		if len(durations)%2 == 0 {
			r.MedianDays = (durations[mid-1] + durations[mid]) / 2
		}
	}
	return r
}

// audit gathers the log's checkpoints, proves each consistent with the next, counts acts
// and picks out the retention passes.
func (b *Builder) audit(ctx context.Context, ret *Retention) (Audit, error) {
	st := b.cfg.Store
	a := Audit{Origin: audit.DefaultOrigin, Key: b.key(), Checkpoints: []CheckpointNote{}, Consistency: []Consistency{}, Acts: map[string]int{}}
	if b.cfg.Checkpoint != nil {
		if _, err := b.cfg.Checkpoint(ctx); err != nil {
			return a, err
		}
	}
	notes, err := st.Checkpoints(ctx)
	if err != nil {
		return a, err
	}
	a.StoredNotes = len(notes)
	bySize := map[uint64]CheckpointNote{}
	for _, n := range notes {
		cp, err := audit.Open(n, b.verifier)
		if err != nil {
			return a, fmt.Errorf("a stored checkpoint does not verify under the audit key: %w", err)
		}
		bySize[cp.Size] = CheckpointNote{Size: cp.Size, Root: base64.StdEncoding.EncodeToString(cp.Root), Note: string(n)}
	}
	sizes := make([]uint64, 0, len(bySize))
	for s := range bySize {
		sizes = append(sizes, s)
	}
	slices.Sort(sizes)
	for _, s := range pick(sizes, b.cfg.MaxCheckpoints) {
		a.Checkpoints = append(a.Checkpoints, bySize[s])
	}
	for i := 1; i < len(a.Checkpoints); i++ {
		old, cur := a.Checkpoints[i-1].Size, a.Checkpoints[i].Size
		p, err := audit.ConsistencyProof(ctx, st, old, cur)
		if err != nil {
			return a, err
		}
		proof := make([]string, len(p))
		for k, h := range p {
			proof[k] = base64.StdEncoding.EncodeToString(h)
		}
		a.Consistency = append(a.Consistency, Consistency{Old: old, New: cur, Proof: proof})
	}
	if a.Size, err = st.Size(ctx); err != nil {
		return a, err
	}
	if rep, err := audit.Verify(ctx, st, b.verifier, nil); err != nil {
		a.VerifyError = err.Error()
	} else {
		a.Verified = &AuditVerified{Leaves: rep.Leaves, Checkpoints: rep.Checkpoints, Root: base64.StdEncoding.EncodeToString(rep.Root)}
	}
	const chunk = 4096
	for from := uint64(0); from < a.Size; from += chunk {
		leaves, _, err := st.ReadLeaves(ctx, from, min(from+chunk, a.Size))
		if err != nil {
			return a, err
		}
		for i, raw := range leaves {
			l, err := audit.ParseLeaf(raw)
			if err != nil {
				continue
			}
			a.Acts[string(l.Act)]++
			if l.Act == retention.ActRetention {
				ret.Runs = append(ret.Runs, Run{Leaf: from + uint64(i), At: l.Time, Detail: l.Detail})
			}
		}
	}
	return a, nil
}

// pick keeps at most n of the sorted sizes: the first, the last and evenly spaced ones.
func pick(sizes []uint64, n int) []uint64 {
	if len(sizes) <= n {
		return sizes
	}
	out := make([]uint64, 0, n)
	for i := range n {
		s := sizes[i*(len(sizes)-1)/(n-1)]
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

// key is the verifier key text (name+hash+key).
func (b *Builder) key() string { return strings.TrimSpace(b.cfg.VerifierKey) }

// controllerOf reads who is responsible off the manifest in force.
func controllerOf(yaml string) any {
	m, err := manifest.Parse("manifest", []byte(yaml))
	if err != nil {
		return nil
	}
	return m.Controller
}
