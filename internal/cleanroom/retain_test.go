package cleanroom

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"unsafe"

	"github.com/cloudflare/circl/group"
)

// reachable returns every byte reachable from v: raw memory of plain values (slices up to
// their capacity, so a truncated slice still shows what it hides), strings, map entries,
// through pointers and interfaces, including unexported fields. It is how the tests below
// ask "does this state machine still hold X?".
func reachable(v any) []byte {
	var out []byte
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice:
			if v.IsNil() || v.Cap() == 0 {
				return
			}
			if plain(v.Type().Elem()) {
				n := v.Cap() * int(v.Type().Elem().Size())
				out = append(out, unsafe.Slice((*byte)(v.UnsafePointer()), n)...)
				return
			}
			for i := range v.Cap() {
				walk(v.Slice(0, v.Cap()).Index(i))
			}
		case reflect.Array:
			if plain(v.Type()) && v.CanAddr() {
				out = append(out, unsafe.Slice((*byte)(v.Addr().UnsafePointer()), v.Type().Size())...)
				return
			}
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Key())
				walk(it.Value())
			}
		case reflect.String:
			out = append(out, v.String()...)
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint, reflect.Uintptr:
			out = binary.LittleEndian.AppendUint64(out, v.Uint())
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
			out = binary.LittleEndian.AppendUint64(out, uint64(v.Int()))
		}
	}
	walk(reflect.ValueOf(v))
	return out
}

func plain(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Int8, reflect.Int16,
		reflect.Int32, reflect.Int64, reflect.Bool:
		return true
	case reflect.Array:
		return plain(t.Elem())
	}
	return false
}

