package anonymise

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// Risk is the re-identification risk of a release under the three attacker models of El
// Emam and Dankar, computed over the records released (suppressed records are removed) as
// ARX's RiskModelSampleSummary does. f is a class's size in the release, F its size in
// the population.
type Risk struct {
	Records int `json:"records"` // records released
	Classes int `json:"classes"` // equivalence classes released
	// Prosecutor: the attacker knows the person is in the release. Highest 1/min f;
	// average: the expected share of records re-identified, classes / records.
	ProsecutorHighest float64 `json:"prosecutor_highest"`
	ProsecutorAverage float64 `json:"prosecutor_average"`
	// Journalist: the attacker knows the person is in the population only. Highest
	// 1/min F; average max(classes / Σ F, Σ (f/F) / records).
	JournalistHighest float64 `json:"journalist_highest"`
	JournalistAverage float64 `json:"journalist_average"`
	// Marketer: the attacker re-identifies as many records as possible; the expected share
	// is Σ (f/F) / records. It has no "highest": it is a share of the whole release.
	MarketerAverage float64 `json:"marketer_average"`
	// SampleUniques is the share of released records alone in their class.
	SampleUniques float64 `json:"sample_uniques"`
}

// RiskReport compares the risk of the original table with the release's, with a
// plain-language summary.
type RiskReport struct {
	Before RiskWithNote `json:"before"`
	After  RiskWithNote `json:"after"`
	// PopulationGiven is false when no population table was configured: the table is then
	// taken to be the whole population, so journalist risk equals prosecutor risk and
	// marketer risk equals average prosecutor risk. That overstates the journalist risk
	// of a true sample, never understates it.
	PopulationGiven bool `json:"population_given"`
	// Summary holds the plain-language summary by language tag ("en", "zh-CN").
	Summary map[string]string `json:"summary"`
}

// RiskWithNote is a Risk with the number of records suppressed to reach it.
type RiskWithNote struct {
	Risk
	Suppressed int `json:"suppressed"`
}

// riskOf computes the risk of the classes in g, those with supp[j] removed. pop maps a
// class's label key to its population size (nil: the table is the population).
func (e *Engine) riskOf(g *groupify, supp []bool, pop map[string]int) (Risk, error) {
	var r Risk
	minF, minP := math.Inf(1), math.Inf(1)
	var sumF, sumRatio float64
	uniques := 0
	for j := 0; j < g.n; j++ {
		if supp != nil && supp[j] {
			continue
		}
		f := float64(g.count[j])
		r.Records += int(g.count[j])
		r.Classes++
		if g.count[j] == 1 {
			uniques++
		}
		minF = min(minF, f)
		F := f
		if pop != nil {
			F = float64(pop[e.labelKey(g.rep[j], e.lat.node(g.node))])
			if F < f {
				return Risk{}, configErr("risk", "the population table has fewer records than the table in a class at levels %v", e.lat.ints(g.node))
			}
		}
		minP = min(minP, F)
		sumF += F
		sumRatio += f / F
	}
	if r.Records == 0 {
		return r, nil
	}
	n := float64(r.Records)
	r.ProsecutorHighest = 1 / minF
	r.ProsecutorAverage = float64(r.Classes) / n
	r.JournalistHighest = 1 / minP
	r.JournalistAverage = max(float64(r.Classes)/sumF, sumRatio/n)
	r.MarketerAverage = sumRatio / n
	r.SampleUniques = float64(uniques) / n
	return r, nil
}

// labelKey is the generalised tuple of t at levels as label text, to match population
// records whose values the table may not contain.
func (e *Engine) labelKey(t int32, levels []uint8) string {
	var b strings.Builder
	for c, l := range levels {
		x := e.genOf(t, c, l)
		b.WriteString(e.hier[c].labels[l][e.label[c][l][x]])
		b.WriteByte(0)
	}
	return b.String()
}

// populationCounts counts the population's records per generalised tuple at levels.
func (e *Engine) populationCounts(levels []uint8) (map[string]int, error) {
	p := e.cfg.Population
	if p == nil {
		return nil, nil
	}
	cols := make([]int, e.d)
	for c, q := range e.cfg.QuasiIdentifiers {
		cols[c] = p.Column(q)
	}
	out := make(map[string]int)
	var b strings.Builder
	for r := 0; r < p.rows; r++ {
		b.Reset()
		for c, l := range levels {
			v := p.Value(r, cols[c])
			lab, ok := e.hier[c].Generalise(v, int(l))
			if !ok {
				return nil, fmt.Errorf("risk: %w: population column %q: the value in row %d is not in its hierarchy", ErrHierarchy, e.cfg.QuasiIdentifiers[c], r+1)
			}
			b.WriteString(lab)
			b.WriteByte(0)
		}
		out[b.String()]++
	}
	return out, nil
}

