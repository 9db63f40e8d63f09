package anonymise

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
)

// Suppressed is the value every quasi-identifier of a suppressed record takes on output,
// as in ARX.
const Suppressed = "*"

// WriteCSV writes the table transformed by r: quasi-identifiers replaced by their labels
// at r's levels, every quasi-identifier of a suppressed record replaced by "*", other
// columns (the sensitive attribute too) unchanged, rows in their original order. sep 0
// means the table's own separator. A cell a spreadsheet would run as a formula is written
// with a leading apostrophe (NeutraliseFormula): a release is opened in Excel by people
// who never asked to run what a shopper typed into a form.
func (r *Result) WriteCSV(w io.Writer, sep rune) error {
	e := r.e
	if sep == 0 {
		sep = e.table.Separator()
	}
	s := e.newSearcher(context.Background())
	defer s.release()
	class := make([]int32, e.nt) // distinct tuple → its class
	s.g.assign = class
	_, supp := s.classify(r.node)
	levels := e.lat.node(r.node)
	isQI := make([]int, len(e.table.cols))
	for i := range isQI {
		isQI[i] = -1
	}
	for c, col := range e.qcol {
		isQI[col] = c
	}
	cw := csv.NewWriter(w)
	cw.Comma = sep
	header := make([]string, len(e.table.header))
	for i, h := range e.table.header {
		header[i] = NeutraliseFormula(h)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(e.table.cols))
	for row := 0; row < e.n; row++ {
		t := e.rowTuple[row]
		suppressed := supp[class[t]]
		for col := range rec {
			c := isQI[col]
			switch {
			case c < 0:
				rec[col] = NeutraliseFormula(e.table.Value(row, col))
			case suppressed:
				rec[col] = Suppressed
			default:
				l := levels[c]
				x := e.gen[c][l][e.table.cols[col].codes[row]]
				rec[col] = NeutraliseFormula(e.hier[c].labels[l][e.label[c][l][x]])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Report is the JSON document `steward anonymise --report` writes.
type Report struct {
	QuasiIdentifiers []string    `json:"quasi_identifiers"`
	Levels           []int       `json:"levels"`
	Models           []string    `json:"models"`
	Suppression      float64     `json:"suppression_limit"`
	Metric           Metric      `json:"metric"`
	Loss             float64     `json:"loss"`
	Utility          Utility     `json:"utility"`
	Records          int         `json:"records"`
	Suppressed       int         `json:"suppressed"`
	Classes          int         `json:"classes"`
	NodesChecked     int         `json:"nodes_checked"`
	Nodes            int         `json:"nodes"`
	SearchMillis     float64     `json:"search_ms"`
	Risk             *RiskReport `json:"risk"`
}

// Utility returns r's information loss under every metric.
func (r *Result) Utility() Utility {
	s := r.e.newSearcher(context.Background())
	defer s.release()
	g, supp := s.classify(r.node)
	return r.e.utility(g, supp)
}

// Report assembles the utility and risk report of r.
func (r *Result) Report() (*Report, error) {
	risk, err := r.Risk()
	if err != nil {
		return nil, err
	}
	e := r.e
	return &Report{
		QuasiIdentifiers: r.QuasiIdentifiers,
		Levels:           r.Levels,
		Models:           e.cfg.models(),
		Suppression:      e.cfg.Suppression,
		Metric:           r.Metric,
		Loss:             r.Loss,
		Utility:          r.Utility(),
		Records:          e.n,
		Suppressed:       r.Suppressed,
		Classes:          r.Classes,
		NodesChecked:     r.NodesChecked,
		Nodes:            r.Nodes,
		SearchMillis:     float64(r.Elapsed.Microseconds()) / 1000,
		Risk:             risk,
	}, nil
}

// Models returns the configured privacy models as people read them.
func (e *Engine) Models() []string { return e.cfg.models() }

// FormatLoss renders a loss the way the CLI prints it: discernibility as an integer,
// entropy in bits with three decimals, the shares with four.
func FormatLoss(m Metric, v float64) string {
	switch m {
	case Discernibility:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case NonUniformEntropy:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// NeutraliseFormula returns v with a leading apostrophe when a spreadsheet would read it as
// a formula (OWASP "CSV injection": a first character of =, +, -, @, tab or carriage
// return), and v itself otherwise. A number stays a number: "-3.5" is data, not a formula.
func NeutraliseFormula(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return v
		}
		return "'" + v
	}
	return v
}
