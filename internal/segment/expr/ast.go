package expr

import (
	"fmt"
	"time"
)

// Pos is a 1-based line and column (columns count runes, so 上海 is two columns).
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Node is a boolean expression: *Logical, *Not, *Tag, *Compare or *In.
type Node interface {
	Pos() Pos
	node()
}

// LogicOp is "and" or "or".
type LogicOp uint8

const (
	And LogicOp = iota + 1
	Or
)

func (o LogicOp) String() string {
	if o == Or {
		return "or"
	}
	return "and"
}

// CmpOp is a comparison operator.
type CmpOp uint8

const (
	Eq CmpOp = iota + 1
	Ne
	Lt
	Le
	Gt
	Ge
)

var cmpText = [...]string{"", "==", "!=", "<", "<=", ">", ">="}

func (o CmpOp) String() string {
	if int(o) < len(cmpText) {
		return cmpText[o]
	}
	return "?"
}

// Logical is X and Y / X or Y.
type Logical struct {
	At   Pos
	Op   LogicOp
	X, Y Node
}

// Not negates X.
type Not struct {
	At Pos
	X  Node
}

// Tag is tag("name").
type Tag struct {
	At      Pos
	Name    string
	NamePos Pos
}

// Compare is Term OP Value.
type Compare struct {
	At    Pos
	Term  Term
	Op    CmpOp
	Value Value
}

// In is Term in [Values...].
type In struct {
	At     Pos
	Term   Term
	Values []Value
}

func (n *Logical) Pos() Pos { return n.At }
func (n *Not) Pos() Pos     { return n.At }
func (n *Tag) Pos() Pos     { return n.At }
func (n *Compare) Pos() Pos { return n.At }
func (n *In) Pos() Pos      { return n.At }
func (*Logical) node()      {}
func (*Not) node()          {}
func (*Tag) node()          {}
func (*Compare) node()      {}
func (*In) node()           {}

// Func names a value-producing function.
type Func uint8

const (
	Trait Func = iota + 1
	Count
	Sum
	LastSeen
)

var funcText = [...]string{"", "trait", "count", "sum", "last_seen"}

func (f Func) String() string {
	if int(f) < len(funcText) {
		return funcText[f]
	}
	return "?"
}

// Term is trait(Name), count(Name, Window), sum(Name, Prop, Window) or last_seen(Name);
// Name is the trait or event name.
type Term struct {
	At      Pos
	Func    Func
	Name    string
	NamePos Pos
	Prop    string
	Window  Duration
}

// Kind is a literal's type.
type Kind uint8

const (
	String Kind = iota + 1
	Number
	Window
)

var kindText = [...]string{"", "string", "number", "window"}

func (k Kind) String() string {
	if int(k) < len(kindText) {
		return kindText[k]
	}
	return "?"
}

// Value is a literal.
type Value struct {
	At   Pos
	Kind Kind
	Str  string
	Num  float64
	Dur  Duration
}

// Duration is a window as written: N days ('d') or hours ('h'), kept as written so Format
// round-trips.
type Duration struct {
	N    int64
	Unit byte
}

// maxWindowDays bounds windows so conversion to time.Duration cannot overflow.
const maxWindowDays = 36500

// D converts to a time.Duration.
func (d Duration) D() time.Duration {
	if d.Unit == 'd' {
		return time.Duration(d.N) * 24 * time.Hour
	}
	return time.Duration(d.N) * time.Hour
}

func (d Duration) String() string { return fmt.Sprintf("%d%c", d.N, d.Unit) }

// Equal reports whether two trees are the same expression, ignoring positions.
func Equal(a, b Node) bool {
	switch x := a.(type) {
	case *Logical:
		y, ok := b.(*Logical)
		return ok && x.Op == y.Op && Equal(x.X, y.X) && Equal(x.Y, y.Y)
	case *Not:
		y, ok := b.(*Not)
		return ok && Equal(x.X, y.X)
	case *Tag:
		y, ok := b.(*Tag)
		return ok && x.Name == y.Name
	case *Compare:
		y, ok := b.(*Compare)
		return ok && x.Op == y.Op && termEqual(x.Term, y.Term) && valueEqual(x.Value, y.Value)
	case *In:
		y, ok := b.(*In)
		if !ok || !termEqual(x.Term, y.Term) || len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			if !valueEqual(x.Values[i], y.Values[i]) {
				return false
			}
		}
		return true
	}
	return a == nil && b == nil
}

func termEqual(a, b Term) bool {
	return a.Func == b.Func && a.Name == b.Name && a.Prop == b.Prop && a.Window == b.Window
}

func valueEqual(a, b Value) bool {
	return a.Kind == b.Kind && a.Str == b.Str && a.Num == b.Num && a.Dur == b.Dur
}
