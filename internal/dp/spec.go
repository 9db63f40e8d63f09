package dp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Measure names what a report computes per cell.
type Measure string

// The measures of issue 20 item 1.
const (
	Count       Measure = "count"        // events
	CountPeople Measure = "count_people" // distinct people
	Sum         Measure = "sum"          // of a numeric event property
	Mean        Measure = "mean"         // of a numeric event property
	Quantile    Measure = "quantile"     // of a numeric event property (median, p90 by default)
	Histogram   Measure = "histogram"    // events per bin of a numeric event property
)

// NoiseKind names the library noise a release adds.
type NoiseKind string

// The two noises of github.com/google/differential-privacy/go/v3/noise.
const (
	Laplace  NoiseKind = "laplace"
	Gaussian NoiseKind = "gaussian"
)

// Spec is a report request (issue 20 item 4's body; the fields after Epsilon are ours).
// Zero fields take the defaults below; Normalize fills them in, so a stored release shows
// exactly what was computed.
type Spec struct {
	Budget   string   `json:"budget"`
	Purpose  string   `json:"purpose"`
	Measure  Measure  `json:"measure"`
	Event    string   `json:"event,omitempty"`    // only events of this name ("" all)
	Property string   `json:"property,omitempty"` // numeric event property (sum, mean, quantile, histogram)
	GroupBy  []string `json:"group_by,omitempty"` // up to three dimensions, see ParseDimension
	Epsilon  float64  `json:"epsilon"`
	// Delta is the δ of partition selection and of the Gaussian calibration (default
	// DefaultDelta when one of them is used; must be 0 otherwise).
	Delta float64   `json:"delta,omitempty"`
	Noise NoiseKind `json:"noise,omitempty"` // default: Laplace for counts, Gaussian for values
	// Bounds clamp each value of Property: [lower, upper]. Required for value measures:
	// bounds taken from the data would leak it.
	Bounds []float64 `json:"bounds,omitempty"`
	Bins   int       `json:"bins,omitempty"`  // histogram bins over Bounds (default 10)
	Ranks  []float64 `json:"ranks,omitempty"` // quantile ranks (default 0.5, 0.9)
	// MaxPartitions bounds the cells one person counts in; MaxContributions the events
	// one person adds to one cell (doc.go, "Contribution bounds").
	MaxPartitions    int `json:"max_partitions,omitempty"`
	MaxContributions int `json:"max_contributions,omitempty"`
	// From and To restrict events to [From, To). With both set, day and week are public
	// dimensions (every day of the range is a cell, even an empty one).
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// PublicKeys declares the values of a dimension in advance (e.g. the event names of
	// the manifest). When every dimension's values are known the cells are public: all of
	// them are released, and no budget goes to partition selection. Values outside the
	// list are left out.
	PublicKeys map[string][]string `json:"public_keys,omitempty"`
	// DryRun asks what the report would cost and how accurate it would be, without
	// charging or computing.
	DryRun bool `json:"dry_run,omitempty"`
}

// Defaults and limits; doc.go says why.
const (
	DefaultDelta            = 1e-7
	DefaultMaxPartitions    = 3
	DefaultCountContribs    = 5
	DefaultValueContribs    = 1
	DefaultBins             = 10
	MinEpsilon              = 1e-3
	MaxEpsilon              = 10
	MinDelta                = 1e-12
	MaxDelta                = 1e-3
	MaxGroupBy              = 3
	maxPartitionsLimit      = 100
	maxContributionsLimit   = 100
	maxBins                 = 100
	maxRanks                = 10
	maxPublicValues         = 1000
	maxPublicCells          = 10000
	maxNameLen              = 128
	maxBound                = 1e12
	quantileCountShare      = 0.1 // of a quantile's ε, spent on the count its CI needs
	quantileTreeHeight      = 4   // the library's defaults
	quantileBranchingFactor = 16
)

// DefaultRanks are the quantiles a quantile report gives when it names none: median, p90.
var DefaultRanks = []float64{0.5, 0.9}

// ParseSpec decodes a report spec from JSON strictly: unknown fields and trailing data are
// errors, and the result is validated (Normalize).
func ParseSpec(b []byte) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, reportErr("body", "%s", jsonReason(err))
	}
	if dec.More() {
		return Spec{}, reportErr("body", "trailing data after the JSON object")
	}
	return s.Normalize()
}

