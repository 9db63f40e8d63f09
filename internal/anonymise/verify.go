package anonymise

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Verify is the auditor's check of a release, from the released file alone: it shares no
// code with the engine (no dictionaries, no lattice, no hierarchies), only the models'
// definitions, written out plainly. A recipient, a regulator or a test can run it on a CSV
// the engine wrote and the models it claims.

// ErrNotAnonymous: a release that does not meet the models it claims (see *VerifyError).
var ErrNotAnonymous = errors.New("release does not meet its privacy models")

// Claim is what a release says of itself: its quasi-identifiers, its sensitive attribute,
// the models every class meets and the suppression limit.
type Claim struct {
	QuasiIdentifiers []string
	Sensitive        string
	K                int
	LDiversity       *LDiversity
	TCloseness       *TCloseness
	Suppression      float64
}

// Verification is what Verify found in a release that meets its claim.
type Verification struct {
	Records int `json:"records"`
	// Classes are the equivalence classes released: records equal on every
	// quasi-identifier, the wholly starred records included when they meet the models.
	Classes       int `json:"classes"`
	SmallestClass int `json:"smallest_class"`
	// Starred counts the records whose every quasi-identifier is "*". When they fail the
	// models as a class they are suppressed records (SuppressedStarred), at most the limit.
	Starred           int  `json:"starred"`
	SuppressedStarred bool `json:"suppressed_starred"`
}

// VerifyError names why a release fails: the 1-based line of the first record of the
// failing class and the model. It quotes no value but the class's generalised
// quasi-identifiers, which the release publishes anyway.
type VerifyError struct {
	Line int
	Msg  string
}

func (e *VerifyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("verify: line %d: %s", e.Line, e.Msg)
	}
	return "verify: " + e.Msg
}

func (e *VerifyError) Unwrap() error { return ErrNotAnonymous }

// Verify reads a released CSV (first line the header; sep 0 means ',') and checks it on its
// own terms: every class of records equal on the quasi-identifiers meets k-anonymity and,
// when claimed, l-diversity and t-closeness of the sensitive attribute (its distribution
// over every record of the file, suppressed ones included, as the engine takes it); the
// records starred in every quasi-identifier either meet the models as a class or are
// suppressed records, at most floor(limit·records) of them. A claim that names unknown
// columns is an ErrConfig; a file that does not parse, an ErrSyntax.
func Verify(r io.Reader, sep rune, c Claim) (*Verification, error) {
	if sep == 0 {
		sep = ','
	}
	if !validSep(sep) {
		return nil, configErr("verify", "separator %q cannot separate CSV fields", sep)
	}
	if c.K < 1 {
		return nil, configErr("verify", "k must be at least 1, got %d", c.K)
	}
	if (c.LDiversity != nil || c.TCloseness != nil) && c.Sensitive == "" {
		return nil, configErr("verify", "l-diversity and t-closeness need a sensitive attribute")
	}
	if l := c.LDiversity; l != nil && (l.L < 1 || l.Variant == RecursiveL && !(l.C > 0)) {
		return nil, configErr("verify", "%s is not a model (l at least 1, recursive c positive)", l)
	}
	if tc := c.TCloseness; tc != nil && !(tc.T >= 0 && tc.T <= 1) {
		return nil, configErr("verify", "t must be in [0, 1], got %g", tc.T)
	}
	if !(c.Suppression >= 0 && c.Suppression < 1) {
		return nil, configErr("verify", "suppression limit must be in [0, 1), got %g", c.Suppression)
	}
	cr := csv.NewReader(r)
	cr.Comma = sep
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &SyntaxError{What: "release", Msg: "empty file: no header"}
	}
	if err != nil {
		return nil, csvError("release", err)
	}
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		return -1
	}
	var qis []int
	for _, q := range c.QuasiIdentifiers {
		i := col(q)
		if i < 0 {
			return nil, configErr("verify", "quasi-identifier %q is not a column of the release", q)
		}
		qis = append(qis, i)
	}
	if len(qis) == 0 {
		return nil, configErr("verify", "no quasi-identifiers")
	}
	sens := -1
	if c.Sensitive != "" {
		if sens = col(c.Sensitive); sens < 0 {
			return nil, configErr("verify", "sensitive attribute %q is not a column of the release", c.Sensitive)
		}
	}
	type class struct {
		first int // line of the first record
		sens  []string
		size  int
	}
	classes := map[string]*class{}
	var order []string
	all := map[string]int{} // sensitive value → records, over the whole file
	n := 0
	const starKey = "\x00*"
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError("release", err)
		}
		line, _ := cr.FieldPos(0)
		n++
		key := make([]string, len(qis))
		starred := true
		for i, q := range qis {
			key[i] = rec[q]
			starred = starred && rec[q] == Suppressed
		}
		k := strings.Join(key, "\x1f")
		if starred {
			k = starKey
		}
		cl := classes[k]
		if cl == nil {
			cl = &class{first: line}
			classes[k] = cl
			order = append(order, k)
		}
		cl.size++
		if sens >= 0 {
			cl.sens = append(cl.sens, rec[sens])
			all[rec[sens]]++
		}
	}
	if n == 0 {
		return nil, &VerifyError{Msg: "the release has no records"}
	}
	v := &Verification{Records: n}
	for _, k := range order {
		cl := classes[k]
		model := c.fails(cl.size, cl.sens, all, n)
		if k == starKey {
			v.Starred = cl.size
			if model != "" {
				limit := int(math.Floor(c.Suppression*float64(n) + 1e-9))
				if cl.size > limit {
					return nil, &VerifyError{Line: cl.first, Msg: fmt.Sprintf("%d records are suppressed (every quasi-identifier \"*\"; as a class they fail %s), above the limit of %d (%g%% of %d)",
						cl.size, model, limit, c.Suppression*100, n)}
				}
				v.SuppressedStarred = true
				continue
			}
		} else if model != "" {
			return nil, &VerifyError{Line: cl.first, Msg: fmt.Sprintf("the class of %d records %s fails %s", cl.size, strings.ReplaceAll(strconv.Quote(k), `\x1f`, ", "), model)}
		}
		v.Classes++
		if v.SmallestClass == 0 || cl.size < v.SmallestClass {
			v.SmallestClass = cl.size
		}
	}
	return v, nil
}

