package segment

import (
	"context"
	"math"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/stewardhq/steward/internal/segment/expr"
)

// Evaluate returns the subjects matching plan at now. The result is the caller's to keep.
func Evaluate(ctx context.Context, plan *Plan, idx Index, now time.Time) (*roaring.Bitmap, error) {
	e := &evaluator{ctx: ctx, idx: idx, now: now}
	bm, owned, err := e.eval(plan.root)
	if err != nil {
		return nil, err
	}
	if !owned {
		bm = bm.Clone()
	}
	return bm, nil
}

type evaluator struct {
	ctx      context.Context
	idx      Index
	now      time.Time
	universe *roaring.Bitmap
	// within, when set, is a superset of everything the current result will be
	// intersected with, so leaves may answer for those subjects only.
	within *roaring.Bitmap
}

func (e *evaluator) all() (*roaring.Bitmap, error) {
	if e.universe == nil {
		u, err := e.idx.Universe(e.ctx)
		if err != nil {
			return nil, err
		}
		e.universe = u
	}
	return e.universe, nil
}

// minus is U − x as a new bitmap.
func (e *evaluator) minus(x *roaring.Bitmap) (*roaring.Bitmap, bool, error) {
	u, err := e.all()
	if err != nil {
		return nil, false, err
	}
	return roaring.AndNot(u, x), true, nil
}

// eval returns the op's set and whether the caller owns it (may modify it in place).
func (e *evaluator) eval(o *op) (*roaring.Bitmap, bool, error) {
	if err := e.ctx.Err(); err != nil {
		return nil, false, err
	}
	switch o.kind {
	case opAnd:
		acc, owned, err := e.eval(o.kids[0])
		if err != nil {
			return nil, false, err
		}
		outer := e.within
		defer func() { e.within = outer }()
		for _, k := range o.kids[1:] {
			if acc.IsEmpty() {
				break
			}
			// Restricting later clauses to acc is sound: every set operation commutes
			// with intersecting by acc, and the result is intersected with acc below.
			e.within = acc
			bm, _, err := e.eval(k)
			if err != nil {
				return nil, false, err
			}
			if owned {
				acc.And(bm)
			} else {
				acc, owned = roaring.And(acc, bm), true
			}
		}
		return acc, owned, nil
	case opOr:
		sets := make([]*roaring.Bitmap, 0, len(o.kids))
		for _, k := range o.kids {
			bm, _, err := e.eval(k)
			if err != nil {
				return nil, false, err
			}
			sets = append(sets, bm)
		}
		return roaring.FastOr(sets...), true, nil
	case opNot:
		bm, _, err := e.eval(o.kids[0])
		if err != nil {
			return nil, false, err
		}
		return e.minus(bm)
	case opTag:
		bm, err := e.idx.Tag(e.ctx, o.name)
		return bm, false, err
	case opTrait:
		var bm *roaring.Bitmap
		var err error
		if o.cmp == expr.Eq {
			bm, err = e.idx.TraitEq(e.ctx, o.name, o.val)
		} else {
			bm, err = e.idx.TraitCmp(e.ctx, o.name, o.cmp, o.val)
		}
		return bm, false, err
	case opTraitIn:
		sets := make([]*roaring.Bitmap, 0, len(o.vals))
		for _, v := range o.vals {
			bm, err := e.idx.TraitEq(e.ctx, o.name, v)
			if err != nil {
				return nil, false, err
			}
			sets = append(sets, bm)
		}
		return roaring.FastOr(sets...), true, nil
	case opCount:
		if o.vals != nil {
			sets := make([]*roaring.Bitmap, 0, len(o.vals))
			for _, v := range o.vals {
				bm, _, err := e.count(o, expr.Eq, v.Num)
				if err != nil {
					return nil, false, err
				}
				sets = append(sets, bm)
			}
			return roaring.FastOr(sets...), true, nil
		}
		return e.count(o, o.cmp, o.val.Num)
	case opSum:
		bm, err := e.idx.SumCmp(e.ctx, o.name, o.prop, o.window, o.cmp, o.val.Num, e.now)
		return bm, false, err
	case opLastSeen:
		return e.lastSeen(o)
	}
	return roaring.New(), true, nil
}

// atLeast is the subjects with count >= k; k <= 0 is everyone.
func (e *evaluator) atLeast(o *op, k float64) (*roaring.Bitmap, error) {
	if k <= 0 {
		return e.all()
	}
	if k > math.MaxInt64/2 {
		return roaring.New(), nil
	}
	if ni, ok := e.idx.(NarrowIndex); ok && e.within != nil {
		return ni.CountAtLeastIn(e.ctx, o.name, o.window, int64(k), e.now, e.within)
	}
	return e.idx.CountAtLeast(e.ctx, o.name, o.window, int64(k), e.now)
}

