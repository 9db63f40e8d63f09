package stored

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// An extract is what a report may use of one person's events under one purpose, made
// from what the purpose-scoped reader returned: their traits (from identify), and per
// event its name, time, campaign and numeric properties. It is kept sealed under the
// person's own data key (access.SealExtract) and opened for one report at a time.
//
// Encoding (version 1), every integer an unsigned varint unless said otherwise:
//
//	1                                  version byte
//	n, n × (len, UTF-8 bytes)          string table
//	t, t × (key, value)                traits, as string-table indexes
//	e, e × event                       events
//	event: name, at (signed varint, Unix milliseconds), campaign + 1 (0: none),
//	       p, p × (property, 8 bytes little-endian IEEE 754)
//
// The decoder is strict: every index inside the table, no trailing bytes, finite
// numbers, valid UTF-8, counts bounded by what is left to read.
type extract struct {
	traits []trait
	events []xevent
}

type trait struct{ key, value string }

type xevent struct {
	name     string
	at       int64 // Unix milliseconds
	campaign string
	props    []prop
}

type prop struct {
	name  string
	value float64
}

const extractVersion = 1

// maxExtract bounds one person's extract (a million events of a few properties each).
const maxExtract = 64 << 20

// encode writes x in the format above.
func encode(x *extract) []byte {
	ids := map[string]uint64{}
	var table []string
	id := func(s string) uint64 {
		if i, ok := ids[s]; ok {
			return i
		}
		i := uint64(len(table))
		ids[s] = i
		table = append(table, s)
		return i
	}
	for _, t := range x.traits {
		id(t.key)
		id(t.value)
	}
	for _, e := range x.events {
		id(e.name)
		if e.campaign != "" {
			id(e.campaign)
		}
		for _, p := range e.props {
			id(p.name)
		}
	}
	b := []byte{extractVersion}
	b = binary.AppendUvarint(b, uint64(len(table)))
	for _, s := range table {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(x.traits)))
	for _, t := range x.traits {
		b = binary.AppendUvarint(b, ids[t.key])
		b = binary.AppendUvarint(b, ids[t.value])
	}
	b = binary.AppendUvarint(b, uint64(len(x.events)))
	for _, e := range x.events {
		b = binary.AppendUvarint(b, ids[e.name])
		b = binary.AppendVarint(b, e.at)
		if e.campaign == "" {
			b = append(b, 0)
		} else {
			b = binary.AppendUvarint(b, ids[e.campaign]+1)
		}
		b = binary.AppendUvarint(b, uint64(len(e.props)))
		for _, p := range e.props {
			b = binary.AppendUvarint(b, ids[p.name])
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.value))
		}
	}
	return b
}

// errExtract is wrapped by every decoding error.
var errExtract = errors.New("extract")

// interner returns one string per distinct value, so that decoding the same names over and
// over allocates them once per report.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in) < 1<<16 {
		in[s] = s
	}
	return s
}

// decoder reads an extract into x, reusing x's slices.
type decoder struct {
	b     []byte
	i     int
	table []string
	in    interner
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errExtract, what, d.i)
}

func (d *decoder) uvarint(what string) (uint64, error) {
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		return 0, d.fail("bad " + what)
	}
	d.i += n
	return v, nil
}

// count reads a count of items of at least min bytes each.
func (d *decoder) count(what string, min int) (int, error) {
	v, err := d.uvarint(what)
	if err != nil {
		return 0, err
	}
	if v > uint64((len(d.b)-d.i)/min) {
		return 0, d.fail(what + " larger than the bytes left")
	}
	return int(v), nil
}

func (d *decoder) ref(what string) (string, error) {
	v, err := d.uvarint(what)
	if err != nil {
		return "", err
	}
	if v >= uint64(len(d.table)) {
		return "", d.fail(what + " outside the string table")
	}
	return d.table[v], nil
}

// decode reads b into x (x's slices are reused; its strings come from in).
func decode(b []byte, in interner, x *extract) error {
	d := decoder{b: b, in: in}
	if len(b) > maxExtract {
		return d.fail("extract too large")
	}
	if len(b) == 0 || b[0] != extractVersion {
		return d.fail("unknown version")
	}
	d.i = 1
	n, err := d.count("string count", 1)
	if err != nil {
		return err
	}
	d.table = make([]string, n)
	for k := range d.table {
		l, err := d.uvarint("string length")
		if err != nil {
			return err
		}
		if l > uint64(len(b)-d.i) {
			return d.fail("string beyond the end")
		}
		s := b[d.i : d.i+int(l)]
		if !utf8.Valid(s) {
			return d.fail("string not UTF-8")
		}
		d.table[k] = in.get(s)
		d.i += int(l)
	}
	nt, err := d.count("trait count", 2)
	if err != nil {
		return err
	}
	x.traits = x.traits[:0]
	for range nt {
		k, err := d.ref("trait key")
		if err != nil {
			return err
		}
		v, err := d.ref("trait value")
		if err != nil {
			return err
		}
		x.traits = append(x.traits, trait{k, v})
	}
	ne, err := d.count("event count", 4)
	if err != nil {
		return err
	}
	if cap(x.events) < ne {
		x.events = make([]xevent, 0, ne)
	}
	x.events = x.events[:ne]
	for k := range x.events {
		e := &x.events[k]
		if e.name, err = d.ref("event name"); err != nil {
			return err
		}
		at, m := binary.Varint(b[d.i:])
		if m <= 0 {
			return d.fail("bad event time")
		}
		d.i += m
		e.at = at
		c, err := d.uvarint("campaign")
		if err != nil {
			return err
		}
		e.campaign = ""
		if c > 0 {
			if c > uint64(len(d.table)) {
				return d.fail("campaign outside the string table")
			}
			e.campaign = d.table[c-1]
		}
		np, err := d.count("property count", 9)
		if err != nil {
			return err
		}
		e.props = e.props[:0]
		for range np {
			name, err := d.ref("property name")
			if err != nil {
				return err
			}
			if len(b)-d.i < 8 {
				return d.fail("property value beyond the end")
			}
			v := math.Float64frombits(binary.LittleEndian.Uint64(b[d.i:]))
			d.i += 8
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return d.fail("property value not finite")
			}
			e.props = append(e.props, prop{name, v})
		}
	}
	if d.i != len(b) {
		return d.fail("trailing bytes")
	}
	return nil
}