func jsonReason(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Field != "" {
		return fmt.Sprintf("%s must be %s, not %s", ute.Field, ute.Type, ute.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// Normalize validates s and returns it with every default filled in. Errors are
// *SpecError naming the field.
func (s Spec) Normalize() (Spec, error) {
	p, err := compile(s)
	if err != nil {
		return Spec{}, err
	}
	return p.spec, nil
}

// dimKind is what a group_by dimension reads.
type dimKind uint8

const (
	dimEvent dimKind = iota
	dimDay
	dimWeek
	dimCampaign
	dimTrait
	dimTag
	dimSegment
	dimBin // histogram bins, added by the plan
	dimRank
)

// Dimension is a parsed group_by entry.
type Dimension struct {
	kind dimKind
	Name string // the trait, tag or segment name; "" for the others
}

// String returns the dimension as written in group_by.
func (d Dimension) String() string {
	switch d.kind {
	case dimEvent:
		return "event"
	case dimDay:
		return "day"
	case dimWeek:
		return "week"
	case dimCampaign:
		return "campaign"
	case dimTrait:
		return "trait:" + d.Name
	case dimTag:
		return "tag:" + d.Name
	case dimSegment:
		return "segment:" + d.Name
	case dimBin:
		return "bin"
	default:
		return "quantile"
	}
}

// personal reports whether the dimension's value is the person's, not the event's.
func (d Dimension) personal() bool {
	return d.kind == dimTrait || d.kind == dimTag || d.kind == dimSegment
}

// ParseDimension parses one group_by entry: event, day, week (ISO, UTC), campaign,
// trait:NAME, tag:NAME or segment:NAME, where NAME is 1–128 characters of letters, digits
// and _ . - (a trait name may be a path such as address.city).
func ParseDimension(s string) (Dimension, error) {
	switch s {
	case "event":
		return Dimension{kind: dimEvent}, nil
	case "day":
		return Dimension{kind: dimDay}, nil
	case "week":
		return Dimension{kind: dimWeek}, nil
	case "campaign":
		return Dimension{kind: dimCampaign}, nil
	}
	prefix, name, ok := strings.Cut(s, ":")
	if !ok {
		return Dimension{}, fmt.Errorf("unknown dimension %q (want event, day, week, campaign, trait:NAME, tag:NAME or segment:NAME)", clip(s))
	}
	var k dimKind
	switch prefix {
	case "trait":
		k = dimTrait
	case "tag":
		k = dimTag
	case "segment":
		k = dimSegment
	default:
		return Dimension{}, fmt.Errorf("unknown dimension kind %q (want trait, tag or segment)", clip(prefix))
	}
	if err := checkName(name); err != nil {
		return Dimension{}, fmt.Errorf("%s name %w", prefix, err)
	}
	return Dimension{kind: k, Name: name}, nil
}

// checkName accepts 1–128 ASCII letters, digits, '_', '.', '-', not starting with '.'.
func checkName(n string) error {
	if n == "" {
		return fmt.Errorf("is empty")
	}
	if len(n) > maxNameLen {
		return fmt.Errorf("is longer than %d characters", maxNameLen)
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || (c == '.' && i > 0)) {
			return fmt.Errorf("%q has %q at %d (letters, digits, _ . - only)", clip(n), rune(c), i)
		}
	}
	return nil
}

// clip shortens user input quoted in an error.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// component is one noisy vector a release adds: l0 partitions per person, each changed by
// at most lInf, noised with (eps, delta).
type component struct {
	l0         int64
	lInf       float64
	eps, delta float64
}

// plan is a validated spec with what the engine and the ledger need.
type plan struct {
	spec     Spec
	dims     []Dimension // group_by, then bin for histograms
	personal bool        // every group_by dimension is the person's: one cell per person
	domains  [][]string  // per dim, the declared values (nil: undeclared)
	public   bool        // every dim has a domain: release all cells, no selection
	p, c     int64       // max partitions, max contributions per partition
	lo, hi   float64
	gauss    bool
	epsSel   float64 // partition selection (0: public)
	deltaSel float64
	epsAgg   float64
	deltaAgg float64 // Gaussian calibration (0 for Laplace)
	parts    []component
	cost     Cost
}

// compile validates s and works out the plan.
func compile(s Spec) (*plan, error) {
	if s.Budget == "" {
		return nil, reportErr("budget", "is required")
	}
	if err := checkName(s.Budget); err != nil {
		return nil, reportErr("budget", "name %v", err)
	}
	if s.Purpose == "" {
		return nil, reportErr("purpose", "is required: a report reads data only under a purpose")
	}
	if err := checkName(s.Purpose); err != nil {
		return nil, reportErr("purpose", "%v", err)
	}
	switch s.Measure {
	case Count, CountPeople, Sum, Mean, Quantile, Histogram:
	case "":
		return nil, reportErr("measure", "is required (count, count_people, sum, mean, quantile or histogram)")
	default:
		return nil, reportErr("measure", "%q is not one of count, count_people, sum, mean, quantile, histogram", clip(string(s.Measure)))
	}
	valued := s.Measure == Sum || s.Measure == Mean || s.Measure == Quantile || s.Measure == Histogram
	if len(s.Event) > 256 || !utf8.ValidString(s.Event) {
		return nil, reportErr("event", "must be valid UTF-8 of at most 256 bytes")
	}
	if valued {
		if s.Property == "" {
			return nil, reportErr("property", "is required for %s: name a numeric event property", s.Measure)
		}
		if err := checkName(s.Property); err != nil {
			return nil, reportErr("property", "%v", err)
		}
	} else if s.Property != "" {
		return nil, reportErr("property", "is not used by %s", s.Measure)
	}
	if !(s.Epsilon >= MinEpsilon && s.Epsilon <= MaxEpsilon) {
		return nil, reportErr("epsilon", "must be in [%g, %d]", MinEpsilon, MaxEpsilon)
	}
	p := &plan{spec: s}

	// Noise.
	switch s.Noise {
	case "":
		if valued && s.Measure != Histogram {
			p.spec.Noise = Gaussian
		} else {
			p.spec.Noise = Laplace
		}
	case Laplace, Gaussian:
	default:
		return nil, reportErr("noise", "%q is not laplace or gaussian", clip(string(s.Noise)))
	}
	p.gauss = p.spec.Noise == Gaussian

	// Bounds, bins, ranks.
	if valued {
		if len(s.Bounds) != 2 {
			return nil, reportErr("bounds", "%s needs [lower, upper] clamping bounds", s.Measure)
		}
		p.lo, p.hi = s.Bounds[0], s.Bounds[1]
		if math.IsNaN(p.lo) || math.IsNaN(p.hi) || math.Abs(p.lo) > maxBound || math.Abs(p.hi) > maxBound {
			return nil, reportErr("bounds", "must be numbers within ±%g", maxBound)
		}
		if !(p.lo < p.hi) {
			return nil, reportErr("bounds", "lower (%g) must be below upper (%g)", p.lo, p.hi)
		}
	} else if s.Bounds != nil {
		return nil, reportErr("bounds", "are not used by %s", s.Measure)
	}
	if s.Measure == Histogram {
		if s.Bins == 0 {
			p.spec.Bins = DefaultBins
		}
		if p.spec.Bins < 1 || p.spec.Bins > maxBins {
			return nil, reportErr("bins", "must be in 1..%d", maxBins)
		}
	} else if s.Bins != 0 {
		return nil, reportErr("bins", "are used by histogram only")
	}
	if s.Measure == Quantile {
		if len(s.Ranks) == 0 {
			p.spec.Ranks = slices.Clone(DefaultRanks)
		}
		if len(p.spec.Ranks) > maxRanks {
			return nil, reportErr("ranks", "at most %d", maxRanks)
		}
		for i, r := range p.spec.Ranks {
			if !(r >= 0 && r <= 1) {
				return nil, reportErr(fmt.Sprintf("ranks[%d]", i), "must be in [0, 1]")
			}
		}
		p.spec.Ranks = slices.Clone(p.spec.Ranks)
		slices.Sort(p.spec.Ranks)
		p.spec.Ranks = slices.Compact(p.spec.Ranks)
	} else if s.Ranks != nil {
		return nil, reportErr("ranks", "are used by quantile only")
	}

	// Time range.
	if !s.From.IsZero() && !s.To.IsZero() && !s.From.Before(s.To) {
		return nil, reportErr("to", "must be after from")
	}
	p.spec.From, p.spec.To = utcOrZero(s.From), utcOrZero(s.To)

	// Dimensions.
	if len(s.GroupBy) > MaxGroupBy {
		return nil, reportErr("group_by", "at most %d dimensions", MaxGroupBy)
	}
	p.personal = true
	for i, g := range s.GroupBy {
		d, err := ParseDimension(g)
		if err != nil {
			return nil, reportErr(fmt.Sprintf("group_by[%d]", i), "%v", err)
		}
		for _, e := range p.dims {
			if e == d {
				return nil, reportErr(fmt.Sprintf("group_by[%d]", i), "%s appears twice", g)
			}
		}
		p.dims = append(p.dims, d)
		p.personal = p.personal && d.personal()
	}
	p.spec.GroupBy = slices.Clone(s.GroupBy)
	if err := p.declare(s.PublicKeys); err != nil {
		return nil, err
	}
	if s.Measure == Histogram {
		p.dims = append(p.dims, Dimension{kind: dimBin})
		p.domains = append(p.domains, binLabels(p.lo, p.hi, p.spec.Bins))
		p.personal = false
	}
	p.public = true
	cells := 1
	for _, d := range p.domains {
		if d == nil {
			p.public = false
			break
		}
		cells *= max(len(d), 1)
		if cells > maxPublicCells {
			return nil, reportErr("public_keys", "declare at most %d cells in all", maxPublicCells)
		}
	}

	// Contribution bounds.
	p.p, p.c = int64(s.MaxPartitions), int64(s.MaxContributions)
	if p.p == 0 {
		p.p = DefaultMaxPartitions
		if p.personal {
			p.p = 1 // a person is in exactly one cell: any more only adds noise
		}
	}
	if p.p < 1 || p.p > maxPartitionsLimit {
		return nil, reportErr("max_partitions", "must be in 1..%d", maxPartitionsLimit)
	}
	if p.c == 0 {
		switch s.Measure {
		case Count, Histogram:
			p.c = DefaultCountContribs
		default:
			p.c = DefaultValueContribs
		}
	}
	if s.Measure == CountPeople && p.c != 1 {
		return nil, reportErr("max_contributions", "is always 1 for count_people")
	}
	if p.c < 1 || p.c > maxContributionsLimit {
		return nil, reportErr("max_contributions", "must be in 1..%d", maxContributionsLimit)
	}
	p.spec.MaxPartitions, p.spec.MaxContributions = int(p.p), int(p.c)

	// Budget split and δ.
	needDelta := p.gauss || !p.public
	if !(s.Delta == 0 || s.Delta >= MinDelta && s.Delta <= MaxDelta) {
		return nil, reportErr("delta", "must be 0 (the default, %g, where needed) or in [%g, %g]", DefaultDelta, MinDelta, MaxDelta)
	}
	if !needDelta && s.Delta != 0 {
		return nil, reportErr("delta", "is not used: Laplace noise over public cells is pure ε-DP")
	}
	if needDelta && s.Delta == 0 {
		p.spec.Delta = DefaultDelta
	}
	p.epsAgg = p.spec.Epsilon
	if !p.public {
		// Half for choosing which cells to show, half for their values, as Privacy on
		// Beam does by default.
		p.epsSel, p.deltaSel = p.spec.Epsilon/2, p.spec.Delta
		p.epsAgg = p.spec.Epsilon - p.epsSel
	}
	if p.gauss {
		p.deltaAgg = p.spec.Delta
	}
	p.components()
	return p, nil
}

// declare records the declared domains: tag and segment membership are true/false, day
// and week are public over a closed time range, the rest come from PublicKeys.
func (p *plan) declare(keys map[string][]string) error {
	out := map[string][]string{}
	for name, vals := range keys {
		if !slices.Contains(p.spec.GroupBy, name) {
			return reportErr("public_keys", "%q is not a group_by dimension", clip(name))
		}
		if len(vals) == 0 || len(vals) > maxPublicValues {
			return reportErr("public_keys."+name, "declare 1..%d values", maxPublicValues)
		}
		for _, v := range vals {
			if len(v) > 256 || !utf8.ValidString(v) {
				return reportErr("public_keys."+name, "values must be valid UTF-8 of at most 256 bytes")
			}
		}
		v := slices.Clone(vals)
		slices.Sort(v)
		out[name] = slices.Compact(v)
	}
	p.domains = make([][]string, len(p.dims))
	for i, d := range p.dims {
		name := d.String()
		if v, ok := out[name]; ok {
			if d.kind == dimDay || d.kind == dimWeek || d.kind == dimTag || d.kind == dimSegment {
				return reportErr("public_keys."+name, "are implied: %s values are public with from and to set, tag and segment values are true and false", name)
			}
			p.domains[i] = v
			continue
		}
		switch d.kind {
		case dimTag, dimSegment:
			p.domains[i] = []string{"false", "true"}
		case dimDay, dimWeek:
			if p.spec.From.IsZero() || p.spec.To.IsZero() {
				continue
			}
			days := timeDomain(d.kind, p.spec.From, p.spec.To)
			if len(days) > 3*366 {
				return reportErr("to", "a %s report spans at most %d %ss", name, 3*366, name)
			}
			p.domains[i] = days
		}
	}
	if len(out) == 0 {
		out = nil
	}
	p.spec.PublicKeys = out
	return nil
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// timeDomain lists the day or week labels of every instant in [from, to).
func timeDomain(k dimKind, from, to time.Time) []string {
	var out []string
	last := ""
	for d := from.UTC().Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		l := dayLabel(d)
		if k == dimWeek {
			l = weekLabel(d)
		}
		if l != last {
			out = append(out, l)
			last = l
		}
		if len(out) > 3*366 {
			break
		}
	}
	return out
}

func dayLabel(t time.Time) string { return t.UTC().Format("2006-01-02") }

func weekLabel(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// binLabels names the histogram bins: [a, b) each, the last one closed.
func binLabels(lo, hi float64, bins int) []string {
	out := make([]string, bins)
	for i := range out {
		a, b := binEdge(lo, hi, bins, i), binEdge(lo, hi, bins, i+1)
		close := ")"
		if i == bins-1 {
			close = "]"
		}
		out[i] = fmt.Sprintf("[%s, %s%s", fmtNum(a), fmtNum(b), close)
	}
	return out
}

func binEdge(lo, hi float64, bins, i int) float64 {
	if i == bins {
		return hi
	}
	return lo + (hi-lo)*float64(i)/float64(bins)
}

func fmtNum(x float64) string { return fmt.Sprint(math.Round(x*1e6) / 1e6) }

// components lists the noisy vectors the release adds and sums their cost.
func (p *plan) components() {
	e, d := p.epsAgg, p.deltaAgg
	maxAbs := math.Max(math.Abs(p.lo), math.Abs(p.hi))
	switch p.spec.Measure {
	case Count, Histogram:
		p.parts = []component{{p.p, float64(p.c), e, d}}
	case CountPeople:
		p.parts = []component{{p.p, 1, e, d}}
	case Sum:
		p.parts = []component{{p.p, float64(p.c) * maxAbs, e, d}}
	case Mean:
		// dpagg.BoundedMean halves (ε, δ) between a count and a sum of values moved to
		// the middle of the bounds.
		half := (p.hi - p.lo) / 2
		p.parts = []component{{p.p, float64(p.c), e / 2, d / 2}, {p.p, float64(p.c) * half, e / 2, d / 2}}
	case Quantile:
		// dpagg.BoundedQuantiles: a tree of counts, each person in height×partitions
		// nodes; plus the count of values the confidence interval is scaled by.
		eq := e * (1 - quantileCountShare)
		p.parts = []component{{quantileTreeHeight * p.p, float64(p.c), eq, d}, {p.p, float64(p.c), e - eq, d}}
	}
	var c Cost
	for _, k := range p.parts {
		if p.gauss {
			c.Rho += gaussianRho(k)
		} else {
			c.Epsilon += k.eps
		}
	}
	c.Epsilon += p.epsSel
	c.Delta += p.deltaSel
	p.cost = c
}
