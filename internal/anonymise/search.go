package anonymise

import (
	"context"
	"math"
	"slices"
	"time"
)

// Node flags.
const (
	fAnon    uint8 = 1 << iota // meets the search property (checked, or predicted from a node below)
	fNotAnon                   // fails it (checked, or predicted from a node above)
	fPruned                    // cannot beat the best found: its loss's lower bound is above it
	known    = fAnon | fNotAnon | fPruned
)

// maxSnapshots bounds the classes kept from checked nodes for rolling up later checks.
const maxSnapshots = 64

// eval is what one check learnt about a node.
type eval struct {
	core       bool    // k-anonymity and distinct l-diversity hold within the limit
	ok         bool    // every model holds within the limit
	suppressed int     // records in classes that fail a model
	classes    int     // classes that meet every model
	loss       float64 // the metric with those classes suppressed (always when ok)
	dmStar     float64 // Σ class size², a lower bound of discernibility here and above
}

type searcher struct {
	ctx    context.Context
	e      *Engine
	lat    *lattice
	m      *modelSet
	metric Metric
	limit  int // records that may be suppressed

	// fullProperty: the search property is every model (no suppression, or only
	// monotone models); otherwise it is the monotone core and phase 2 decides.
	fullProperty bool

	flags   []uint8
	rank    []int32 // node → position in Flash's order
	order   []int32 // nodes by level, then Flash's criteria
	g       *groupify
	base    *source
	snaps   []*source
	useSnp  bool // roll up from snapshots (Search); SearchAll groups every node from the tuples
	allLoss bool // evaluate the metric for failing nodes too (Evaluate)
	evals   map[int32]*eval
	lbs     []float64 // per node, the metric's static lower bound (suppression with precision, entropy, loss)
	dmPrune bool      // prune by Σ class size² (suppression with discernibility)
	heap    []int32
	succ    []int32
	stack   []int32
	pathBuf []int32

	checked  int
	best     int32
	bestLoss float64
	start    time.Time
}

func (e *Engine) newSearcher(ctx context.Context) *searcher {
	s := &searcher{
		ctx: ctx, e: e, lat: e.lat, m: e.models(), metric: e.cfg.Metric,
		limit: int(math.Floor(e.cfg.Suppression*float64(e.n) + 1e-9)),
		flags: make([]uint8, e.lat.size),
		g:     e.pool.Get().(*groupify),
		base:  e.base,
		order: e.flashOrder,
		rank:  e.flashRank,
		evals: make(map[int32]*eval),
		best:  -1,
		start: time.Now(),
	}
	s.fullProperty = s.limit == 0 || s.m.monotoneOnly()
	return s
}

// Search finds the globally optimal transformation: among all nodes of the lattice that
// meet every model within the suppression limit, one with the least loss under the
// configured metric (ties go to the lower node, then the lower node id). It fails with
// *UnsatisfiableError when there is none.
func (e *Engine) Search(ctx context.Context) (*Result, error) {
	s, err := e.search(ctx)
	if err != nil {
		return nil, err
	}
	defer s.release()
	return s.result()
}

// release returns the searcher's grouping buffers to the engine's pool.
func (s *searcher) release() {
	s.g.assign, s.g.noDense = nil, false
	s.e.pool.Put(s.g)
	s.g = nil
}

