package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Errors of the log's read API.
var (
	// ErrNoLeaf: the index is at or beyond the log's size.
	ErrNoLeaf = errors.New("audit: no such leaf")
	// ErrBeyondLog: a proof asked for a tree larger than the log.
	ErrBeyondLog = errors.New("audit: tree size beyond the log")
)

// Log is the ledger as operators and people read it: checkpoints, leaves, proofs and a
// person's transparency report.
type Log struct {
	st       Store
	cp       *Checkpointer
	verifier note.Verifier
	pseud    *Pseudonymizer
}

// NewLog returns the read side of the ledger.
func NewLog(st Store, cp *Checkpointer, v note.Verifier, p *Pseudonymizer) *Log {
	return &Log{st: st, cp: cp, verifier: v, pseud: p}
}

// CheckpointView is a signed checkpoint with its parsed fields.
type CheckpointView struct {
	Note        string `json:"note"`
	Origin      string `json:"origin"`
	Size        uint64 `json:"size"`
	Root        string `json:"root"`
	VerifierKey string `json:"verifier_key"`
}

func (g *Log) view(msg []byte) (CheckpointView, error) {
	c, err := Open(msg, g.verifier)
	if err != nil {
		return CheckpointView{}, err
	}
	return CheckpointView{Note: string(msg), Origin: c.Origin, Size: c.Size, Root: base64.StdEncoding.EncodeToString(c.Root),
		VerifierKey: g.verifier.Name()}, nil
}

// Latest returns the latest signed checkpoint, making one if none exists yet.
func (g *Log) Latest(ctx context.Context) (CheckpointView, error) {
	msg, err := g.st.LatestCheckpoint(ctx)
	if err != nil || len(msg) == 0 {
		if msg, err = g.cp.Fresh(ctx); err != nil {
			return CheckpointView{}, err
		}
	}
	return g.view(msg)
}

// Sign signs and stores a checkpoint of the log as it is now.
func (g *Log) Sign(ctx context.Context) (CheckpointView, error) {
	msg, err := g.cp.Checkpoint(ctx)
	if err != nil {
		return CheckpointView{}, err
	}
	return g.view(msg)
}

// LeafView is one stored leaf.
type LeafView struct {
	Index    uint64 `json:"index"`
	Leaf     string `json:"leaf"`
	LeafHash string `json:"leaf_hash"`
}

// Leaf returns one leaf.
func (g *Log) Leaf(ctx context.Context, index uint64) (LeafView, error) {
	n, err := g.st.Size(ctx)
	if err != nil {
		return LeafView{}, err
	}
	if index >= n {
		return LeafView{}, fmt.Errorf("%w: the log has %d leaves", ErrNoLeaf, n)
	}
	leaves, hashes, err := g.st.ReadLeaves(ctx, index, index+1)
	if err != nil {
		return LeafView{}, err
	}
	return LeafView{Index: index, Leaf: string(leaves[0]), LeafHash: base64.StdEncoding.EncodeToString(hashes[0])}, nil
}

