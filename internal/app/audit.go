package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/server"
)

// auditor appends processing acts to the ledger and answers the audit API.
type auditor struct {
	st       audit.Store
	app      *audit.Appender
	cp       *audit.Checkpointer
	verifier note.Verifier
	pseud    *audit.Pseudonymizer
}

// openAudit opens the ledger over the store with the signing key in DIR/keys/.
func (a *App) openAudit() error {
	st, ok := a.Store.(audit.Store)
	if !ok {
		return errors.New("open audit: this store does not keep an audit log")
	}
	signer, verifier, err := audit.LoadOrGenerateKeys(a.Config.DataDir, audit.DefaultOrigin)
	if err != nil {
		return fmt.Errorf("open audit: %w", err)
	}
	// The pseudonym key derives from the index secret: the same person gets the same
	// pseudonym across acts, and nobody without the keyring can link one to a person.
	mac := hmac.New(sha256.New, a.Keyring.IndexSecret())
	mac.Write([]byte("steward/audit-pseudonym"))
	a.audit = &auditor{st: st, app: audit.NewAppender(st), cp: &audit.Checkpointer{St: st, Origin: audit.DefaultOrigin, Signer: signer},
		verifier: verifier, pseud: audit.NewPseudonymizer(mac.Sum(nil))}
	return nil
}

// Record appends one processing act and returns once it is durable. subjectID is
// pseudonymised here; "" for acts about no one (a manifest change).
func (a *App) Record(ctx context.Context, act audit.Act, subjectID, actor, purpose, basis string, detail map[string]string) error {
	if _, err := a.audit.app.Append(ctx, a.leaf(act, subjectID, actor, purpose, basis, detail)); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// leaf builds the ledger entry for one processing act, the subject pseudonymised.
func (a *App) leaf(act audit.Act, subjectID, actor, purpose, basis string, detail map[string]string) audit.Leaf {
	l := audit.Leaf{Time: time.Now().UTC(), Act: act, Actor: actor, Purpose: purpose, LegalBasis: basis, Detail: detail,
		Categories: a.purposeCategories(purpose)}
	if subjectID != "" {
		l.Subject = a.audit.pseud.Pseudonym(subjectID)
	}
	return l
}

// auditAPI implements server.Audit.
type auditAPI struct{ a *App }

func checkpointJSON(msg []byte, v note.Verifier) (map[string]any, error) {
	c, err := audit.Open(msg, v)
	if err != nil {
		return nil, err
	}
	return map[string]any{"note": string(msg), "origin": c.Origin, "size": c.Size, "root": base64.StdEncoding.EncodeToString(c.Root),
		"verifier_key": v.Name()}, nil
}

func (x auditAPI) Checkpoint(ctx context.Context) (any, error) {
	au := x.a.audit
	msg, err := au.st.LatestCheckpoint(ctx)
	if err != nil || len(msg) == 0 {
		if msg, err = au.cp.Fresh(ctx); err != nil {
			return nil, err
		}
	}
	return checkpointJSON(msg, au.verifier)
}

func (x auditAPI) MakeCheckpoint(ctx context.Context) (any, error) {
	msg, err := x.a.audit.cp.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	return checkpointJSON(msg, x.a.audit.verifier)
}

func (x auditAPI) Leaf(ctx context.Context, index uint64) (any, error) {
	n, err := x.a.audit.st.Size(ctx)
	if err != nil {
		return nil, err
	}
	if index >= n {
		return nil, server.Errorf(404, server.CodeNotFound, "the log has %d leaves", n)
	}
	leaves, hashes, err := x.a.audit.st.ReadLeaves(ctx, index, index+1)
	if err != nil {
		return nil, err
	}
	return map[string]any{"index": index, "leaf": string(leaves[0]), "leaf_hash": base64.StdEncoding.EncodeToString(hashes[0])}, nil
}

func b64s(in [][]byte) []string {
	out := make([]string, len(in))
	for i, b := range in {
		out[i] = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

func (x auditAPI) size(ctx context.Context, want uint64) error {
	n, err := x.a.audit.st.Size(ctx)
	if err != nil {
		return err
	}
	if want > n {
		return server.Errorf(400, server.CodeBadRequest, "the log has %d leaves", n)
	}
	return nil
}

func (x auditAPI) Inclusion(ctx context.Context, index, size uint64) (any, error) {
	if err := x.size(ctx, size); err != nil {
		return nil, err
	}
	p, err := audit.InclusionProof(ctx, x.a.audit.st, index, size)
	if err != nil {
		return nil, err
	}
	return map[string]any{"index": index, "size": size, "proof": b64s(p)}, nil
}

func (x auditAPI) Consistency(ctx context.Context, old, new uint64) (any, error) {
	if err := x.size(ctx, new); err != nil {
		return nil, err
	}
	p, err := audit.ConsistencyProof(ctx, x.a.audit.st, old, new)
	if err != nil {
		return nil, err
	}
	return map[string]any{"old": old, "new": new, "proof": b64s(p)}, nil
}

// Report lists every act about the person with its inclusion proof against a signed
// checkpoint covering the whole log. The log is read once; the proofs come from those
// hashes. It scans for the person's pseudonym (linear in the log; an index by pseudonym
// is the next step when logs grow large).
func (x auditAPI) Report(ctx context.Context, subjectID, lang string) (any, error) {
	au := x.a.audit
	msg, err := au.cp.Fresh(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := checkpointJSON(msg, au.verifier)
	if err != nil {
		return nil, err
	}
	leaves, hashes, err := au.st.ReadLeaves(ctx, 0, cp["size"].(uint64))
	if err != nil {
		return nil, err
	}
	me := au.pseud.Pseudonym(subjectID)
	entries := []map[string]any{}
	for i, raw := range leaves {
		l, err := audit.ParseLeaf(raw)
		if err != nil || l.Subject != me {
			continue
		}
		p, err := audit.InclusionPath(hashes, uint64(i))
		if err != nil {
			return nil, err
		}
		entries = append(entries, map[string]any{"index": i, "leaf": string(raw), "time": l.Time, "act": l.Act, "actor": l.Actor,
			"purpose": l.Purpose, "legal_basis": l.LegalBasis, "recipient": l.Recipient, "detail": l.Detail, "proof": b64s(p)})
	}
	return map[string]any{"checkpoint": cp, "entries": entries}, nil
}

// OperatorSignIn implements server.Audit.
func (x auditAPI) OperatorSignIn(ctx context.Context, operatorID string) error {
	return x.a.Record(ctx, audit.ActOperatorSignin, "", operatorID, "", "", nil)
}

// AuditSize returns how many acts the log holds.
func (a *App) AuditSize(ctx context.Context) (uint64, error) { return a.audit.st.Size(ctx) }

// purposeCategories lists the data categories the manifest lets a purpose use: what an
// act for that purpose touches.
func (a *App) purposeCategories(purpose string) []string {
	return a.regime.Load().uses.categoriesOf[purpose]
}