// count expresses every comparison on an integer count through CountAtLeast.
func (e *evaluator) count(o *op, cmp expr.CmpOp, n float64) (*roaring.Bitmap, bool, error) {
	switch cmp {
	case expr.Ge:
		bm, err := e.atLeast(o, math.Ceil(n))
		return bm, false, err
	case expr.Gt:
		bm, err := e.atLeast(o, math.Floor(n)+1)
		return bm, false, err
	case expr.Lt, expr.Le:
		k := math.Ceil(n)
		if cmp == expr.Le {
			k = math.Floor(n) + 1
		}
		bm, err := e.atLeast(o, k)
		if err != nil {
			return nil, false, err
		}
		return e.minus(bm)
	case expr.Eq, expr.Ne:
		var eq *roaring.Bitmap
		if n != math.Trunc(n) || n < 0 {
			eq = roaring.New()
		} else {
			lo, err := e.atLeast(o, n)
			if err != nil {
				return nil, false, err
			}
			hi, err := e.atLeast(o, n+1)
			if err != nil {
				return nil, false, err
			}
			eq = roaring.AndNot(lo, hi)
		}
		if cmp == expr.Eq {
			return eq, true, nil
		}
		return e.minus(eq)
	}
	return roaring.New(), true, nil
}

// lastSeen maps last_seen(event) OP d onto LastSeenWithin; never seen counts as
// infinitely long ago.
func (e *evaluator) lastSeen(o *op) (*roaring.Bitmap, bool, error) {
	d := o.val.Dur.D()
	within := func(d time.Duration) (*roaring.Bitmap, error) {
		return e.idx.LastSeenWithin(e.ctx, o.name, d, e.now)
	}
	switch o.cmp {
	case expr.Le:
		bm, err := within(d)
		return bm, false, err
	case expr.Lt:
		bm, err := within(d - 1)
		return bm, false, err
	case expr.Gt, expr.Ge:
		if o.cmp == expr.Ge {
			d--
		}
		bm, err := within(d)
		if err != nil {
			return nil, false, err
		}
		return e.minus(bm)
	case expr.Eq, expr.Ne:
		a, err := within(d)
		if err != nil {
			return nil, false, err
		}
		b, err := within(d - 1)
		if err != nil {
			return nil, false, err
		}
		eq := roaring.AndNot(a, b)
		if o.cmp == expr.Eq {
			return eq, true, nil
		}
		return e.minus(eq)
	}
	return roaring.New(), true, nil
}

// matchOne evaluates plan for one subject through per-subject lookups; it agrees with
// Evaluate for every subject in the universe.
func matchOne(o *op, idx SubjectIndex, id uint32, now time.Time) bool {
	switch o.kind {
	case opAnd:
		for _, k := range o.kids {
			if !matchOne(k, idx, id, now) {
				return false
			}
		}
		return true
	case opOr:
		for _, k := range o.kids {
			if matchOne(k, idx, id, now) {
				return true
			}
		}
		return false
	case opNot:
		return !matchOne(o.kids[0], idx, id, now)
	case opTag:
		return idx.HasTag(id, o.name)
	case opTrait:
		v, ok := idx.TraitOf(id, o.name)
		return ok && CompareValues(v, o.cmp, o.val)
	case opTraitIn:
		v, ok := idx.TraitOf(id, o.name)
		if !ok {
			return false
		}
		for _, w := range o.vals {
			if CompareValues(v, expr.Eq, w) {
				return true
			}
		}
		return false
	case opCount:
		c := float64(idx.CountOf(id, o.name, o.window, now))
		if o.vals != nil {
			for _, w := range o.vals {
				if c == w.Num {
					return true
				}
			}
			return false
		}
		return cmpFloat(c, o.cmp, o.val.Num)
	case opSum:
		return cmpFloat(idx.SumOf(id, o.name, o.prop, o.window, now), o.cmp, o.val.Num)
	case opLastSeen:
		age, ok := idx.LastSeenOf(id, o.name, now)
		if !ok {
			return o.cmp == expr.Gt || o.cmp == expr.Ge || o.cmp == expr.Ne
		}
		return cmpFloat(float64(age), o.cmp, float64(o.val.Dur.D()))
	}
	return false
}

// Match evaluates plan for one subject (per-subject lookups, no set operations); it agrees
// with Evaluate for every subject in the universe.
func Match(plan *Plan, idx SubjectIndex, id uint32, now time.Time) bool {
	return idx.Contains(id) && matchOne(plan.root, idx, id, now)
}