// Risk returns the risk report of the original table and of this result.
func (r *Result) Risk() (*RiskReport, error) {
	e := r.e
	rep := &RiskReport{PopulationGiven: e.cfg.Population != nil}
	for i, node := range []int32{0, r.node} {
		s := e.newSearcher(context.Background())
		defer s.release()
		g, supp := s.classify(node)
		if i == 0 {
			supp = nil // before: the table as it is, nothing suppressed
		}
		pop, err := e.populationCounts(e.lat.node(node))
		if err != nil {
			return nil, err
		}
		risk, err := e.riskOf(g, supp, pop)
		if err != nil {
			return nil, err
		}
		rn := RiskWithNote{Risk: risk}
		if i == 0 {
			rep.Before = rn
		} else {
			rn.Suppressed = r.Suppressed
			rep.After = rn
		}
	}
	rep.Summary = map[string]string{"en": rep.english(r), "zh-CN": rep.chinese(r)}
	return rep, nil
}

// classify groups the tuples at node and marks the classes that fail a model.
func (s *searcher) classify(node int32) (*groupify, []bool) {
	g := s.g
	g.run(node, s.base)
	supp := make([]bool, g.n)
	for j := 0; j < g.n; j++ {
		h := g.hist[j*s.e.ns : (j+1)*s.e.ns]
		supp[j] = s.m.failsCore(g.count[j], h) || s.m.failsRest(g.count[j], h)
	}
	return g, supp
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func pct(x float64) string {
	s := fmt.Sprintf("%.1f%%", 100*x)
	if x > 0 && s == "0.0%" {
		return "<0.1%"
	}
	return s
}

// oneIn renders a highest risk 1/x as "1 in x".
func oneIn(risk float64) string {
	if risk <= 0 {
		return "none"
	}
	return fmt.Sprintf("1 in %.0f", math.Round(1/risk))
}

func (rep *RiskReport) english(r *Result) string {
	a, b := rep.After, rep.Before
	var s strings.Builder
	fmt.Fprintf(&s, "Quasi-identifiers: %s. ", strings.Join(r.QuasiIdentifiers, ", "))
	fmt.Fprintf(&s, "Of %d records, %d were suppressed; the other %d fall into %s whose members look alike on these attributes. ",
		a.Records+a.Suppressed, a.Suppressed, a.Records, plural(a.Classes, "group", "groups"))
	fmt.Fprintf(&s, "Someone who knows a person is in this release and knows these attributes can single that person out with a chance of at most %s (%s), %s on average. ",
		oneIn(a.ProsecutorHighest), pct(a.ProsecutorHighest), pct(a.ProsecutorAverage))
	if a.SampleUniques == 0 {
		s.WriteString("No record is unique. ")
	} else {
		fmt.Fprintf(&s, "%s of the records are unique. ", pct(a.SampleUniques))
	}
	fmt.Fprintf(&s, "Before anonymisation %s of the records were unique and the highest chance was %s. ", pct(b.SampleUniques), pct(b.ProsecutorHighest))
	fmt.Fprintf(&s, "Someone who matches the whole release against their own list would re-identify %s of the records. ", pct(a.MarketerAverage))
	if rep.PopulationGiven {
		fmt.Fprintf(&s, "Someone who knows only that the person is in the population has a chance of at most %s (%s).", oneIn(a.JournalistHighest), pct(a.JournalistHighest))
	} else {
		s.WriteString("No population table was given, so the data is taken to be the whole population; for a sample the real risk is lower.")
	}
	return s.String()
}

func (rep *RiskReport) chinese(r *Result) string {
	a, b := rep.After, rep.Before
	var s strings.Builder
	fmt.Fprintf(&s, "准标识符：%s。", strings.Join(r.QuasiIdentifiers, "、"))
	fmt.Fprintf(&s, "共 %d 条记录，隐匿 %d 条；其余 %d 条分为 %d 组，同组记录在这些属性上完全相同。",
		a.Records+a.Suppressed, a.Suppressed, a.Records, a.Classes)
	fmt.Fprintf(&s, "若有人知道某人在本数据中并掌握这些属性，认出此人的概率最高为 %s（%s），平均为 %s。",
		zhOneIn(a.ProsecutorHighest), pct(a.ProsecutorHighest), pct(a.ProsecutorAverage))
	if a.SampleUniques == 0 {
		s.WriteString("没有唯一的记录。")
	} else {
		fmt.Fprintf(&s, "%s 的记录是唯一的。", pct(a.SampleUniques))
	}
	fmt.Fprintf(&s, "匿名化之前，%s 的记录是唯一的，最高概率为 %s。", pct(b.SampleUniques), pct(b.ProsecutorHighest))
	fmt.Fprintf(&s, "若有人用自己的名单匹配整份数据，可重新识别 %s 的记录。", pct(a.MarketerAverage))
	if rep.PopulationGiven {
		fmt.Fprintf(&s, "若只知道此人属于总体，认出此人的概率最高为 %s（%s）。", zhOneIn(a.JournalistHighest), pct(a.JournalistHighest))
	} else {
		s.WriteString("未提供总体数据，因此假定本数据即为全部总体；若本数据只是抽样，实际风险更低。")
	}
	return s.String()
}

func zhOneIn(risk float64) string {
	if risk <= 0 {
		return "零"
	}
	return fmt.Sprintf("%.0f 分之一", math.Round(1/risk))
}
