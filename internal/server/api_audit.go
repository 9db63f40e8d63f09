package server

import (
	"context"
	"net/http"
	"strconv"
)

// Audit is the tamper-evident ledger as the HTTP API sees it. The app implements it.
type Audit interface {
	// Checkpoint returns the latest signed checkpoint (making one if none exists yet).
	Checkpoint(ctx context.Context) (any, error)
	// MakeCheckpoint signs and stores a checkpoint of the log as it is now.
	MakeCheckpoint(ctx context.Context) (any, error)
	Leaf(ctx context.Context, index uint64) (any, error)
	Inclusion(ctx context.Context, index, size uint64) (any, error)
	Consistency(ctx context.Context, old, new uint64) (any, error)
	// OperatorSignIn records an operator opening the console.
	OperatorSignIn(ctx context.Context, operatorID string) error
	// Report is a person's transparency report: every processing act about them with its
	// inclusion proof against a signed checkpoint.
	Report(ctx context.Context, subjectID, lang string) (any, error)
}

func (s *Server) auditDoc(w http.ResponseWriter, f func(Audit) (any, error)) error {
	if s.cfg.Audit == nil {
		return Errorf(http.StatusServiceUnavailable, CodeUnavailable, "the audit ledger is not enabled on this server")
	}
	doc, err := f(s.cfg.Audit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func uintParam(r *http.Request, name string, fromPath bool) (uint64, error) {
	v := r.URL.Query().Get(name)
	if fromPath {
		v = r.PathValue(name)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, Errorf(http.StatusBadRequest, CodeBadRequest, "%s is a whole number", name)
	}
	return n, nil
}

func (s *Server) auditCheckpoint(w http.ResponseWriter, r *http.Request) error {
	return s.auditDoc(w, func(a Audit) (any, error) { return a.Checkpoint(r.Context()) })
}

func (s *Server) auditMakeCheckpoint(w http.ResponseWriter, r *http.Request) error {
	return s.auditDoc(w, func(a Audit) (any, error) { return a.MakeCheckpoint(r.Context()) })
}

func (s *Server) auditLeaf(w http.ResponseWriter, r *http.Request) error {
	i, err := uintParam(r, "index", true)
	if err != nil {
		return err
	}
	return s.auditDoc(w, func(a Audit) (any, error) { return a.Leaf(r.Context(), i) })
}

func (s *Server) auditInclusion(w http.ResponseWriter, r *http.Request) error {
	i, err := uintParam(r, "index", false)
	if err != nil {
		return err
	}
	n, err := uintParam(r, "size", false)
	if err != nil {
		return err
	}
	if i >= n {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "index must be below size")
	}
	return s.auditDoc(w, func(a Audit) (any, error) { return a.Inclusion(r.Context(), i, n) })
}

func (s *Server) auditConsistency(w http.ResponseWriter, r *http.Request) error {
	o, err := uintParam(r, "old", false)
	if err != nil {
		return err
	}
	n, err := uintParam(r, "new", false)
	if err != nil {
		return err
	}
	if o == 0 || o > n {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "0 < old <= new")
	}
	return s.auditDoc(w, func(a Audit) (any, error) { return a.Consistency(r.Context(), o, n) })
}

func (s *Server) meReport(w http.ResponseWriter, r *http.Request) error {
	return s.auditDoc(w, func(a Audit) (any, error) { return a.Report(r.Context(), subjectPrincipal(r).SubjectID, lang(r)) })
}