// fails returns the first model a class of size records with sensitive values sens fails,
// or "". all counts each sensitive value over the n records of the file.
func (c Claim) fails(size int, sens []string, all map[string]int, n int) string {
	if size < c.K {
		return fmt.Sprintf("%d-anonymity", c.K)
	}
	counts := map[string]int{}
	for _, s := range sens {
		counts[s]++
	}
	if l := c.LDiversity; l != nil {
		switch l.Variant {
		case EntropyL:
			h := 0.0
			for _, r := range counts {
				p := float64(r) / float64(size)
				h -= p * math.Log(p)
			}
			if h < math.Log(float64(l.L))-1e-9 {
				return l.String()
			}
		case RecursiveL:
			rs := make([]int, 0, len(counts))
			for _, r := range counts {
				rs = append(rs, r)
			}
			sort.Sort(sort.Reverse(sort.IntSlice(rs)))
			if len(rs) < l.L {
				return l.String()
			}
			tail := 0
			for _, r := range rs[l.L-1:] {
				tail += r
			}
			if !(float64(rs[0]) < l.C*float64(tail)) {
				return l.String()
			}
		default:
			if len(counts) < l.L {
				return l.String()
			}
		}
	}
	if tc := c.TCloseness; tc != nil {
		values := make([]string, 0, len(all))
		for v := range all {
			values = append(values, v)
		}
		d := 0.0
		if !tc.Ordered {
			for _, v := range values {
				d += math.Abs(float64(counts[v])/float64(size) - float64(all[v])/float64(n))
			}
			d /= 2
		} else if len(values) > 1 {
			numeric := true
			num := make(map[string]float64, len(values))
			for _, v := range values {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				numeric = numeric && err == nil
				num[v] = f
			}
			sort.Slice(values, func(i, j int) bool {
				if numeric {
					return num[values[i]] < num[values[j]]
				}
				return values[i] < values[j]
			})
			cum := 0.0
			for _, v := range values {
				cum += float64(counts[v])/float64(size) - float64(all[v])/float64(n)
				d += math.Abs(cum)
			}
			d /= float64(len(values) - 1)
		}
		if d > tc.T+1e-9 {
			return tc.String()
		}
	}
	return ""
}