func (e *Engine) search(ctx context.Context) (*searcher, error) {
	s := e.newSearcher(ctx)
	s.useSnp = true
	err := s.flash()
	if err == nil && s.limit > 0 {
		err = s.phase2()
	}
	if err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

// SearchAll checks every node of the lattice from the distinct tuples, without tagging
// or roll-up: the brute-force baseline the search is measured and tested against.
func (e *Engine) SearchAll(ctx context.Context) (*Result, error) {
	s := e.newSearcher(ctx)
	defer s.release()
	for id := int32(0); id < int32(e.lat.size); id++ {
		ev, err := s.check(id)
		if err != nil {
			return nil, err
		}
		s.consider(id, ev)
	}
	return s.result()
}

// Evaluate applies the transformation with the given levels (one per quasi-identifier)
// and reports it whether or not it meets the models (Result.Feasible).
func (e *Engine) Evaluate(levels []int) (*Result, error) {
	if len(levels) != e.d {
		return nil, configErr("evaluate", "%d levels for %d quasi-identifiers", len(levels), e.d)
	}
	for c, l := range levels {
		if l < 0 || l > e.hier[c].Height() {
			return nil, configErr("evaluate", "level %d of %q is outside 0..%d", l, e.cfg.QuasiIdentifiers[c], e.hier[c].Height())
		}
	}
	s := e.newSearcher(context.Background())
	defer s.release()
	s.allLoss = true
	id := e.lat.id(levels)
	ev, err := s.check(id)
	if err != nil {
		return nil, err
	}
	return s.resultFor(id, ev), nil
}

// property reports whether ev meets the search property.
func (s *searcher) property(ev *eval) bool {
	if s.fullProperty {
		return ev.ok
	}
	return ev.core
}

// flash is phase 1, after Kohlmayer et al.'s Flash: visit the nodes level by level;
// from each node whose property is not yet known, walk a path upwards and binary-search
// it, tagging every checked node's successors (property holds) or predecessors (fails).
// Nodes whose property fails push their successors on a queue that is searched the same
// way. Every node ends up tagged, and every minimal node with the property is checked.
func (s *searcher) flash() error {
	if _, static := s.e.lowerBound(s.metric, s.lat.node(0)); static && s.limit > 0 {
		s.lbs = make([]float64, s.lat.size)
		for id := range s.lbs {
			s.lbs[id], _ = s.e.lowerBound(s.metric, s.lat.node(int32(id)))
		}
	}
	s.dmPrune = s.metric == Discernibility && s.limit > 0
	for _, id := range s.order {
		if s.flags[id]&known != 0 || s.prune(id) {
			continue
		}
		s.push(id)
		for len(s.heap) > 0 {
			n := s.pop()
			if s.flags[n]&known != 0 || s.prune(n) {
				continue
			}
			if err := s.checkPath(s.path(n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// successors returns id's successors in Flash's order (valid until the next call).
func (s *searcher) successors(id int32) []int32 {
	s.succ = s.succ[:0]
	for c, l := range s.lat.node(id) {
		if int(l) < s.lat.heights[c] {
			s.succ = append(s.succ, id+s.lat.mult[c])
		}
	}
	slices.SortFunc(s.succ, func(a, b int32) int { return int(s.rank[a] - s.rank[b]) })
	return s.succ
}

// path walks up from id, always to the first successor whose property is unknown.
func (s *searcher) path(id int32) []int32 {
	p := append(s.pathBuf[:0], id)
	defer func() { s.pathBuf = p }()
	for {
		next := int32(-1)
		for _, up := range s.successors(id) {
			if s.flags[up]&known == 0 {
				next = up
				break
			}
		}
		if next < 0 {
			return p
		}
		p = append(p, next)
		id = next
	}
}

func (s *searcher) checkPath(p []int32) error {
	low, high := 0, len(p)-1
	for low <= high {
		mid := (low + high) / 2
		id := p[mid]
		switch f := s.flags[id]; {
		case f&(fAnon|fPruned) != 0 || s.prune(id):
			high = mid - 1
			continue
		case f&fNotAnon != 0:
			low = mid + 1
			continue
		}
		ev, err := s.check(id)
		if err != nil {
			return err
		}
		s.consider(id, ev)
		s.pruneDM(id, ev)
		if s.property(ev) {
			s.tagUp(id)
			high = mid - 1
		} else {
			s.tagDown(id)
			for _, up := range s.successors(id) {
				if s.flags[up]&known == 0 {
					s.push(up)
				}
			}
			low = mid + 1
		}
	}
	return nil
}

// prune tags id and every node above it as unable to beat the best found, when the lower
// bound of id's loss (which only grows upwards) is above it. Only with a suppression
// limit: without one, the search never checks a node above one with the property, and the
// bound is the loss itself.
func (s *searcher) prune(id int32) bool {
	if s.lbs == nil || s.best < 0 || !s.beaten(s.lbs[id]) {
		return false
	}
	s.pruneUp(id)
	return true
}

// pruneDM is prune for discernibility, whose bound comes from checks: Σ class size² at a
// checked node bounds the loss of every node above it.
func (s *searcher) pruneDM(id int32, ev *eval) {
	if s.dmPrune && s.best >= 0 && s.beaten(ev.dmStar) {
		s.pruneUp(id)
	}
}

func (s *searcher) pruneUp(id int32) {
	stack := append(s.stack[:0], id)
	defer func() { s.stack = stack }()
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.flags[n]&fPruned != 0 {
			continue
		}
		s.flags[n] |= fPruned
		for c, l := range s.lat.node(n) {
			if int(l) < s.lat.heights[c] {
				stack = append(stack, n+s.lat.mult[c])
			}
		}
	}
}

// tagUp records that id and every node above it have the property (monotonicity).
func (s *searcher) tagUp(id int32) {
	stack := append(s.stack[:0], id)
	defer func() { s.stack = stack }()
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.flags[n]&fAnon != 0 {
			continue
		}
		s.flags[n] |= fAnon
		for c, l := range s.lat.node(n) {
			if int(l) < s.lat.heights[c] {
				stack = append(stack, n+s.lat.mult[c])
			}
		}
	}
}

// tagDown records that id and every node below it lack the property.
func (s *searcher) tagDown(id int32) {
	stack := append(s.stack[:0], id)
	defer func() { s.stack = stack }()
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.flags[n]&fNotAnon != 0 {
			continue
		}
		s.flags[n] |= fNotAnon
		for c, l := range s.lat.node(n) {
			if l > 0 {
				stack = append(stack, n-s.lat.mult[c])
			}
		}
	}
}

// phase2 finds the optimum when suppression makes the metric (and perhaps some models)
// non-monotone: every node with the property is a candidate, visited in order of a lower
// bound of its loss and checked unless the bound shows it cannot beat the best so far.
func (s *searcher) phase2() error {
	var cands []int32
	for _, id := range s.order {
		if s.flags[id]&(fAnon|fPruned) == fAnon {
			cands = append(cands, id)
		}
	}
	if lbs := s.lbs; lbs != nil {
		slices.SortStableFunc(cands, func(a, b int32) int { return cmpFloat(lbs[a], lbs[b]) })
		for _, id := range cands {
			if s.best >= 0 && s.beaten(lbs[id]) {
				break
			}
			if err := s.visit(id); err != nil {
				return err
			}
		}
		return nil
	}
	// Discernibility: Σ class size² only grows upwards, so a checked node bounds every
	// node above it; visiting by level carries the bounds up.
	bound := make([]float64, s.lat.size)
	for _, id := range s.order {
		b := float64(s.e.n)
		for c, l := range s.lat.node(id) {
			if l > 0 {
				b = max(b, bound[id-s.lat.mult[c]])
			}
		}
		if ev := s.evals[id]; ev != nil {
			b = max(b, ev.dmStar)
		}
		if s.flags[id]&(fAnon|fPruned) == fAnon && !(s.best >= 0 && s.beaten(b)) {
			if err := s.visit(id); err != nil {
				return err
			}
			b = max(b, s.evals[id].dmStar)
		}
		bound[id] = b
	}
	return nil
}

// beaten reports whether a node whose loss is at least lb cannot beat the best.
func (s *searcher) beaten(lb float64) bool {
	return lb > s.bestLoss+tolerance*max(1, math.Abs(s.bestLoss))
}

func (s *searcher) visit(id int32) error {
	ev := s.evals[id]
	if ev == nil {
		var err error
		if ev, err = s.check(id); err != nil {
			return err
		}
	}
	s.consider(id, ev)
	return nil
}

// consider makes id the best if it meets every model and has less loss, or equal loss
// and a lower level, or equal both and a lower id.
func (s *searcher) consider(id int32, ev *eval) {
	if !ev.ok {
		return
	}
	if s.best >= 0 {
		b := s.best
		switch {
		case ev.loss > s.bestLoss:
			return
		case ev.loss == s.bestLoss && (s.lat.sum[id] > s.lat.sum[b] || s.lat.sum[id] == s.lat.sum[b] && id > b):
			return
		}
	}
	improved := s.best < 0 || ev.loss < s.bestLoss
	s.best, s.bestLoss = id, ev.loss
	if s.dmPrune && improved {
		for n, ev := range s.evals {
			s.pruneDM(n, ev)
		}
	}
}

// check groups the data at node id (rolled up from the smallest snapshot below it) and
// evaluates the models and the metric.
func (s *searcher) check(id int32) (*eval, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	src := s.base
	if s.useSnp {
		levels := s.lat.node(id)
		for _, sn := range s.snaps {
			if len(sn.rep) < len(src.rep) && s.lat.leq(s.lat.node(sn.node), levels) {
				src = sn
			}
		}
	}
	g, m, ns := s.g, s.m, s.e.ns
	g.run(id, src)
	supp := g.supp
	s.checked++
	ev := &eval{}
	var suppCore, suppAll int
	for j := 0; j < g.n; j++ {
		cnt := g.count[j]
		ev.dmStar += float64(cnt) * float64(cnt)
		h := g.hist[j*ns : (j+1)*ns]
		switch {
		case m.failsCore(cnt, h):
			suppCore += int(cnt)
			supp[j] = true
		case m.failsRest(cnt, h):
			suppAll += int(cnt)
			supp[j] = true
		default:
			supp[j] = false
			ev.classes++
		}
	}
	suppAll += suppCore
	ev.core = suppCore <= s.limit
	ev.ok = suppAll <= s.limit
	ev.suppressed = suppAll
	if ev.ok || s.allLoss {
		ev.loss = s.e.lossOf(s.metric, g, supp[:g.n])
	}
	s.evals[id] = ev
	if s.useSnp && (s.limit > 0 || !s.property(ev)) && g.n*5 <= len(src.rep)*4 {
		if len(s.snaps) == maxSnapshots {
			s.snaps = s.snaps[1:]
		}
		s.snaps = append(s.snaps, g.snapshot())
	}
	return ev, nil
}

// A tiny binary heap of nodes ordered by rank.
func (s *searcher) push(id int32) {
	s.heap = append(s.heap, id)
	i := len(s.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s.rank[s.heap[p]] <= s.rank[s.heap[i]] {
			break
		}
		s.heap[p], s.heap[i] = s.heap[i], s.heap[p]
		i = p
	}
}

func (s *searcher) pop() int32 {
	h := s.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && s.rank[h[l]] < s.rank[h[m]] {
			m = l
		}
		if r < len(h) && s.rank[h[r]] < s.rank[h[m]] {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	s.heap = h
	return top
}
