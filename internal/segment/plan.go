package segment

import (
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/segment/expr"
)

type opKind uint8

const (
	opAnd opKind = iota + 1
	opOr
	opNot
	opTag
	opTrait
	opTraitIn
	opCount
	opSum
	opLastSeen
)

// op is one node of a compiled plan: and/or are flattened to n-ary and their children
// ordered cheapest first, so an empty intersection stops before the aggregates run.
type op struct {
	kind   opKind
	kids   []*op
	name   string // tag, trait or event
	prop   string
	cmp    expr.CmpOp
	val    expr.Value
	vals   []expr.Value
	window time.Duration
}

// Plan is a compiled segment expression, safe for concurrent use.
type Plan struct {
	src  string
	root *op
}

// String is the canonical expression the plan was compiled from.
func (p *Plan) String() string { return p.src }

// Compile turns a parsed (and, by the caller, checked) expression into a plan.
func Compile(n expr.Node) (*Plan, error) {
	if n == nil {
		return nil, fmt.Errorf("segment: nothing to compile")
	}
	root, err := compile(n)
	if err != nil {
		return nil, err
	}
	return &Plan{src: expr.Format(n), root: root}, nil
}

// CompileString parses and compiles src; parse errors keep their positions.
func CompileString(src string) (*Plan, error) {
	n, err := expr.Parse(src)
	if err != nil {
		return nil, err
	}
	return Compile(n)
}

func compile(n expr.Node) (*op, error) {
	switch x := n.(type) {
	case *expr.Logical:
		kind := opAnd
		if x.Op == expr.Or {
			kind = opOr
		}
		o := &op{kind: kind}
		for _, c := range []expr.Node{x.X, x.Y} {
			k, err := compile(c)
			if err != nil {
				return nil, err
			}
			if k.kind == kind {
				o.kids = append(o.kids, k.kids...)
			} else {
				o.kids = append(o.kids, k)
			}
		}
		if kind == opAnd {
			sortByCost(o.kids)
		}
		return o, nil
	case *expr.Not:
		k, err := compile(x.X)
		if err != nil {
			return nil, err
		}
		return &op{kind: opNot, kids: []*op{k}}, nil
	case *expr.Tag:
		return &op{kind: opTag, name: x.Name}, nil
	case *expr.Compare:
		return compileTerm(x.Term, x.Op, x.Value, nil)
	case *expr.In:
		return compileTerm(x.Term, expr.Eq, expr.Value{}, x.Values)
	}
	return nil, fmt.Errorf("segment: unknown expression node %T", n)
}

func compileTerm(t expr.Term, cmp expr.CmpOp, v expr.Value, in []expr.Value) (*op, error) {
	o := &op{name: t.Name, prop: t.Prop, cmp: cmp, val: v, vals: in, window: t.Window.D()}
	switch t.Func {
	case expr.Trait:
		o.kind = opTrait
		if in != nil {
			o.kind = opTraitIn
		}
	case expr.Count:
		o.kind = opCount
	case expr.Sum:
		o.kind = opSum
	case expr.LastSeen:
		o.kind = opLastSeen
	default:
		return nil, fmt.Errorf("segment: unknown function %v", t.Func)
	}
	if in != nil && o.kind != opTraitIn && o.kind != opCount {
		return nil, fmt.Errorf("segment: %s() does not support in", t.Func)
	}
	return o, nil
}

// cost ranks how expensive an op is to evaluate: bitmap lookups before aggregates.
func cost(o *op) int {
	switch o.kind {
	case opTag, opTrait:
		return 1
	case opTraitIn:
		return 2
	case opLastSeen:
		return 5
	case opCount, opSum:
		return 6
	}
	c := 0
	for _, k := range o.kids {
		c += cost(k)
	}
	return c
}

func sortByCost(ops []*op) {
	// Insertion sort: stable and the lists are tiny.
	for i := 1; i < len(ops); i++ {
		for j := i; j > 0 && cost(ops[j]) < cost(ops[j-1]); j-- {
			ops[j], ops[j-1] = ops[j-1], ops[j]
		}
	}
}

// CompileChecked parses src, checks it against the schema and compiles it: the path the API
// and manifest loader use, so every located error reaches the operator.
func CompileChecked(src string, s expr.Schema) (*Plan, error) {
	n, err := expr.Parse(src)
	if err != nil {
		return nil, err
	}
	if err := expr.Check(n, s); err != nil {
		return nil, err
	}
	return Compile(n)
}