func b64s(in [][]byte) []string {
	out := make([]string, len(in))
	for i, b := range in {
		out[i] = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

func (g *Log) within(ctx context.Context, size uint64) error {
	n, err := g.st.Size(ctx)
	if err != nil {
		return err
	}
	if size > n {
		return fmt.Errorf("%w: the log has %d leaves", ErrBeyondLog, n)
	}
	return nil
}

// InclusionView is an inclusion proof.
type InclusionView struct {
	Index uint64   `json:"index"`
	Size  uint64   `json:"size"`
	Proof []string `json:"proof"`
}

// Inclusion proves leaf index is in the tree of size.
func (g *Log) Inclusion(ctx context.Context, index, size uint64) (InclusionView, error) {
	if err := g.within(ctx, size); err != nil {
		return InclusionView{}, err
	}
	p, err := InclusionProof(ctx, g.st, index, size)
	if err != nil {
		return InclusionView{}, err
	}
	return InclusionView{Index: index, Size: size, Proof: b64s(p)}, nil
}

// ConsistencyView is a consistency proof.
type ConsistencyView struct {
	Old   uint64   `json:"old"`
	New   uint64   `json:"new"`
	Proof []string `json:"proof"`
}

// Consistency proves the tree of size old is a prefix of size new.
func (g *Log) Consistency(ctx context.Context, old, new uint64) (ConsistencyView, error) {
	if err := g.within(ctx, new); err != nil {
		return ConsistencyView{}, err
	}
	p, err := ConsistencyProof(ctx, g.st, old, new)
	if err != nil {
		return ConsistencyView{}, err
	}
	return ConsistencyView{Old: old, New: new, Proof: b64s(p)}, nil
}

// Size returns how many acts the log holds.
func (g *Log) Size(ctx context.Context) (uint64, error) { return g.st.Size(ctx) }

// TransparencyReport is every act about one person, each with its inclusion proof against a
// signed checkpoint covering the whole log.
type TransparencyReport struct {
	Checkpoint CheckpointView `json:"checkpoint"`
	Entries    []ReportEntry  `json:"entries"`
	// Uses groups the entries by act, purpose and day: "your profile was used for
	// recommendations on 3 Dec", however many times it was rebuilt that day.
	Uses []Use `json:"uses"`
}

// ReportEntry is one act about the person.
type ReportEntry struct {
	Index      uint64            `json:"index"`
	Leaf       string            `json:"leaf"`
	Time       time.Time         `json:"time"`
	Act        Act               `json:"act"`
	Actor      string            `json:"actor"`
	Purpose    string            `json:"purpose"`
	LegalBasis string            `json:"legal_basis"`
	Recipient  string            `json:"recipient"`
	Detail     map[string]string `json:"detail"`
	// Proof is the leaf's inclusion proof in the checkpoint's tree.
	Proof []string `json:"proof"`
	// Audience, for an act about many people at once, proves the person was among them.
	Audience *AudienceMembership `json:"audience,omitempty"`
}

// AudienceMembership proves one person is in an audience leaf's tree.
type AudienceMembership struct {
	Root      string   `json:"root"`
	Size      uint64   `json:"size"`
	Index     uint64   `json:"index"`
	Pseudonym string   `json:"pseudonym"`
	Proof     []string `json:"proof"`
}

// Use is a summary line of the report.
type Use struct {
	Act     Act      `json:"act"`
	Purpose string   `json:"purpose"`
	Day     string   `json:"day"`
	Leaves  []uint64 `json:"leaves"`
}

// Report builds a person's transparency report. The log is read once and the proofs come
// from those hashes; the person's own leaves are found by their pseudonym (a scan, linear in
// the log), the audiences they are in through the membership index.
func (g *Log) Report(ctx context.Context, subjectID string) (TransparencyReport, error) {
	msg, err := g.cp.Fresh(ctx)
	if err != nil {
		return TransparencyReport{}, err
	}
	cp, err := g.view(msg)
	if err != nil {
		return TransparencyReport{}, err
	}
	leaves, hashes, err := g.st.ReadLeaves(ctx, 0, cp.Size)
	if err != nil {
		return TransparencyReport{}, err
	}
	me := g.pseud.Pseudonym(subjectID)
	in := map[string]bool{}
	as, hasAudiences := g.st.(AudienceStore)
	if hasAudiences {
		roots, err := as.AudienceRoots(ctx, me)
		if err != nil {
			return TransparencyReport{}, err
		}
		for _, r := range roots {
			in[string(r)] = true
		}
	}
	rep := TransparencyReport{Checkpoint: cp, Entries: []ReportEntry{}, Uses: []Use{}}
	for i, raw := range leaves {
		l, err := ParseLeaf(raw)
		if err != nil {
			continue
		}
		var member *AudienceMembership
		if l.Subject != me {
			root, size, ok, err := audienceOf(l)
			if !ok || err != nil || !in[string(root)] {
				continue
			}
			ms, err := as.Audience(ctx, root)
			if err != nil {
				return TransparencyReport{}, err
			}
			if !bytes.Equal(AudienceRoot(ms), root) {
				continue // verify names this leaf; the report shows only what it can prove
			}
			at, p, err := AudienceProof(ms, me)
			if err != nil {
				continue
			}
			member = &AudienceMembership{Root: base64.StdEncoding.EncodeToString(root), Size: size, Index: at, Pseudonym: me, Proof: b64s(p)}
		}
		p, err := InclusionPath(hashes, uint64(i))
		if err != nil {
			return TransparencyReport{}, err
		}
		rep.Entries = append(rep.Entries, ReportEntry{Index: uint64(i), Leaf: string(raw), Time: l.Time, Act: l.Act, Actor: l.Actor,
			Purpose: l.Purpose, LegalBasis: l.LegalBasis, Recipient: l.Recipient, Detail: l.Detail, Proof: b64s(p), Audience: member})
	}
	rep.Uses = usesOf(rep.Entries)
	return rep, nil
}

// usesOf groups entries by act, purpose and UTC day (an act's own "day" detail wins: a
// day of profiling recorded after midnight still belongs to its day).
func usesOf(es []ReportEntry) []Use {
	type key struct {
		act          Act
		purpose, day string
	}
	idx := map[key]int{}
	var out []Use
	for _, e := range es {
		day := e.Detail["day"]
		if day == "" {
			day = e.Time.UTC().Format(time.DateOnly)
		}
		k := key{e.Act, e.Purpose, day}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Use{Act: e.Act, Purpose: e.Purpose, Day: day})
		}
		out[i].Leaves = append(out[i].Leaves, e.Index)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Day < out[b].Day })
	return out
}
