package anonymise

import (
	"fmt"
	"math"
	"strings"
)

// Metric names a utility metric: the search minimises the information loss it measures.
type Metric string

// The four metrics. Each treats a suppressed record as fully generalised in every
// quasi-identifier; see metrics.go for the formulas.
const (
	// Precision is Sweeney's Prec as a loss: the mean over all quasi-identifier cells of
	// level/height, in [0, 1].
	Precision Metric = "precision"
	// Discernibility is Bayardo and Agrawal's DM: the sum of squared class sizes, a
	// suppressed record costing the number of records.
	Discernibility Metric = "discernibility"
	// NonUniformEntropy is Gionis and Tassa's non-uniform entropy in bits: for every cell,
	// -log2 of the share of records with its generalised value that have its original value.
	NonUniformEntropy Metric = "entropy"
	// Loss is Iyengar's loss metric: for every cell, (leaves under its label - 1) /
	// (leaves of the hierarchy - 1), averaged over all cells, in [0, 1].
	Loss Metric = "loss"
)

// ParseMetric accepts the names precision, discernibility, entropy and loss.
func ParseMetric(s string) (Metric, error) {
	switch m := Metric(s); m {
	case Precision, Discernibility, NonUniformEntropy, Loss:
		return m, nil
	}
	return "", configErr("parse metric", "unknown metric %q (precision, discernibility, entropy or loss)", s)
}

// LVariant names an instance of l-diversity.
type LVariant string

// The l-diversity variants of Machanavajjhala et al.
const (
	// DistinctL: at least l distinct sensitive values in every class.
	DistinctL LVariant = "distinct"
	// EntropyL: the entropy of the sensitive values in every class is at least log(l).
	EntropyL LVariant = "entropy"
	// RecursiveL: recursive (c,l)-diversity, r1 < c·(r_l + ... + r_m) for the value counts
	// of every class sorted in descending order.
	RecursiveL LVariant = "recursive"
)

// LDiversity protects the sensitive attribute against homogeneity.
type LDiversity struct {
	L       int
	Variant LVariant
	C       float64 // recursive only
}

func (m LDiversity) String() string {
	switch m.Variant {
	case EntropyL:
		return fmt.Sprintf("entropy %d-diversity", m.L)
	case RecursiveL:
		return fmt.Sprintf("recursive (%g,%d)-diversity", m.C, m.L)
	}
	return fmt.Sprintf("distinct %d-diversity", m.L)
}

// TCloseness bounds the distance between each class's distribution of the sensitive
// attribute and its distribution in the whole table (Li et al.'s Earth Mover's Distance).
type TCloseness struct {
	T float64
	// Ordered selects the ordered distance, for numbers (values ordered numerically, or
	// lexicographically when some value is not a number, as ARX does); otherwise every
	// two values are at distance 1 (equal distance, for categories).
	Ordered bool
}

func (m TCloseness) String() string {
	if m.Ordered {
		return fmt.Sprintf("%g-closeness (ordered distance)", m.T)
	}
	return fmt.Sprintf("%g-closeness (equal distance)", m.T)
}

// Config is one anonymisation task.
type Config struct {
	// QuasiIdentifiers are the columns an attacker may know; they are generalised.
	QuasiIdentifiers []string
	// Hierarchies maps quasi-identifiers to their hierarchies; one without gets
	// FlatHierarchy (kept or "*").
	Hierarchies map[string]*Hierarchy
	// K is k-anonymity's k: every class has at least K records. At least 1.
	K int
	// Sensitive is the column LDiversity and TCloseness protect; it is not generalised.
	Sensitive  string
	LDiversity *LDiversity // nil: not applied
	TCloseness *TCloseness // nil: not applied
	// Suppression is the largest share of records that may be suppressed, in [0, 1).
	Suppression float64
	// Metric is the utility metric to optimise; empty means Loss.
	Metric Metric
	// Population, when set, is the population the table was sampled from (same
	// quasi-identifier columns), for journalist and marketer risk. Without it the table is
	// taken to be the whole population.
	Population *Table
}

// models lists the configured models as people read them, k-anonymity first.
func (c *Config) models() []string {
	out := []string{fmt.Sprintf("%d-anonymity", c.K)}
	if c.LDiversity != nil {
		out = append(out, c.LDiversity.String()+" of "+c.Sensitive)
	}
	if c.TCloseness != nil {
		out = append(out, c.TCloseness.String()+" of "+c.Sensitive)
	}
	return out
}

func (c *Config) validate(t *Table) error {
	if len(c.QuasiIdentifiers) == 0 {
		return configErr("prepare", "no quasi-identifiers")
	}
	seen := map[string]bool{}
	for _, q := range c.QuasiIdentifiers {
		if t.Column(q) < 0 {
			return configErr("prepare", "quasi-identifier %q is not a column (columns: %s)", q, strings.Join(t.header, ", "))
		}
		if seen[q] {
			return configErr("prepare", "quasi-identifier %q named twice", q)
		}
		seen[q] = true
	}
	for col := range c.Hierarchies {
		if !seen[col] {
			return configErr("prepare", "hierarchy for %q, which is not a quasi-identifier", col)
		}
	}
	if c.K < 1 {
		return configErr("prepare", "k must be at least 1, got %d", c.K)
	}
	if !(c.Suppression >= 0 && c.Suppression < 1) {
		return configErr("prepare", "suppression limit must be in [0, 1), got %g", c.Suppression)
	}
	if c.Metric == "" {
		c.Metric = Loss
	}
	if _, err := ParseMetric(string(c.Metric)); err != nil {
		return err
	}
	needSensitive := c.LDiversity != nil || c.TCloseness != nil
	if needSensitive && c.Sensitive == "" {
		return configErr("prepare", "l-diversity and t-closeness need a sensitive attribute")
	}
	if c.Sensitive != "" {
		if t.Column(c.Sensitive) < 0 {
			return configErr("prepare", "sensitive attribute %q is not a column", c.Sensitive)
		}
		if seen[c.Sensitive] {
			return configErr("prepare", "%q is both a quasi-identifier and the sensitive attribute", c.Sensitive)
		}
	}
	if l := c.LDiversity; l != nil {
		if l.L < 1 {
			return configErr("prepare", "l must be at least 1, got %d", l.L)
		}
		switch l.Variant {
		case "":
			l.Variant = DistinctL
		case DistinctL, EntropyL:
		case RecursiveL:
			if !(l.C > 0) || math.IsInf(l.C, 0) {
				return configErr("prepare", "recursive (c,l)-diversity needs a positive c, got %g", l.C)
			}
		default:
			return configErr("prepare", "unknown l-diversity variant %q (distinct, entropy or recursive)", l.Variant)
		}
	}
	if tc := c.TCloseness; tc != nil && !(tc.T >= 0 && tc.T <= 1) {
		return configErr("prepare", "t must be in [0, 1], got %g", tc.T)
	}
	if p := c.Population; p != nil {
		for _, q := range c.QuasiIdentifiers {
			if p.Column(q) < 0 {
				return configErr("prepare", "population table has no column %q", q)
			}
		}
	}
	return nil
}
