package anonexport

import (
	"fmt"
	"math"
	"strconv"

	"github.com/stewardhq/steward/internal/anonymise"
	"github.com/stewardhq/steward/internal/taxonomy"
)

// Spec is one anonymised export as an operator asks for it.
type Spec struct {
	// Purpose is the purpose the export serves; see Exportable.
	Purpose string `json:"purpose"`
	// Segment, when set, limits the table to the segment's members (its expression must
	// only read what Purpose may read).
	Segment string `json:"segment,omitempty"`
	// QuasiIdentifiers are the columns an attacker may know (trait:…, tag:…, attribute:…);
	// they are generalised.
	QuasiIdentifiers []string `json:"quasi_identifiers"`
	// Sensitive is the column l-diversity and t-closeness protect; it is released as is.
	Sensitive string `json:"sensitive,omitempty"`
	// K is k-anonymity's k: every released class has at least K people. At least 2.
	K int `json:"k"`
	// L is l-diversity's l (0: not applied); LVariant distinct (default), entropy or
	// recursive; C the c of recursive (c,l)-diversity.
	L        int     `json:"l,omitempty"`
	LVariant string  `json:"l_variant,omitempty"`
	C        float64 `json:"c,omitempty"`
	// T is t-closeness's t in [0, 1] (absent: not applied); the ordered distance is used
	// for a numeric sensitive attribute.
	T *float64 `json:"t,omitempty"`
	// Suppression is the largest share of people whose quasi-identifiers may all be
	// replaced by "*", in [0, 1).
	Suppression float64 `json:"suppression"`
	// Metric is the utility metric the search minimises: loss (default), precision,
	// discernibility or entropy.
	Metric string `json:"metric,omitempty"`
	// Recipient, when set, is who the export goes to, as the manifest names it: for a
	// recipient abroad only people who may be transferred there are in the table, and the
	// release is entered in the transfer register (issue 26).
	Recipient string `json:"recipient,omitempty"`
}

// Bounds of a request: enough for any real release, small enough that the search's
// lattice stays in memory.
const (
	MaxQuasiIdentifiers = 8
	MinK                = 2
)

// Exportable reports whether a purpose may release anonymised data, with the reason when
// not. Only analytics.reporting and purposes beneath it may: the published statement of
// analytics.reporting promises reports that show no individual, which is what an
// anonymised release is. A purpose flagged as acting on individuals (marketing, targeting,
// sale or sharing, automated decisions) may not, even beneath it.
func Exportable(p taxonomy.Purpose) error {
	if !taxonomy.Beneath(p.Key, ExportPurpose) {
		return fmt.Errorf("%w: %s; only %s and purposes beneath it may (statistics that show no individual)", ErrPurpose, p.Key, ExportPurpose)
	}
	if p.Marketing || p.Targeting || p.SaleShare || p.AutomatedDecision {
		return fmt.Errorf("%w: %s acts on individuals (marketing, targeting, sale or sharing, or automated decisions)", ErrPurpose, p.Key)
	}
	return nil
}

// ExportPurpose is the published purpose anonymised exports serve.
const ExportPurpose = "analytics.reporting"

// config turns the models of s into the engine's Config (columns and hierarchies are
// added by the caller).
func (s Spec) config() (anonymise.Config, error) {
	cfg := anonymise.Config{K: s.K, Suppression: s.Suppression}
	switch {
	case len(s.QuasiIdentifiers) == 0:
		return cfg, fmt.Errorf("%w: name at least one quasi-identifier", ErrInvalid)
	case len(s.QuasiIdentifiers) > MaxQuasiIdentifiers:
		return cfg, fmt.Errorf("%w: at most %d quasi-identifiers, got %d", ErrInvalid, MaxQuasiIdentifiers, len(s.QuasiIdentifiers))
	case s.K < MinK:
		return cfg, fmt.Errorf("%w: k must be at least %d (k = 1 protects no one), got %d", ErrInvalid, MinK, s.K)
	case !(s.Suppression >= 0 && s.Suppression < 1):
		return cfg, fmt.Errorf("%w: suppression must be a share in [0, 1), got %s", ErrInvalid, num(s.Suppression))
	}
	seen := map[string]bool{}
	for _, q := range s.QuasiIdentifiers {
		if seen[q] {
			return cfg, fmt.Errorf("%w: quasi-identifier %q named twice", ErrInvalid, q)
		}
		seen[q] = true
	}
	if s.Sensitive != "" && seen[s.Sensitive] {
		return cfg, fmt.Errorf("%w: %q is both a quasi-identifier and the sensitive attribute", ErrInvalid, s.Sensitive)
	}
	cfg.QuasiIdentifiers = s.QuasiIdentifiers
	metric := s.Metric
	if metric == "" {
		metric = string(anonymise.Loss)
	}
	m, err := anonymise.ParseMetric(metric)
	if err != nil {
		return cfg, fmt.Errorf("%w: unknown metric %q (loss, precision, discernibility or entropy)", ErrInvalid, s.Metric)
	}
	cfg.Metric = m
	if s.L != 0 || s.LVariant != "" {
		v := anonymise.LVariant(s.LVariant)
		switch v {
		case "":
			v = anonymise.DistinctL
		case anonymise.DistinctL, anonymise.EntropyL:
		case anonymise.RecursiveL:
			if !(s.C > 0) || math.IsInf(s.C, 0) {
				return cfg, fmt.Errorf("%w: recursive (c,l)-diversity needs a positive c, got %s", ErrInvalid, num(s.C))
			}
		default:
			return cfg, fmt.Errorf("%w: unknown l-diversity variant %q (distinct, entropy or recursive)", ErrInvalid, s.LVariant)
		}
		if s.L < 2 {
			return cfg, fmt.Errorf("%w: l must be at least 2, got %d", ErrInvalid, s.L)
		}
		cfg.LDiversity = &anonymise.LDiversity{L: s.L, Variant: v, C: s.C}
	}
	if s.T != nil {
		if !(*s.T >= 0 && *s.T <= 1) {
			return cfg, fmt.Errorf("%w: t must be in [0, 1], got %s", ErrInvalid, num(*s.T))
		}
		cfg.TCloseness = &anonymise.TCloseness{T: *s.T}
	}
	if (cfg.LDiversity != nil || cfg.TCloseness != nil) && s.Sensitive == "" {
		return cfg, fmt.Errorf("%w: l-diversity and t-closeness protect a sensitive attribute; name one", ErrInvalid)
	}
	cfg.Sensitive = s.Sensitive
	return cfg, nil
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
