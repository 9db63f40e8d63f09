package segment

import (
	"context"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/stewardhq/steward/internal/segment/expr"
)

// Index answers the set questions a plan asks. Returned bitmaps belong to the index: callers
// must not modify them (Evaluate copies before changing anything).
//
// Windows: an event at time t is inside window w at now when now-w < t <= now.
type Index interface {
	// Universe is every known subject.
	Universe(ctx context.Context) (*roaring.Bitmap, error)
	// Tag is the subjects carrying the tag.
	Tag(ctx context.Context, name string) (*roaring.Bitmap, error)
	// TraitEq is the subjects whose trait equals v (same kind and value).
	TraitEq(ctx context.Context, name string, v expr.Value) (*roaring.Bitmap, error)
	// TraitCmp is the subjects with the trait present and CompareValues(trait, op, v) true.
	TraitCmp(ctx context.Context, name string, op expr.CmpOp, v expr.Value) (*roaring.Bitmap, error)
	// CountAtLeast is the subjects with at least n (n >= 1) such events in the window.
	CountAtLeast(ctx context.Context, event string, window time.Duration, n int64, now time.Time) (*roaring.Bitmap, error)
	// SumCmp is the subjects whose sum of prop over such events in the window (0 when there
	// are none) compares true against x.
	SumCmp(ctx context.Context, event, prop string, window time.Duration, op expr.CmpOp, x float64, now time.Time) (*roaring.Bitmap, error)
	// LastSeenWithin is the subjects with such an event at t where now-d <= t <= now.
	LastSeenWithin(ctx context.Context, event string, d time.Duration, now time.Time) (*roaring.Bitmap, error)
}

// NarrowIndex is an optional Index extension: CountAtLeastIn answers CountAtLeast for the
// subjects in within only. Inside an "and", Evaluate passes the intersection of the cheaper
// clauses so an aggregate looks at thousands of candidates rather than everyone — the
// bitmap equivalent of a nested-loop join driven by the most selective index.
type NarrowIndex interface {
	CountAtLeastIn(ctx context.Context, event string, window time.Duration, n int64, now time.Time, within *roaring.Bitmap) (*roaring.Bitmap, error)
}

// SubjectIndex additionally answers per-subject questions, which lets Live recheck a few
// subjects without touching the whole population. Answers must agree with the set methods.
type SubjectIndex interface {
	Index
	Contains(id uint32) bool
	HasTag(id uint32, name string) bool
	TraitOf(id uint32, name string) (expr.Value, bool)
	CountOf(id uint32, event string, window time.Duration, now time.Time) int64
	SumOf(id uint32, event, prop string, window time.Duration, now time.Time) float64
	// LastSeenOf is now minus the latest such event at or before now; false if none.
	LastSeenOf(id uint32, event string, now time.Time) (time.Duration, bool)
}

// CompareValues is the one definition of trait comparison every Index must follow: values of
// different kinds never match; strings support only == and !=.
func CompareValues(have expr.Value, op expr.CmpOp, want expr.Value) bool {
	if have.Kind != want.Kind {
		return false
	}
	switch have.Kind {
	case expr.String:
		switch op {
		case expr.Eq:
			return have.Str == want.Str
		case expr.Ne:
			return have.Str != want.Str
		}
		return false
	case expr.Number:
		return cmpFloat(have.Num, op, want.Num)
	case expr.Window:
		return cmpFloat(float64(have.Dur.D()), op, float64(want.Dur.D()))
	}
	return false
}

func cmpFloat(a float64, op expr.CmpOp, b float64) bool {
	switch op {
	case expr.Eq:
		return a == b
	case expr.Ne:
		return a != b
	case expr.Lt:
		return a < b
	case expr.Le:
		return a <= b
	case expr.Gt:
		return a > b
	case expr.Ge:
		return a >= b
	}
	return false
}