func scalarBytes(t *testing.T, s group.Scalar) []byte {
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// holds reports whether hay contains any of the points.
func holds(hay []byte, pts []Point) int {
	n := 0
	for i := range pts {
		if bytes.Contains(hay, pts[i][:]) {
			n++
		}
	}
	return n
}

func retainInputs(n, overlap int) (a, b []Input) {
	for i := range n {
		a = append(a, Input{Key: fmt.Sprintf("a%d@example.com", i)})
		b = append(b, Input{Key: fmt.Sprintf("a%d@example.com", i+n-overlap), Value: uint64(i)})
	}
	return a, b
}

// Neither side retains the other's blinded set, the doubly-blinded sets, its secret
// scalar or its RLWE secret key once a step no longer needs them: after each step and
// after Close, nothing of them is reachable from the state machine.
func TestNoSideRetainsTheOthersSet(t *testing.T) {
	for _, p := range []Protocol{PSICardinality, IntersectionSum} {
		t.Run(string(p), func(t *testing.T) {
			d, _ := NewDomain("retain")
			cfg := Config{Job: "job-r", Protocol: p, MatchOn: MatchEmail, Domain: d}
			a, b := retainInputs(300, 120)
			ini, err := NewInitiator(cfg, a)
			if err != nil {
				t.Fatal(err)
			}
			par, err := NewPartner(cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			m1, _ := ini.Start()
			alpha := scalarBytes(t, ini.alpha)
			if err := par.Prepare(); err != nil {
				t.Fatal(err)
			}
			beta := scalarBytes(t, par.beta)
			if !bytes.Contains(reachable(ini), alpha) || !bytes.Contains(reachable(par), beta) {
				t.Fatal("the walk does not find a scalar that is there: it is broken")
			}
			reply, err := par.HandleBlinded(ctx, m1)
			if err != nil {
				t.Fatal(err)
			}
			// The partner keeps nothing of the initiator's set, nor its own scalar.
			hp := reachable(par)
			if n := holds(hp, m1.Elements); n > 0 {
				t.Fatalf("partner holds %d of the initiator's blinded elements after replying", n)
			}
			if n := holds(hp, reply.Doubled); n > 0 {
				t.Fatalf("partner holds %d doubly-blinded elements after replying", n)
			}
			if bytes.Contains(hp, beta) {
				t.Fatal("partner holds its scalar after replying")
			}
			// Doubled is shuffled: position i is not b·X_i.
			aligned := 0
			bs := grp.NewScalar()
			_ = bs.UnmarshalBinary(beta)
			want := make([]Point, len(m1.Elements))
			_ = reblindKeys(m1.Elements, bs, want, 1)
			for i := range want {
				if want[i] == reply.Doubled[i] {
					aligned++
				}
			}
			if holds(pointsBytes(want), reply.Doubled) != len(want) || aligned > 5 {
				t.Fatalf("doubly-blinded set: %d of %d in place; want a permutation of b·X", aligned, len(want))
			}
			var values *Values
			if p == IntersectionSum {
				if values, err = par.EncryptValues(); err != nil {
					t.Fatal(err)
				}
			}
			res, err := ini.HandleReply(ctx, reply)
			if err != nil {
				t.Fatal(err)
			}
			hi := reachable(ini)
			if n := holds(hi, reply.Blinded) + holds(hi, reply.Doubled); n > 0 {
				t.Fatalf("initiator holds %d of the partner's elements after the reply", n)
			}
			if bytes.Contains(hi, alpha) {
				t.Fatal("initiator holds its scalar after the reply")
			}
			if p == IntersectionSum {
				if ini.pattern == nil {
					t.Fatal("no pattern kept for the values")
				}
				if res, err = ini.HandleValues(ctx, values); err != nil {
					t.Fatal(err)
				}
				if ini.pattern != nil || ini.mask == 0 {
					t.Fatal("pattern kept after the sum, or no mask kept for the share")
				}
				if bytes.Contains(reachable(ini), polyBytes(values.Ciphertexts[0].C0[:64])) {
					t.Fatal("initiator holds the partner's ciphertexts")
				}
				sk := polyBytes(par.he.sk.Value.Q.Coeffs[0][:64])
				if !bytes.Contains(reachable(par), sk) {
					t.Fatal("the walk does not find the secret key")
				}
				share, err := par.HandleResult(ctx, res)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(reachable(par), sk) || par.he.sk != nil {
					t.Fatal("partner holds its RLWE secret key after the share")
				}
				if err := ini.HandleShare(ctx, share); err != nil {
					t.Fatal(err)
				}
				if ini.mask != 0 {
					t.Fatal("mask kept after the share")
				}
			} else if _, err := par.HandleResult(ctx, res); err != nil {
				t.Fatal(err)
			}
			for name, sm := range map[string]any{"initiator": ini, "partner": par} {
				h := reachable(sm)
				if n := holds(h, m1.Elements) + holds(h, reply.Doubled) + holds(h, reply.Blinded); n > 0 {
					t.Fatalf("%s holds %d blinded elements after the job", name, n)
				}
			}
			ini.Close()
			par.Close()
			if o, ok := ini.Outcome(); !ok || o.IntersectionSize != 120 {
				t.Fatalf("after Close: outcome %+v finished %v; want the outcome kept", o, ok)
			}
		})
	}
}

// An aborted job: Close wipes what a step was still holding.
func TestCloseWipesAnAbortedJob(t *testing.T) {
	d, _ := NewDomain("retain")
	cfg := Config{Job: "job-a", Protocol: IntersectionSum, MatchOn: MatchEmail, Domain: d}
	a, b := retainInputs(200, 100)
	ini, _ := NewInitiator(cfg, a)
	par, _ := NewPartner(cfg, b)
	ctx := context.Background()
	m1, _ := ini.Start()
	reply, _ := par.HandleBlinded(ctx, m1)
	values, _ := par.EncryptValues()
	if _, err := ini.HandleReply(ctx, reply); err != nil {
		t.Fatal(err)
	}
	pattern := ini.pattern
	sk := par.he.sk
	if pattern == nil || sk == nil || len(values.Ciphertexts) != 1 {
		t.Fatal("fixture: nothing to wipe")
	}
	ini.Close()
	par.Close()
	for i, x := range pattern {
		if x {
			t.Fatalf("pattern[%d] survives Close", i)
		}
	}
	for _, c := range sk.Value.Q.Coeffs {
		for _, x := range c {
			if x != 0 {
				t.Fatal("RLWE secret key survives Close")
			}
		}
	}
	if _, err := ini.HandleValues(ctx, values); err == nil {
		t.Fatal("closed initiator handled values")
	}
	values.Zero()
	reply.Zero()
	if holds(pointsBytes(reply.Blinded), []Point{{}}) != 1 || values.Ciphertexts[0].C0[7] != 0 {
		t.Fatal("Message.Zero left data")
	}
}

func pointsBytes(ps []Point) []byte {
	out := make([]byte, 0, len(ps)*PointSize)
	for i := range ps {
		out = append(out, ps[i][:]...)
	}
	return out
}

func polyBytes(p []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&p[0])), len(p)*8)
}
