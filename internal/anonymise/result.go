package anonymise

import (
	"context"
	"time"
)

// Result is one transformation of the table: the levels chosen for each quasi-identifier
// and what they cost.
type Result struct {
	QuasiIdentifiers []string
	Levels           []int // per quasi-identifier, in Config order
	Metric           Metric
	Loss             float64 // under Metric, the failing classes suppressed
	Feasible         bool    // every model holds within the suppression limit
	Suppressed       int     // records in classes that fail a model, suppressed on output
	Classes          int     // equivalence classes released
	NodesChecked     int     // nodes the search grouped the data for
	Nodes            int     // nodes in the lattice
	Elapsed          time.Duration

	e    *Engine
	node int32
}

func (s *searcher) result() (*Result, error) {
	if s.best < 0 {
		return nil, s.e.unsatisfiable()
	}
	r := s.resultFor(s.best, s.evals[s.best])
	return r, nil
}

func (s *searcher) resultFor(id int32, ev *eval) *Result {
	r := &Result{
		QuasiIdentifiers: append([]string(nil), s.e.cfg.QuasiIdentifiers...),
		Levels:           s.lat.ints(id),
		Metric:           s.metric,
		Feasible:         ev.ok,
		Loss:             ev.loss,
		Suppressed:       ev.suppressed,
		Classes:          ev.classes,
		NodesChecked:     s.checked,
		Nodes:            s.lat.size,
		Elapsed:          time.Since(s.start),
		e:                s.e,
		node:             id,
	}
	return r
}

// unsatisfiable names the models that cannot be met: each model that fails on its own,
// or all of them together.
func (e *Engine) unsatisfiable() error {
	type part struct {
		name string
		cfg  Config
	}
	base := e.cfg
	base.LDiversity, base.TCloseness = nil, nil
	var parts []part
	if e.cfg.K > 1 || (e.cfg.LDiversity == nil && e.cfg.TCloseness == nil) {
		parts = append(parts, part{e.cfg.models()[0], base})
	}
	base.K = 1
	if e.cfg.LDiversity != nil {
		c := base
		c.LDiversity = e.cfg.LDiversity
		parts = append(parts, part{c.models()[1], c})
	}
	if e.cfg.TCloseness != nil {
		c := base
		c.TCloseness = e.cfg.TCloseness
		parts = append(parts, part{c.models()[1], c})
	}
	err := &UnsatisfiableError{Suppression: e.cfg.Suppression}
	if len(parts) > 1 {
		for _, p := range parts {
			sub := *e
			sub.cfg = p.cfg
			if s, serr := sub.search(context.Background()); serr == nil {
				if s.best < 0 {
					err.Models = append(err.Models, p.name)
				}
				s.release()
			}
		}
	}
	if len(err.Models) == 0 {
		err.Together = len(parts) > 1
		for _, p := range parts {
			err.Models = append(err.Models, p.name)
		}
	}
	return err
}
